"""Training the answer model (`python -m bot train`): features of every labelled question's candidates, figures
cross-validated over the event sets, the decline threshold chosen on held-out predictions, and the model files
written with their pins.

Training data: the event development set, held-out sets 1-7 and the three blind-written training sets (all on the
two articles of corpus/), SQuAD v1.1 part a (pooled, answerable only) and the SQuAD 2.0 sample (with unanswerable
questions). Each set weighs the same in total, and within a set each question the same, so that 5,000 SQuAD
questions do not drown 50 readers' ones. Event holdout 8, SQuAD part b and the chat sets are never trained on.

A candidate is labelled right when its quote holds one of the question's gold answers. Cross-validation leaves one
event set out at a time (training on all the others and SQuAD), so every figure it prints is on questions the
model did not see; the threshold is the highest whose held-out predictions decline at most
MAX_ANSWERABLE_DECLINED of the answerable questions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from bot.answers import features as answer_features
from bot.answers import model as answer_model
from bot.answers.features import NAMES, candidates
from bot.chat import kinds as message_kinds
from bot.evaluation.datasets import KINDS_HOLDOUT, KINDS_TRAIN, READERS_DEV, correct, load_dialogues
from bot.evaluation.events import available_datasets, pool_vectors
from bot.search import KnowledgeBase, learned
from bot.search.encoder import shared_encoder

log = logging.getLogger(__name__)
FOLDS = ("event", "event-holdout", "event-holdout2", "event-holdout3", "event-holdout4", "event-holdout5",
         "event-holdout6", "event-holdout7")
ALWAYS = ("event-train-a", "event-train-b", "event-train-c", "squad-a", "squad2")
PARAMETERS = dict(max_iter=400, learning_rate=0.05, max_leaf_nodes=31, max_depth=6, min_samples_leaf=20,
                  l2_regularization=1.0, early_stopping=True, validation_fraction=0.1, n_iter_no_change=10, random_state=0)
MAX_ANSWERABLE_DECLINED = 0.10
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.91, 0.01))
VARIANTS = ("meaning", "lexical")


@dataclass(frozen=True)
class Labelled:
    """One set's candidates: their features, whether each is right, which question each belongs to, and which
    questions are answerable."""

    name: str
    features: np.ndarray
    right: np.ndarray
    question: np.ndarray
    answerable: np.ndarray

    def weights(self) -> np.ndarray:
        """Each question the same weight, the set 1 in total."""
        counts = np.bincount(self.question, minlength=len(self.answerable))
        return 1.0 / (counts[self.question] * max(int((counts > 0).sum()), 1))


def label(name: str, variant: str, cache: Path | None = None) -> Labelled:
    """The candidates of every question of one set, with (`meaning`) or without (`lexical`) the meaning layer."""
    path = None
    if cache is not None:
        fingerprint = hashlib.sha256((Path(answer_features.__file__).read_bytes() + name.encode())).hexdigest()[:12]
        path = cache / f"{name}-{variant}-{fingerprint}.npz"
        if path.exists():
            with np.load(path) as saved:
                return Labelled(name, saved["features"], saved["right"], saved["question"], saved["answerable"])
    datasets, _ = available_datasets([name])
    pool, items = datasets[name]
    knowledge = KnowledgeBase.build(pool.rows, pool.documents, synonyms=pool.synonyms)
    vectors = pool_vectors(pool, knowledge) if variant == "meaning" else None
    rows, right, question = [], [], []
    for number, item in enumerate(items):
        found = candidates(knowledge, vectors, item.question)
        rows.append(found.features)
        right += [bool(item.answers) and correct(quote, item.answers) for quote in found.quotes]
        question += [number] * len(found)
    labelled = Labelled(name, np.concatenate(rows) if rows else np.zeros((0, len(NAMES)), np.float32),
                        np.array(right, dtype=bool), np.array(question, dtype=np.int64),
                        np.array([bool(i.answers) for i in items]))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, features=labelled.features, right=labelled.right, question=labelled.question,
                 answerable=labelled.answerable)
    return labelled


def fit(sets: Sequence[Labelled]) -> HistGradientBoostingClassifier:
    features = np.concatenate([s.features for s in sets])
    right = np.concatenate([s.right for s in sets])
    weights = np.concatenate([s.weights() for s in sets]) * 1000
    return HistGradientBoostingClassifier(**PARAMETERS).fit(features, right, sample_weight=weights)


@dataclass(frozen=True)
class Outcome:
    """One question under a model: answerable or not, the best candidate's probability, whether the best (and
    one of the best three) is right."""

    answerable: bool
    best: float
    first_right: bool
    top3_right: bool


def outcomes(labelled: Labelled, probabilities: np.ndarray) -> list[Outcome]:
    found = []
    for number, answerable in enumerate(labelled.answerable):
        mine = labelled.question == number
        if not mine.any():
            found.append(Outcome(bool(answerable), 0.0, False, False))
            continue
        order = np.argsort(-probabilities[mine], kind="stable")
        right = labelled.right[mine][order]
        found.append(Outcome(bool(answerable), float(probabilities[mine][order[0]]), bool(right[0]),
                             bool(right[:3].any())))
    return found


@dataclass(frozen=True)
class Figures:
    """P@1 and R@3 ranking alone; `right` P@1 counting a decline as a miss; the shares declined."""

    questions: int
    p_at_1: float
    r_at_3: float
    right: float
    answerable_declined: float
    unanswerable_declined: float | None

    def row(self, name: str) -> str:
        unanswerable = "-" if self.unanswerable_declined is None else f"{self.unanswerable_declined:.3f}"
        return (f"| {name} | {self.questions} | {self.p_at_1:.3f} | {self.r_at_3:.3f} | {self.right:.3f} | "
                f"{self.answerable_declined:.3f} | {unanswerable} |")


HEADER = ("| set | questions | P@1 | R@3 | P@1, declines as misses | answerable declined | unanswerable declined |\n"
          "|---|---|---|---|---|---|---|")


def figures(found: Sequence[Outcome], threshold: float) -> Figures:
    answerable = [o for o in found if o.answerable]
    unanswerable = [o for o in found if not o.answerable]
    n = max(len(answerable), 1)
    return Figures(len(found), sum(o.first_right for o in answerable) / n, sum(o.top3_right for o in answerable) / n,
                   sum(o.first_right and o.best >= threshold for o in answerable) / n,
                   sum(o.best < threshold for o in answerable) / n,
                   sum(o.best < threshold for o in unanswerable) / len(unanswerable) if unanswerable else None)


def choose_threshold(found: Sequence[Outcome]) -> float:
    """The highest threshold that declines at most MAX_ANSWERABLE_DECLINED of the answerable questions."""
    allowed = [t for t in THRESHOLDS if figures(found, t).answerable_declined <= MAX_ANSWERABLE_DECLINED]
    return max(allowed, default=THRESHOLDS[0])


def cross_validate(sets: dict[str, Labelled], say: Callable[[str], None]) -> tuple[dict[str, list[Outcome]], float]:
    """Leave one event set out at a time; each set's outcomes under the model that never saw it."""
    held: dict[str, list[Outcome]] = {}
    for name in FOLDS:
        started = time.perf_counter()
        model = fit([s for n, s in sets.items() if n != name])
        held[name] = outcomes(sets[name], model.predict_proba(sets[name].features)[:, 1])
        say(f"  left out {name}: {time.perf_counter() - started:.0f} s")
    pooled = [o for name in FOLDS for o in held[name]]
    return held, choose_threshold(pooled)


def report(held: dict[str, list[Outcome]], threshold: float) -> tuple[str, dict[str, object]]:
    pooled = [o for name in FOLDS for o in held[name]]
    lines = [HEADER, *(figures(held[name], threshold).row(name) for name in FOLDS),
             figures(pooled, threshold).row("**pooled**")]
    auc = roc_auc_score([o.answerable for o in pooled], [o.best for o in pooled])
    summary = {name: figures(held[name], threshold).__dict__ for name in FOLDS}
    summary["pooled"] = {**figures(pooled, threshold).__dict__, "auc_answerable_by_best": round(float(auc), 4)}
    return "\n".join(lines) + f"\n\nAUC, answerable against unanswerable by the best probability: {auc:.3f}", summary


def train_answer_model(folder: Path = answer_model.FOLDER, *, module: Path | None = None, cache: Path | None = None,
                       cross_validation: bool = True, say: Callable[[str], None] = print,
                       sets: Sequence[str] = FOLDS + ALWAYS) -> dict[str, object]:
    """Train both variants, write them into `folder` with their card, and pin them in `module` (the answer model's
    own module by default). Returns the card."""
    import skops.io as sio

    card: dict[str, object] = {"features": list(NAMES), "parameters": PARAMETERS, "trained_on": list(sets),
                               "max_answerable_declined": MAX_ANSWERABLE_DECLINED}
    estimators = {}
    threshold = None
    for variant in VARIANTS:
        started = time.perf_counter()
        labelled = {name: label(name, variant, cache) for name in sets}
        say(f"{variant}: features of {sum(len(s.answerable) for s in labelled.values()):,} questions, "
            f"{sum(len(s.right) for s in labelled.values()):,} candidates in {time.perf_counter() - started:.0f} s")
        if cross_validation and all(name in labelled for name in FOLDS):
            held, chosen = cross_validate(labelled, say)
            threshold = chosen if variant == "meaning" else threshold
            table, summary = report(held, threshold if threshold is not None else chosen)
            say(f"\n{variant}, each event set left out in turn, threshold {threshold}:\n{table}\n")
            card[f"cross_validated_{variant}"] = summary
        estimators[variant] = fit(list(labelled.values()))
    card["threshold"] = threshold if threshold is not None else answer_model.shared().threshold
    card["sklearn"] = __import__("sklearn").__version__
    folder.mkdir(parents=True, exist_ok=True)
    sio.dump(estimators["meaning"], folder / answer_model.WITH_MEANING)
    sio.dump(estimators["lexical"], folder / answer_model.LEXICAL)
    (folder / answer_model.CARD).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    pins = learned.write_pins(module or Path(answer_model.__file__), folder,
                              [answer_model.WITH_MEANING, answer_model.LEXICAL, answer_model.CARD])
    say(f"wrote {', '.join(pins)} in {folder} (threshold {card['threshold']})")
    return card


# --- the message-kind classifier --------------------------------------------------------------------------------

# Kinds whose reply quotes nothing of the sources: a question taken for one of them is swallowed.
SWALLOWING = frozenset({"thanks", "ack", "vote", "greeting", "source", "more"})
UNSURE_GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
MAX_SWALLOWED = 0.01
KIND_C = 30.0


def kind_examples(path: Path) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows], [r["kind"] for r in rows]


def chat_turn_examples(path: Path) -> tuple[list[str], list[str]]:
    """Every turn of a chat set as a labelled message (a standalone question or a follow-up is a question)."""
    texts, labels = [], []
    for chat in load_dialogues(path):
        for turn in chat["turns"]:
            texts.append(turn["q"])
            labels.append("question" if turn["kind"] in ("standalone", "follow-up") else turn["kind"])
    return texts, labels


def _kind_classifier(vectorizer: object, texts: list[str], labels: np.ndarray, vectors: np.ndarray | None) -> object:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=KIND_C, max_iter=5000).fit(message_kinds.features(vectorizer, texts, vectors), labels)


def _vectorizer(texts: list[str]) -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True).fit([t.lower() for t in texts])


def _verdicts(model: message_kinds.KindModel, texts: list[str], vectors: np.ndarray | None) -> list[str]:
    return [model.classify(t, None if vectors is None else vectors[i]).kind for i, t in enumerate(texts)]


def _kind_figures(truth: Sequence[str], guessed: Sequence[str]) -> dict[str, float]:
    questions = [g for t, g in zip(truth, guessed) if t == "question"]
    return {"examples": len(truth), "accuracy": round(float(np.mean([t == g for t, g in zip(truth, guessed)])), 4),
            "questions_swallowed": round(sum(g in SWALLOWING for g in questions) / max(len(questions), 1), 4),
            "other_kinds_right": round(float(np.mean([t == g for t, g in zip(truth, guessed) if t != "question"])), 4)}


def confusion(truth: Sequence[str], guessed: Sequence[str]) -> str:
    kinds = list(message_kinds.KINDS)
    lines = ["| written as \\ read as | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for kind in kinds:
        counts = [sum(t == kind and g == other for t, g in zip(truth, guessed)) for other in kinds]
        lines.append(f"| {kind} | " + " | ".join(str(c) if c else "." for c in counts) + " |")
    return "\n".join(lines)


def train_kinds(folder: Path = message_kinds.FOLDER, *, module: Path | None = None,
                say: Callable[[str], None] = print) -> dict[str, object]:
    """Train the message-kind classifier (with and without the meaning layer) on the three writers' examples and
    the development chats' turns; cross-validate the unsure threshold; score the fourth writer's held-out examples;
    write the file with its card and pin it."""
    import skops.io as sio
    from sklearn.model_selection import StratifiedKFold

    texts, labels = kind_examples(KINDS_TRAIN)
    more_texts, more_labels = chat_turn_examples(READERS_DEV)
    texts, labels = texts + more_texts, labels + more_labels
    held_texts, held_labels = kind_examples(KINDS_HOLDOUT)
    encoder = shared_encoder()
    if encoder is None:
        raise learned.ModelUnavailable("the message-kind classifier is trained with the meaning layer's encoder")
    vectors, held_vectors = encoder.encode(texts), encoder.encode(held_texts)
    y = np.array(labels)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    probabilities: dict[str, np.ndarray] = {}
    for variant, matrix in (("meaning", vectors), ("lexical", None)):
        found = np.zeros((len(texts), len(message_kinds.KINDS)))
        for train, test in folds.split(texts, y):
            vectorizer = _vectorizer([texts[i] for i in train])
            classifier = _kind_classifier(vectorizer, [texts[i] for i in train], y[train],
                                          None if matrix is None else matrix[train])
            part = classifier.predict_proba(message_kinds.features(
                vectorizer, [texts[i] for i in test], None if matrix is None else matrix[test]))
            order = [list(classifier.classes_).index(k) for k in message_kinds.KINDS]
            found[test] = part[:, order]
        probabilities[variant] = found

    def read(found: np.ndarray, unsure: float) -> list[str]:
        best = found.argmax(axis=1)
        return ["question" if message_kinds.KINDS[b] != "question" and found[i, b] < unsure
                else message_kinds.KINDS[b] for i, b in enumerate(best)]

    # the lowest unsure probability whose cross-validated readings swallow at most MAX_SWALLOWED of the questions
    unsure = next((u for u in UNSURE_GRID
                   if _kind_figures(labels, read(probabilities["meaning"], u))["questions_swallowed"] <= MAX_SWALLOWED),
                  UNSURE_GRID[-1])
    card: dict[str, object] = {"kinds": list(message_kinds.KINDS), "unsure": unsure, "C": KIND_C,
                               "meaning_weight": message_kinds.MEANING_WEIGHT, "trained_on": len(texts),
                               "sklearn": __import__("sklearn").__version__}
    for variant in ("meaning", "lexical"):
        card[f"cross_validated_{variant}"] = _kind_figures(labels, read(probabilities[variant], unsure))
    vectorizer = _vectorizer(texts)
    model = message_kinds.KindModel(vectorizer, _kind_classifier(vectorizer, texts, y, vectors),
                                    _kind_classifier(vectorizer, texts, y, None), card)
    seen = {t.lower() for t in texts}
    unseen = [i for i, t in enumerate(held_texts) if t.lower() not in seen]
    for variant, matrix in (("meaning", held_vectors), ("lexical", None)):
        guessed = _verdicts(model, held_texts, matrix)
        card[f"held_out_{variant}"] = _kind_figures(held_labels, guessed)
        card[f"held_out_unseen_{variant}"] = _kind_figures([held_labels[i] for i in unseen],
                                                           [guessed[i] for i in unseen])
        if variant == "meaning":
            say(f"message kinds, held-out writer ({len(held_texts)} examples, {len(unseen)} not among the "
                f"training texts), read with meaning:\n{confusion(held_labels, guessed)}\n")
    for key in ("cross_validated_meaning", "cross_validated_lexical", "held_out_meaning", "held_out_unseen_meaning",
                "held_out_lexical", "held_out_unseen_lexical"):
        say(f"  {key}: {card[key]}")
    folder.mkdir(parents=True, exist_ok=True)
    sio.dump({"vectorizer": model.vectorizer, "with_meaning": model.with_meaning, "lexical": model.lexical},
             folder / message_kinds.MODEL)
    (folder / message_kinds.CARD).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    pins = learned.write_pins(module or Path(message_kinds.__file__), folder, [message_kinds.MODEL, message_kinds.CARD])
    say(f"wrote {', '.join(pins)} in {folder} (unsure below {unsure})")
    return card


# --- the reading chooser ----------------------------------------------------------------------------------------

def _chats(path: Path) -> list[dict[str, object]]:
    """A chat set's chats; a dialogue set's dialogues as chats (its first turn a question of its own, the others
    follow-ups, an unanswerable dialogue's with no gold)."""
    chats = load_dialogues(path)
    if chats and "id" in chats[0]:
        return chats
    made = []
    for number, dialogue in enumerate(chats):
        turns = [{"q": t["q"], "kind": "standalone" if i == 0 else "follow-up",
                  "a": [] if dialogue["kind"] == "unanswerable" and i else t["a"]}
                 for i, t in enumerate(dialogue["turns"])]
        made.append({"id": f"{path.stem}-{number}", "turns": turns})
    return made


def reading_rows(path: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Every answerable question turn of a set's chats, through the chat as the bot runs it: the features of its
    readings, and which readings' first quote holds a gold answer."""
    from bot.chat.ask_lines import ask_line
    from bot.chat.topics import Contexts
    from bot.evaluation.datasets import ROOT
    from bot.service import QAService
    from bot.storage import Database

    service = QAService(Database.in_memory(), meaning=True)
    service.start(ROOT / "corpus")
    captured: list[tuple[Sequence[object], Sequence[object], np.ndarray]] = []
    service.record_readings = lambda readings, answers, rows: captured.append((readings, answers, rows))
    features, labels = [], []
    for chat in _chats(path):
        contexts = Contexts()
        for turn in chat["turns"]:  # type: ignore[attr-defined]
            captured.clear()
            ask_line(json.dumps({"chat": chat["id"], "question": turn["q"]}), service, contexts, 3)
            gold = turn.get("a") or []
            if turn.get("kind") in ("standalone", "follow-up") and gold and captured:
                _, answers, rows = captured[-1]
                features.append(rows)
                labels.append(np.array([bool(a.passages) and correct(a.passages[0].quote, gold)  # type: ignore[attr-defined]
                                        for a in answers]))
    return features, labels


def _chosen_right(chooser: object, rows: Sequence[np.ndarray], labels: Sequence[np.ndarray]) -> float:
    """The share of turns whose chosen reading is right (the chooser None: the model's surest reading)."""
    from bot.answers.in_context import FEATURES

    right = 0
    for x, y in zip(rows, labels):
        scores = chooser.scores(x) if chooser is not None else x[:, FEATURES.index("probability")]  # type: ignore[attr-defined]
        right += bool(y[int(np.argmax(scores))])
    return right / max(len(rows), 1)


def train_readings(folder: Path | None = None, *, module: Path | None = None,
                   say: Callable[[str], None] = print) -> dict[str, object]:
    """Train the reading chooser on the development chats and dialogues (each set left out in turn for the figures),
    write its weights as JSON and pin them."""
    from sklearn.linear_model import LogisticRegression

    from bot.answers import in_context
    from bot.evaluation.datasets import CHATS_DEV, CHATS_HOLDOUT, DIALOGUES_DEV, DIALOGUES_HOLDOUT

    sets = {"readers-dev": READERS_DEV, "chats-dev": CHATS_DEV, "chats-holdout": CHATS_HOLDOUT,
            "dialogues-dev": DIALOGUES_DEV, "dialogues-holdout": DIALOGUES_HOLDOUT}
    collected = {name: reading_rows(path) for name, path in sets.items()}

    def fit_on(names: Sequence[str]) -> in_context.ReadingChooser:
        x = np.concatenate([r for n in names for r in collected[n][0]])
        y = np.concatenate([l for n in names for l in collected[n][1]])
        model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(x, y)
        return in_context.ReadingChooser(model.coef_[0], float(model.intercept_[0]))

    figures: dict[str, object] = {}
    lines = ["| left out | question turns | surest reading right | chosen reading right |", "|---|---|---|---|"]
    for name in sets:
        chooser = fit_on([n for n in sets if n != name])
        rows, labels = collected[name]
        before, after = _chosen_right(None, rows, labels), _chosen_right(chooser, rows, labels)
        figures[name] = {"turns": len(rows), "surest": round(before, 4), "chosen": round(after, 4)}
        lines.append(f"| {name} | {len(rows)} | {before:.3f} | {after:.3f} |")
    say("reading chooser, each chat set left out in turn (turns with several readings and with one):\n"
        + "\n".join(lines) + "\n")
    chooser = fit_on(list(sets))
    folder = folder or in_context.FOLDER
    card = {"features": list(in_context.FEATURES), "weights": [round(float(w), 6) for w in chooser.weights],
            "bias": round(chooser.bias, 6), "trained_on": list(sets), "cross_validated": figures}
    (folder / in_context.CHOOSER).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    learned.write_pins(module or Path(in_context.__file__), folder, [in_context.CHOOSER])
    say(f"wrote {in_context.CHOOSER} in {folder}")
    return card
