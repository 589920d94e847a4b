"""The TF-IDF index: fit on sentence texts, search by a term-major sparse product.

Scoring walks only the postings of the query's terms (rows of the transposed,
term-major matrix), so a query costs what its terms occur, not the corpus size.
The index holds chunk ids and vectors, never the texts: the store stays apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Self

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.textproc import analyze


class Hit(NamedTuple):
    """One search result: the chunk's id and its cosine score in [0, 1]."""

    chunk_id: int
    score: float


class NotFittedError(RuntimeError):
    pass


class TfidfRetriever:
    """TF-IDF over sentences with an inverted-index scorer. Learned state ends in `_`."""

    def __init__(
        self,
        *,
        analyzer: Callable[[str], list[str]] = analyze,
        sublinear_tf: bool = True,
        min_df: int = 1,
    ) -> None:
        self.analyzer = analyzer
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df

    def fit(self, texts: Sequence[str], ids: Sequence[int]) -> Self:
        """Learn the vocabulary and idf from `texts` and index them under `ids`."""
        if len(texts) != len(ids):
            raise ValueError("texts and ids differ in length")
        self.ids_ = np.asarray(ids, dtype=np.int64)
        self.vectorizer_ = TfidfVectorizer(
            analyzer=self.analyzer, sublinear_tf=self.sublinear_tf, min_df=self.min_df, dtype=np.float32
        )
        if len(texts) == 0:
            self.postings_ = sp.csr_matrix((0, 0), dtype=np.float32)
            self.vocabulary_size_ = 0
            return self
        try:
            matrix = self.vectorizer_.fit_transform(texts)
        except ValueError:  # every text was empty after analysis
            self.postings_ = sp.csr_matrix((0, len(texts)), dtype=np.float32)
            self.vocabulary_size_ = 0
            return self
        self.postings_ = sp.csr_matrix(matrix.T, dtype=np.float32)
        self.postings_.sort_indices()
        self.vocabulary_size_ = len(self.vectorizer_.vocabulary_)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "postings_"):
            raise NotFittedError("TfidfRetriever.search() called before fit()")

    def query_vector(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(term ids, weights) of the query's L2-normalised TF-IDF vector, in-vocabulary terms only."""
        self._check_fitted()
        if self.vocabulary_size_ == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        vector = self.vectorizer_.transform([query])
        return vector.indices.astype(np.int64), vector.data.astype(np.float32)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The `k` best chunks for `query`, best first; chunks that share no term are never returned."""
        terms, weights = self.query_vector(query)
        if terms.size == 0 or k <= 0:
            return []
        postings = self.postings_
        starts, ends = postings.indptr[terms], postings.indptr[terms + 1]
        lengths = ends - starts
        if lengths.sum() == 0:
            return []
        rows = np.concatenate([postings.indices[s:e] for s, e in zip(starts, ends)])
        values = np.concatenate([postings.data[s:e] for s, e in zip(starts, ends)]) * np.repeat(weights, lengths)
        candidates, inverse = np.unique(rows, return_inverse=True)
        scores = np.bincount(inverse, weights=values)
        if len(candidates) > k:
            top = np.argpartition(-scores, k - 1)[:k]
        else:
            top = np.arange(len(candidates))
        order = top[np.lexsort((candidates[top], -scores[top]))]
        return [Hit(int(self.ids_[candidates[i]]), float(min(scores[i], 1.0))) for i in order]
