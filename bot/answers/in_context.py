"""A question read in the light of a conversation, answered so that context only ever helps.

`bot.chat.followups` reads a message against its conversation into `Reading`s: the question as it stands, and, when
it leans on the conversation (a pronoun, "and ...?", a bare "when?"), the question with each person, group or thing
it may stand for put in. Here every reading is answered and scored by the answer model, and one is kept.

Which one is learned (`ReadingChooser`, trained by `python -m bot train readings` on the development chats): a
logistic regression over what the answer model says of each reading's best sentence (its probability, and how far
it is from the best reading's), what kind of reading it is (as it stands, a person put in, a group, a thing, the
event itself, the last question asked again), how salient its referent is, whether the question leans on the
conversation at all, and whether its answer only repeats the last quote. Without the chooser (before it is
trained), the reading whose best sentence the model is surest of is kept, the question as it stands winning ties.
A reading gains nothing from the subject it was given: the model reads the whole question, so "how old is Asanov"
finds no age when only Atambayev's is told.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np

from bot.answers.answering import Answer, Answerer
from bot.search import learned

READING_KINDS = ("alone", "person", "group", "thing", "event", "last question", "last answer", "swap")
FEATURES: tuple[str, ...] = ("probability", "gap", "best", *(f"kind {k}" for k in READING_KINDS), "rank",
                             "leaning", "leaning alone", "repeats", "answered")
FOLDER = Path(__file__).resolve().parent
CHOOSER = "readings_model.json"
PINNED_SHA256: Final[dict[str, str]] = {
    "readings_model.json": "4704e3c621b4d756b9a40c533d9523010df48f9f5156f5c2b70bbbcd7698292d",
}


@dataclass(frozen=True)
class Reading:
    """A question as it may be meant: `question` (with what it leans on put in), `about` (what was put in: a
    person, group or thing; None for the question as it stands), what kind of reading it is, the rank of its
    referent among the compatible ones (0: the most salient), and whether the question leans on the conversation."""

    question: str
    about: str | None = None
    kind: str = "alone"
    rank: int = 0
    leaning: bool = False


def features(readings: Sequence[Reading], answers: Sequence[Answer], shown: Sequence[int]) -> np.ndarray:
    """One row of FEATURES per reading."""
    strengths = np.array([a.passages[0].score if a.passages else 0.0 for a in answers], dtype=np.float64)
    top = float(strengths.max()) if len(strengths) else 0.0
    leaning = any(r.leaning for r in readings)
    rows = np.zeros((len(readings), len(FEATURES)))
    column = {name: i for i, name in enumerate(FEATURES)}
    for i, (reading, answer) in enumerate(zip(readings, answers)):
        rows[i, column["probability"]] = strengths[i]
        rows[i, column["gap"]] = top - strengths[i]
        rows[i, column["best"]] = strengths[i] >= top
        rows[i, column[f"kind {reading.kind if reading.kind in READING_KINDS else 'alone'}"]] = 1.0
        rows[i, column["rank"]] = min(reading.rank, 3)
        rows[i, column["leaning"]] = leaning
        rows[i, column["leaning alone"]] = leaning and reading.kind == "alone"
        rows[i, column["repeats"]] = bool(answer.passages) and answer.passages[0].chunk_id in shown
        rows[i, column["answered"]] = answer.answered
    return rows


@dataclass(frozen=True)
class ReadingChooser:
    """A logistic regression's weights over FEATURES: the probability that a reading's first quote is right."""

    weights: np.ndarray
    bias: float

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(rows @ self.weights + self.bias)))


def load_chooser(folder: Path = FOLDER, pinned: dict[str, str] | None = None) -> ReadingChooser:
    """The chooser in `folder`, its file checked against its pinned SHA-256 first."""
    pins = PINNED_SHA256 if pinned is None else pinned
    learned.check(folder, pins)
    card = json.loads((folder / CHOOSER).read_text(encoding="utf-8"))
    if tuple(card["features"]) != FEATURES:
        raise learned.ModelUnavailable(f"{folder / CHOOSER} was trained on other features")
    return ReadingChooser(np.array(card["weights"], dtype=np.float64), float(card["bias"]))


_SHARED: list[ReadingChooser | None] = []
_LOCK = threading.Lock()


def shared_chooser() -> ReadingChooser | None:
    """The shipped chooser (None until `python -m bot train readings` has made one)."""
    with _LOCK:
        if not _SHARED:
            _SHARED.append(load_chooser() if PINNED_SHA256 else None)
        return _SHARED[0]


Record = Callable[[Sequence[Reading], Sequence[Answer], np.ndarray], None]


def answer_readings(answerer: Answerer, question: str, readings: Sequence[Reading], top_k: int | None = None, *,
                    shown: Sequence[int] = (), chooser: ReadingChooser | None = None,
                    record: Record | None = None) -> tuple[Answer, Reading]:
    """Answer every reading, keep one (see the module's doc), and return its answer under the question as the person
    typed it. `shown`: the chunks the conversation's last reply quoted; `record` sees every reading's answer (for
    training the chooser)."""
    readings = list(readings) or [Reading(question)]
    answers = [answerer.answer(reading.question, top_k) for reading in readings]
    rows = features(readings, answers, shown)
    if record is not None:
        record(readings, answers, rows)
    if chooser is not None and len(readings) > 1:
        chosen = int(np.argmax(chooser.scores(rows)))
    else:
        chosen = int(np.argmax(rows[:, FEATURES.index("probability")]))
    return replace(answers[chosen], question=question), readings[chosen]
