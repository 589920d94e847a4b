"""The learned models: loaded only when they are the files that were trained, read the way scikit-learn reads them,
and deciding what the reader's message is."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.answers import model as answer_model
from bot.answers.features import NAMES, candidates
from bot.chat import kinds
from bot.search import learned
from bot.search.encoder import sha256_of
from bot.search.loanwords import LoanwordTable
from bot.service import QAService


def test_the_flat_forest_gives_scikit_learns_probabilities() -> None:
    """`Forest` walks the trees itself for speed; it must give what `predict_proba` gives, NaNs included."""
    model = answer_model.shared()
    rng = np.random.default_rng(7)
    for estimator in (model.with_meaning, model.lexical):
        rows = rng.normal(size=(300, len(NAMES))).astype(np.float32) * 3
        rows[rng.random(rows.shape) < 0.05] = np.nan
        expected = estimator.predict_proba(rows)[:, 1]
        got = answer_model.Forest(estimator).probabilities(rows)
        assert np.allclose(got, expected, atol=1e-9)


def test_real_candidates_are_scored_the_same_both_ways(seed_service: QAService) -> None:
    found = candidates(seed_service.knowledge, seed_service.vectors, "how many hostages were taken")
    model = answer_model.shared()
    estimator = model.with_meaning if found.with_meaning else model.lexical
    assert len(found) > 5
    assert np.allclose(model.probabilities(found), estimator.predict_proba(found.features)[:, 1], atol=1e-6)


def _copy(folder: Path, names: list[str], to: Path) -> Path:
    to.mkdir()
    for name in names:
        shutil.copy(folder / name, to / name)
    return to


def test_an_altered_model_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    folder = _copy(answer_model.FOLDER, list(answer_model.PINNED_SHA256), tmp_path / "model")
    assert answer_model.load(folder).threshold > 0  # the shipped files, as pinned
    path = folder / answer_model.WITH_MEANING
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(learned.LearnedHashMismatch):
        answer_model.load(folder)
    path.unlink()
    with pytest.raises(learned.ModelUnavailable, match="missing"):
        answer_model.load(folder)


def test_a_pinned_file_with_untrusted_types_is_still_refused(tmp_path: Path) -> None:
    """Even a file whose hash is pinned holds only the types the module trusts (skops names what else it holds)."""
    import skops.io as sio
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "kinds_model.skops"
    sio.dump({"vectorizer": make_pipeline(FunctionTransformer(shutil.rmtree))}, path)
    shutil.copy(kinds.FOLDER / kinds.CARD, tmp_path / kinds.CARD)
    pins = {name: sha256_of(tmp_path / name) for name in (kinds.MODEL, kinds.CARD)}
    with pytest.raises(learned.ModelUnavailable, match="not trusted"):
        kinds.load(tmp_path, pins)


def test_a_model_trained_on_other_features_is_refused(tmp_path: Path) -> None:
    folder = _copy(answer_model.FOLDER, list(answer_model.PINNED_SHA256), tmp_path / "model")
    card = folder / answer_model.CARD
    card.write_text(card.read_text(encoding="utf-8").replace(f'"{NAMES[0]}"', '"another feature"', 1), "utf-8")
    pins = {name: sha256_of(folder / name) for name in answer_model.PINNED_SHA256}
    with pytest.raises(learned.ModelUnavailable, match="other features"):
        answer_model.load(folder, pins)


def test_training_writes_the_new_pins_into_the_module(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text('X = 1\nPINNED_SHA256: Final[dict[str, str]] = {\n    "a.json": "00",\n}\nY = 2\n', "utf-8")
    (tmp_path / "a.json").write_text("{}", "utf-8")
    pins = learned.write_pins(module, tmp_path, ["a.json"])
    text = module.read_text(encoding="utf-8")
    assert pins["a.json"] == sha256_of(tmp_path / "a.json") and f'"a.json": "{pins["a.json"]}"' in text
    assert text.startswith("X = 1\n") and text.endswith("}\nY = 2\n") and '"00"' not in text
    with pytest.raises(ValueError):
        learned.write_pins(tmp_path / "a.json", tmp_path, ["a.json"])


@pytest.mark.parametrize("with_meaning", [False, True])
def test_message_kinds_as_readers_type_them(seed_service: QAService, with_meaning: bool) -> None:
    classifier = kinds.shared()

    def kind(text: str) -> str:
        return classifier.classify(text, seed_service.meaning_of(text) if with_meaning else None).kind

    assert kind("who led the raid on koi tash") == "question"
    assert kind("how many ppl got hurt??") == "question"
    assert kind("thx a lot") == "thanks"
    assert kind("source?") == "source"
    assert kind("more pls") == "more"
    assert kind("👍") == "vote"
    assert kind("what happened after that") == "next"
    assert kind("give me the timeline") == "timeline"
    assert kind("do the sources agree on how many were injured") == "sources-question"


def test_an_unsure_classifier_leaves_a_message_a_question() -> None:
    classifier = kinds.shared()
    vague = "atambayev koi tash gknb 36 hostages"
    verdict = classifier.classify(vague)
    assert verdict.kind == "question" or verdict.probability >= classifier.unsure
    strict = kinds.KindModel(classifier.vectorizer, classifier.with_meaning, classifier.lexical,
                             {**classifier.card, "unsure": 1.01})
    for text in ("thanks", "source?", "lol"):
        overruled = strict.classify(text)
        assert overruled.kind == "question" and overruled.unsure  # nothing is ever sure enough: all are questions


def test_loanwords_are_read_as_their_english() -> None:
    table = LoanwordTable.parse(["how many = skolko = сколько", "he = ~on = он", "# a comment = not = read", "him = emu"])
    assert len(table) == 3
    assert table.english("skolko ppl injured") == "how many ppl injured"
    assert table.english("СКОЛЬКО hostages") == "how many hostages"
    assert table.english("was he on the list") == "was he on the list"  # "on" alone is English
    assert table.english("skolko emu on") == "how many him he"  # beside a sure loanword, it is Russian
    assert table.english("skolkoo people") == "skolkoo people"  # whole words only
    assert LoanwordTable.load(Path("/nonexistent")).english("skolko") == "skolko"
