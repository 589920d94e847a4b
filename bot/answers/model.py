"""The answer model: the probability that a candidate sentence answers a question, learned from labelled questions.

Two gradient-boosted tree ensembles (scikit-learn's HistGradientBoostingClassifier) read the features of
`bot.answers.features`: one with the meaning layer's cosines, one without (the meaning layer off, or sentence
vectors still being made). They are trained by `python -m bot train` (`bot.evaluation.training`) on the event
development sets, held-out sets 1-7, blind-written training questions and SQuAD, and kept here as skops files
whose SHA-256 is pinned below. `answer_model.json` says what they were trained on, their cross-validated figures,
and the decline threshold chosen on held-out predictions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from bot.answers.features import NAMES, Candidates
from bot.search import learned

FOLDER = Path(__file__).resolve().parent
WITH_MEANING, LEXICAL, CARD = "answer_model.skops", "answer_model_lexical.skops", "answer_model.json"
TRUSTED = ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",)
PINNED_SHA256: Final[dict[str, str]] = {
    "answer_model.skops": "92d54e3e5000a9d03fad27ab94afaacafbf6c7b9ee5da7432f87b943db2c3996",
    "answer_model_lexical.skops": "4530865f665e65ebbd581f42d278dda17b64d5d9353acf771698aeee0f03266e",
    "answer_model.json": "a3ff5378d7f04136914530740b33a139b2cb19df55edf7dcbff6d9a0798cab90",
}


class Forest:
    """A trained HistGradientBoostingClassifier's trees as flat arrays, walked for all trees and rows at once.

    scikit-learn walks its trees one at a time, each behind an OpenMP parallel region: 250 trees cost 4 ms for the
    25 candidates of one question, most of it starting threads. Here each step moves every (tree, row) pair one
    level down together, so a question costs the trees' depth in numpy operations (under a millisecond). Same
    numbers as `predict_proba` (a test holds them equal); numerical features only, as the answer model has."""

    def __init__(self, estimator: Any) -> None:
        trees = [predictors[0] for predictors in estimator._predictors]
        sizes = np.array([len(t.nodes) for t in trees])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        nodes = np.concatenate([t.nodes for t in trees])
        if nodes["is_categorical"].any():
            raise learned.ModelUnavailable("the answer model has categorical splits, which Forest does not walk")
        shift = np.repeat(starts, sizes)
        self.roots = starts.astype(np.intp)
        self.feature = nodes["feature_idx"].astype(np.intp)
        self.threshold = nodes["num_threshold"].astype(np.float64)
        self.missing_left = nodes["missing_go_to_left"].astype(bool)
        self.left = nodes["left"].astype(np.intp) + shift
        self.right = nodes["right"].astype(np.intp) + shift
        self.leaf = nodes["is_leaf"].astype(bool)
        self.value = nodes["value"].astype(np.float64)
        self.depth = int(nodes["depth"].max()) if len(nodes) else 0
        self.baseline = float(np.ravel(estimator._baseline_prediction)[0])

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        n = len(features)
        at = np.repeat(self.roots[:, None], n, axis=1)
        rows = np.arange(n)[None, :]
        for _ in range(self.depth):
            leaf = self.leaf[at]
            if leaf.all():
                break
            value = features[rows, self.feature[at]]
            left = np.where(np.isnan(value), self.missing_left[at], value <= self.threshold[at])
            at = np.where(leaf, at, np.where(left, self.left[at], self.right[at]))
        raw = self.value[at].sum(axis=0) + self.baseline
        return 1.0 / (1.0 + np.exp(-raw))


@dataclass(frozen=True)
class AnswerModel:
    """The two estimators and what training said of them (`card`: features, threshold, figures)."""

    with_meaning: Any
    lexical: Any
    card: dict[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_forests", {True: Forest(self.with_meaning), False: Forest(self.lexical)})

    @property
    def threshold(self) -> float:
        """The decline threshold chosen on held-out predictions: below it, no candidate answers."""
        return float(self.card["threshold"])

    def probabilities(self, candidates: Candidates) -> np.ndarray:
        """For each candidate, the probability that it answers the question."""
        if len(candidates) == 0:
            return np.zeros(0, dtype=np.float32)
        forest: Forest = self._forests[candidates.with_meaning]  # type: ignore[attr-defined]
        return forest.probabilities(candidates.features).astype(np.float32)


def load(folder: Path = FOLDER, pinned: dict[str, str] | None = None) -> AnswerModel:
    """The model in `folder`, each file checked against its pinned SHA-256 first (`learned.ModelUnavailable`)."""
    files = learned.load(folder, PINNED_SHA256 if pinned is None else pinned, TRUSTED)
    card = files[CARD]
    if tuple(card.get("features", ())) != NAMES:
        raise learned.ModelUnavailable(f"{folder / CARD} was trained on other features; run `python -m bot train`")
    return AnswerModel(files[WITH_MEANING], files[LEXICAL], card)


_SHARED: list[AnswerModel] = []
_LOCK = threading.Lock()


def shared() -> AnswerModel:
    """The shipped model, loaded once per process."""
    with _LOCK:
        if not _SHARED:
            _SHARED.append(load())
        return _SHARED[0]
