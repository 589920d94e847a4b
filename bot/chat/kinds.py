"""What kind of message this is, learned from labelled examples: a question, an overview request, a timeline request,
"what happened next", "source?", "more", thanks or goodbye, an acknowledgement, a vote, a question about the sources
themselves, a message in another language, or a greeting.

A logistic regression (scikit-learn) reads two things of a message: its spelling (character 1-4-grams, so that
"spasibo", "otkuda eta info" and "thx" are read as typed, typos and all) and, with the meaning layer, its meaning
(the sentence vector the encoder makes for it). It was trained by `python -m bot train kinds` on examples that
helpers wrote from the kinds' descriptions and readers' styles alone (benchmarks/data/kinds/), and is kept as a
skops file whose SHA-256 is pinned below; `kinds_model.json` holds its figures on held-out examples.

A real question must never be swallowed as noise: when the classifier is unsure (its best kind below the card's
`unsure` probability), the message is a question.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import scipy.sparse as sp

from bot.search import learned

MessageKind = Literal["question", "overview", "timeline", "next", "source", "sources-question", "more", "thanks",
                      "ack", "vote", "other-language", "greeting"]
KINDS: tuple[MessageKind, ...] = ("question", "overview", "timeline", "next", "source", "sources-question", "more",
                                  "thanks", "ack", "vote", "other-language", "greeting")
FOLDER = Path(__file__).resolve().parent
MODEL, CARD = "kinds_model.skops", "kinds_model.json"
TRUSTED: tuple[str, ...] = ()
PINNED_SHA256: Final[dict[str, str]] = {
    "kinds_model.skops": "ac37c004f966460489758f945fc83f576ae9ab80dad7b4fc05a3587594b453cd",
    "kinds_model.json": "9fd390e7f0cf854725d8aa810fa82631433d4c0ecbf498a3369eebb749daa361",
}
MEANING_WEIGHT = 1.0  # the sentence vector's scale beside the character n-grams (tuned by cross-validation)


@dataclass(frozen=True)
class Verdict:
    """The kind of a message, and how sure the classifier was (`probability` of that kind; 1.0 when the
    classifier was overruled because it was unsure: then it is a question)."""

    kind: MessageKind
    probability: float
    unsure: bool = False


def features(vectorizer: Any, texts: list[str], vectors: np.ndarray | None) -> sp.csr_matrix:
    """The classifier's input: character n-grams of the lower-cased text, and the sentence vector when there is one."""
    grams = vectorizer.transform([t.lower() for t in texts])
    if vectors is None:
        return grams.tocsr()
    return sp.hstack([grams, sp.csr_matrix(vectors * MEANING_WEIGHT)]).tocsr()


@dataclass(frozen=True)
class KindModel:
    """The fitted vectorizer, the classifier with meaning and the one without, and their card."""

    vectorizer: Any
    with_meaning: Any
    lexical: Any
    card: dict[str, Any]

    @property
    def unsure(self) -> float:
        return float(self.card["unsure"])

    def classify(self, text: str, vector: np.ndarray | None = None) -> Verdict:
        """The kind of one message (`vector`: its sentence vector, when the meaning layer is on)."""
        estimator = self.with_meaning if vector is not None else self.lexical
        row = features(self.vectorizer, [text], None if vector is None else vector[None, :])
        probabilities = estimator.predict_proba(row)[0]
        best = int(np.argmax(probabilities))
        kind: MessageKind = estimator.classes_[best]
        if kind != "question" and probabilities[best] < self.unsure:
            return Verdict("question", float(probabilities[best]), unsure=True)
        return Verdict(kind, float(probabilities[best]))


def load(folder: Path = FOLDER, pinned: dict[str, str] | None = None) -> KindModel:
    files = learned.load(folder, PINNED_SHA256 if pinned is None else pinned, TRUSTED)
    parts = files[MODEL]
    return KindModel(parts["vectorizer"], parts["with_meaning"], parts["lexical"], files[CARD])


_SHARED: list[KindModel] = []
_LOCK = threading.Lock()


def shared() -> KindModel:
    """The shipped classifier, loaded once per process."""
    with _LOCK:
        if not _SHARED:
            _SHARED.append(load())
        return _SHARED[0]
