"""The TF-IDF index: fit on sentences, search with weighted query concepts through an inverted index.

Term weights are TF-IDF with BM25's saturating, length-normalised term frequency
(k1, b tuned on SQuAD part-a), plus a little of each neighbouring sentence of the
same document as weak context. Scoring walks only the postings of the query's
terms (rows of the term-major matrix), so a query costs what its terms occur, not
the corpus size. The index holds chunk ids and vectors, never the texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Self

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from bot.cues import AnswerType, sentence_cues, type_bit
from bot.textproc import analyze


MATCHED = 0.1  # a concept is held by a sentence whose contribution reaches this share of the concept's idf


class Hit(NamedTuple):
    """One search result: the chunk's id and its score in [0, 1] (share of the question's weight it matches)."""

    chunk_id: int
    score: float


@dataclass(frozen=True)
class Concept:
    """One meaningful word (or phrase) of a question: index terms that express it, each with a factor."""

    alternatives: tuple[tuple[int, float], ...]
    weight: float  # the concept's idf; an unknown word weighs as the rarest term


@dataclass(frozen=True)
class Query:
    concepts: tuple[Concept, ...]
    answer_type: AnswerType | None = None
    unknown: tuple[str, ...] = field(default=())


class NotFittedError(RuntimeError):
    pass


class TfidfRetriever:
    """Learned state ends in `_`; `search` before `fit` is a loud error."""

    def __init__(
        self,
        *,
        analyzer: Callable[[str], list[str]] = analyze,
        k1: float = 0.5,
        b: float = 0.3,
        context_weight: float = 0.05,
        cue_boost: float = 0.3,
        coordination: float = 1.0,
    ) -> None:
        self.analyzer = analyzer
        self.k1 = k1
        self.b = b
        self.context_weight = context_weight
        self.cue_boost = cue_boost
        self.coordination = coordination

    def fit(self, texts: Sequence[str], ids: Sequence[int], groups: Sequence[int] | None = None) -> Self:
        """Index `texts` under `ids`; consecutive texts with the same group are neighbours (context)."""
        if len(texts) != len(ids) or (groups is not None and len(groups) != len(texts)):
            raise ValueError("texts, ids and groups differ in length")
        n = len(texts)
        self.ids_ = np.asarray(ids, dtype=np.int64)
        self.cues_ = np.fromiter((sentence_cues(t) for t in texts), dtype=np.uint8, count=n)
        vectorizer = CountVectorizer(analyzer=self.analyzer, dtype=np.float32)
        try:
            counts = vectorizer.fit_transform(texts).tocsr() if n else sp.csr_matrix((0, 0), dtype=np.float32)
            self.vocabulary_: dict[str, int] = dict(vectorizer.vocabulary_) if n else {}
        except ValueError:  # nothing but stop words
            counts, self.vocabulary_ = sp.csr_matrix((n, 0), dtype=np.float32), {}
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = (np.log((n + 1) / (df + 1)) + 1).astype(np.float32)
        self.idf_max_ = float(np.log(n + 1) + 1)
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        average = lengths.mean() if n else 1.0
        row_of = np.repeat(np.arange(n), np.diff(counts.indptr))
        tf = counts.data
        norm = self.k1 * (1 - self.b + self.b * lengths[row_of] / max(average, 1e-9))
        weights = counts.copy()
        weights.data = (tf * (self.k1 + 1) / (tf + norm) * self.idf_[counts.indices]).astype(np.float32)
        if groups is not None and self.context_weight > 0 and n > 1:
            weights = (weights + self.context_weight * _neighbour_sum(np.asarray(groups), weights)).tocsr()
        self.postings_ = sp.csr_matrix(weights.T, dtype=np.float32)
        self.postings_.sort_indices()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "postings_"):
            raise NotFittedError("TfidfRetriever.search() called before fit()")

    def parse(self, question: str) -> Query:
        """The plain query: each analysed term one concept; terms not in the vocabulary count as unknown."""
        self._check_fitted()
        concepts, unknown = [], []
        for term in dict.fromkeys(self.analyzer(question)):
            term_id = self.vocabulary_.get(term)
            if term_id is None:
                unknown.append(term)
                concepts.append(Concept((), self.idf_max_))
            else:
                concepts.append(Concept(((term_id, 1.0),), float(self.idf_[term_id])))
        return Query(tuple(concepts), None, tuple(unknown))

    def search(self, query: str | Query, k: int = 5) -> list[Hit]:
        """The `k` best chunks, best first; chunks that share no term with the query are never returned."""
        self._check_fitted()
        if isinstance(query, str):
            query = self.parse(query)
        pairs = [(t, f, c) for c, concept in enumerate(query.concepts) for t, f in concept.alternatives]
        if not pairs or k <= 0:
            return []
        terms = np.fromiter((t for t, _, _ in pairs), dtype=np.int64, count=len(pairs))
        factors = np.fromiter((f for _, f, _ in pairs), dtype=np.float32, count=len(pairs))
        owners = np.fromiter((c for _, _, c in pairs), dtype=np.int64, count=len(pairs))
        postings = self.postings_
        starts, ends = postings.indptr[terms], postings.indptr[terms + 1]
        lengths = ends - starts
        if lengths.sum() == 0:
            return []
        rows = np.concatenate([postings.indices[s:e] for s, e in zip(starts, ends)]).astype(np.int64)
        values = np.concatenate([postings.data[s:e] for s, e in zip(starts, ends)]) * np.repeat(factors, lengths)
        if len(pairs) > len(query.concepts):
            # A concept counts once per sentence, through its best-matching alternative.
            keys = np.repeat(owners, lengths) * len(self.ids_) + rows
            order = np.lexsort((-values, keys))
            first = np.ones(len(order), dtype=bool)
            first[1:] = keys[order][1:] != keys[order][:-1]
            rows, values = rows[order][first], values[order][first]
        candidates, inverse = np.unique(rows, return_inverse=True)
        scores = np.bincount(inverse, weights=values)
        if self.coordination:
            # Lucene's classic "coord": favour sentences that hold more of the question's concepts.
            matched = np.bincount(inverse)
            scores = scores * (matched / len(query.concepts)) ** self.coordination
        if query.answer_type is not None and self.cue_boost:
            wanted = (self.cues_[candidates] & type_bit(query.answer_type)) > 0
            scores = scores * (1 + self.cue_boost * wanted)
        bound = (self.k1 + 1) * sum(c.weight for c in query.concepts)
        if len(candidates) > k:
            top = np.argpartition(-scores, k - 1)[:k]
        else:
            top = np.arange(len(candidates))
        order = top[np.lexsort((candidates[top], -scores[top]))]
        return [Hit(int(self.ids_[candidates[i]]), float(min(scores[i] / bound, 1.0))) for i in order]


def _neighbour_sum(groups: np.ndarray, weights: sp.csr_matrix) -> sp.csr_matrix:
    """Each row replaced by the sum of the rows before and after it in the same group."""
    n = len(groups)
    rows = np.flatnonzero(groups[1:] == groups[:-1])
    ones = np.ones(len(rows), dtype=np.float32)
    previous = sp.csr_matrix((ones, (rows + 1, rows)), shape=(n, n))
    following = sp.csr_matrix((ones, (rows, rows + 1)), shape=(n, n))
    return sp.csr_matrix((previous + following) @ weights)
