"""The TF-IDF index: fit on sentences, search with weighted query concepts through an inverted index.

Term weights are TF-IDF with BM25's saturating, length-normalised term frequency
(k1, b tuned on SQuAD part-a), plus a little of each neighbouring sentence of the
same document as weak context. Scoring walks only the postings of the query's
terms (rows of the term-major matrices), so a query costs what its terms occur,
not the corpus size. The index holds chunk ids and vectors, never the texts.

An index is one or more segments: `fit` makes the first, `extend` returns a new
index with one more segment for new documents, weighted with the same idf, so a
document becomes searchable in milliseconds; a later `fit` folds them together.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Self

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from bot.search.cues import CUE_OF, AnswerType, sentence_cues
from bot.search.textproc import analyze


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
    possessives: frozenset[str] = field(default=frozenset())  # index terms the question writes as "X's"
    nouns: frozenset[str] = field(default=frozenset())  # ... uses as nouns ("a fire")
    pasts: frozenset[str] = field(default=frozenset())  # ... writes as a verb's past ("fired")

    @property
    def unknown_share(self) -> float:
        """The share of the question's weight carried by words the corpus never uses (1.0 for no concepts)."""
        total = sum(c.weight for c in self.concepts)
        return sum(c.weight for c in self.concepts if not c.alternatives) / total if total else 1.0


@dataclass(frozen=True)
class Segment:
    """Term-major weights (terms known when it was built x its sentences), its chunk ids and answer cues."""

    postings: sp.csr_matrix
    ids: np.ndarray
    cues: np.ndarray


class NotFittedError(RuntimeError):
    pass


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class TfidfRetriever:
    """A sentence index scored by TF-IDF with BM25's term frequency, searched through an inverted index.

    A sentence s's raw score for a query of concepts c (each a set of alternative terms t with factors f_t,
    weighted by its idf) is

        raw(s) = sum over c of  max over t in c of  f_t * w(t, s)
        w(t, s) = idf(t) * tf(t, s) * (k1 + 1) / (tf(t, s) + k1 * (1 - b + b * len(s) / avglen))
                  + context_weight * (w(t, previous sentence) + w(t, next sentence))    [same document only]
        idf(t)  = ln((N + 1) / (df(t) + 1)) + 1                                         (scikit-learn's smooth idf)

    then multiplied by (concepts matched / concepts) ** coordination and, when the sentence holds the kind of
    answer asked for, by (1 + cue_boost). The score is raw(s) over the best possible raw score,
    (k1 + 1) * sum of the concepts' weights, capped at 1: the share of the question the sentence matches.

    Parameters: `analyzer` (text -> index terms), `k1` and `b` (BM25 saturation and length normalisation,
    tuned on SQuAD part-a), `context_weight` (share of the neighbours' weights), `cue_boost`, `coordination`
    (exponent), `max_postings` (postings walked per query: rare terms whole, common ones their best-weighted
    share; exact below it).

    Learned state ends in `_` (`vocabulary_`, `idf_`, `idf_max_`, `documents_`, `average_length_`,
    `segments_`); `search` before `fit` is a loud error. `save`/`load` keep it as plain arrays.
    """

    def __init__(
        self,
        *,
        analyzer: Callable[[str], list[str]] = analyze,
        k1: float = 0.5,
        b: float = 0.3,
        context_weight: float = 0.05,
        cue_boost: float = 0.3,
        coordination: float = 1.0,
        max_postings: int = 80_000,
    ) -> None:
        self.analyzer = analyzer
        self.k1 = k1
        self.b = b
        self.context_weight = context_weight
        self.cue_boost = cue_boost
        self.coordination = coordination
        self.max_postings = max_postings

    # --- building ------------------------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        ids: Sequence[int],
        groups: Sequence[int] | None = None,
        *,
        tokens: Sequence[list[str]] | None = None,
    ) -> Self:
        """Index `texts` under `ids`; consecutive texts of the same group are neighbours (context).
        `tokens`, when given, are the texts already analysed."""
        if len(texts) != len(ids) or (groups is not None and len(groups) != len(texts)):
            raise ValueError("texts, ids and groups differ in length")
        n = len(texts)
        analysed, vocabulary = self._analyse(texts, tokens, {})
        counts = self._count(analysed, vocabulary)
        df = np.bincount(counts.indices, minlength=len(vocabulary))
        self.vocabulary_ = vocabulary
        self.idf_ = (np.log((n + 1) / (df + 1)) + 1).astype(np.float32)
        self.idf_max_ = float(np.log(n + 1) + 1)
        self.documents_ = n
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        self.average_length_ = float(lengths.mean()) if n else 1.0
        self.segments_ = [self._segment(texts, ids, groups, counts)]
        return self

    def extend(
        self,
        texts: Sequence[str],
        ids: Sequence[int],
        groups: Sequence[int] | None = None,
        *,
        tokens: Sequence[list[str]] | None = None,
    ) -> TfidfRetriever:
        """A new index: this one plus a segment for `texts`, weighted with this index's idf (new terms get
        theirs from the enlarged corpus). This index is left as it is, so it can keep answering meanwhile."""
        self._check_fitted()
        analysed, vocabulary = self._analyse(texts, tokens, dict(self.vocabulary_))
        counts = self._count(analysed, vocabulary)
        total = self.documents_ + len(texts)
        new_df = np.bincount(counts.indices, minlength=len(vocabulary))[len(self.idf_):]
        new_idf = (np.log((total + 1) / (new_df + 1)) + 1).astype(np.float32)
        grown = self._with_state(
            vocabulary=vocabulary, idf=np.concatenate([self.idf_, new_idf]),
            idf_max=max(self.idf_max_, float(np.log(total + 1) + 1)), documents=total,
            average_length=self.average_length_, segments=list(self.segments_),
        )
        grown.segments_.append(grown._segment(texts, ids, groups, counts))
        return grown

    def _with_state(self, *, vocabulary: dict[str, int], idf: np.ndarray, idf_max: float, documents: int,
                    average_length: float, segments: list[Segment]) -> TfidfRetriever:
        """A retriever with this one's parameters and the given learned state (for `extend` and `load`)."""
        other = TfidfRetriever(**self.get_params())
        other.vocabulary_, other.idf_, other.idf_max_ = vocabulary, idf, idf_max
        other.documents_, other.average_length_, other.segments_ = documents, average_length, segments
        return other

    def get_params(self) -> dict[str, float]:
        """The constructor's parameters (the analyzer aside), as scikit-learn estimators report them."""
        return {"k1": self.k1, "b": self.b, "context_weight": self.context_weight, "cue_boost": self.cue_boost,
                "coordination": self.coordination, "max_postings": self.max_postings}

    # --- saving and loading ----------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the fitted index into `folder` as plain NumPy arrays and JSON (no pickles)."""
        self._check_fitted()
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        (folder / "vocabulary.json").write_text(json.dumps(terms))
        np.savez(folder / "weights.npz", idf=self.idf_)
        for i, segment in enumerate(self.segments_):
            postings = segment.postings
            np.savez(folder / f"segment-{i}.npz", data=postings.data, indices=postings.indices,
                     indptr=postings.indptr, shape=np.array(postings.shape), ids=segment.ids, cues=segment.cues)
        state = {"params": self.get_params(), "segments": len(self.segments_), "documents": self.documents_,
                 "average_length": self.average_length_, "idf_max": self.idf_max_}
        (folder / "retriever.json").write_text(json.dumps(state))

    @classmethod
    def load(cls, folder: Path) -> TfidfRetriever:
        """A retriever saved by `save`; OSError, KeyError or ValueError when the folder is damaged."""
        state = json.loads((folder / "retriever.json").read_text())
        terms = json.loads((folder / "vocabulary.json").read_text())
        with np.load(folder / "weights.npz") as arrays:
            idf = arrays["idf"]
        segments = []
        for i in range(int(state["segments"])):
            with np.load(folder / f"segment-{i}.npz") as arrays:
                postings = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                                         shape=tuple(arrays["shape"]))
                segments.append(Segment(postings, arrays["ids"], arrays["cues"]))
        if len(terms) != len(idf) or any(s.postings.shape[0] > len(terms) for s in segments):
            raise ValueError("the vocabulary and the weights differ in length")
        return cls(**state["params"])._with_state(
            vocabulary={term: i for i, term in enumerate(terms)}, idf=idf, idf_max=float(state["idf_max"]),
            documents=int(state["documents"]), average_length=float(state["average_length"]), segments=segments,
        )

    def _analyse(
        self, texts: Sequence[str], tokens: Sequence[list[str]] | None, vocabulary: dict[str, int]
    ) -> tuple[list[list[str]], dict[str, int]]:
        """The texts' terms, and `vocabulary` grown by the terms it did not have (new ids at the end)."""
        analysed = list(tokens) if tokens is not None else [self.analyzer(t) for t in texts]
        for terms in analysed:
            for term in terms:
                vocabulary.setdefault(term, len(vocabulary))
        return analysed, vocabulary

    @staticmethod
    def _count(analysed: Sequence[list[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
        if not analysed or not vocabulary:
            return sp.csr_matrix((len(analysed), len(vocabulary)), dtype=np.float32)
        vectorizer = CountVectorizer(analyzer=_identity, vocabulary=vocabulary, dtype=np.float32)
        return vectorizer.transform(analysed).tocsr()

    def _segment(
        self, texts: Sequence[str], ids: Sequence[int], groups: Sequence[int] | None, counts: sp.csr_matrix
    ) -> Segment:
        n = counts.shape[0]
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        row_of = np.repeat(np.arange(n), np.diff(counts.indptr))
        tf = counts.data
        norm = self.k1 * (1 - self.b + self.b * lengths[row_of] / max(self.average_length_, 1e-9))
        weights = counts.copy()
        weights.data = (tf * (self.k1 + 1) / (tf + norm) * self.idf_[counts.indices]).astype(np.float32)
        del row_of, norm
        if groups is not None and self.context_weight > 0 and n > 1:
            weights = (weights + self.context_weight * _neighbour_sum(np.asarray(groups), weights)).tocsr()
        del counts
        postings = sp.csr_matrix(weights.T, dtype=np.float32)
        del weights
        postings = _impact_ordered(postings)
        cues = np.fromiter((sentence_cues(t) for t in texts), dtype=np.uint8, count=n)
        return Segment(postings, np.asarray(ids, dtype=np.int64), cues)

    # --- searching -----------------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "segments_"):
            raise NotFittedError("TfidfRetriever.search() called before fit()")

    @property
    def postings_(self) -> sp.csr_matrix:
        """The first segment's term-major weights (the whole index until `extend` is used)."""
        self._check_fitted()
        return self.segments_[0].postings

    @property
    def ids_(self) -> np.ndarray:
        return np.concatenate([s.ids for s in self.segments_])

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

    def search(
        self, query: str | Query, k: int = 5, *, allowed: Sequence[np.ndarray | None] | None = None
    ) -> list[Hit]:
        """The `k` best chunks, best first; chunks that share no term with the query are never returned.
        `allowed`, one boolean mask per segment (None: all), leaves out the rows it marks False."""
        self._check_fitted()
        if isinstance(query, str):
            query = self.parse(query)
        if k <= 0 or not any(c.alternatives for c in query.concepts):
            return []
        bound = self.bound(query)
        hits: list[Hit] = []
        for index, segment in enumerate(self.segments_):
            mask = allowed[index] if allowed is not None else None
            hits.extend(self._search_segment(segment, query, k, bound, mask))
        hits.sort(key=lambda h: (-h.score, h.chunk_id))
        return hits[:k]

    def term(self, term_id: int) -> str:
        """The index term (stem) with this id; the reverse table is built on first use and kept."""
        terms = getattr(self, "terms_", None)
        if terms is None or len(terms) != len(self.vocabulary_):
            terms = [""] * len(self.vocabulary_)
            for term, index in self.vocabulary_.items():
                terms[index] = term
            self.terms_ = terms
        return terms[term_id]

    def bound(self, query: Query) -> float:
        """The raw score of a sentence holding every concept at saturation: scores are shares of it."""
        return (self.k1 + 1) * sum(c.weight for c in query.concepts)

    def _search_segment(
        self, segment: Segment, query: Query, k: int, bound: float, mask: np.ndarray | None
    ) -> Iterable[Hit]:
        accumulated = _accumulate(segment.postings, query, len(segment.ids), self.max_postings)
        if accumulated is None:
            return []
        candidates, scores, matched = accumulated
        if self.coordination:
            # Lucene's classic "coord": favour sentences that hold more of the question's concepts.
            scores = scores * (matched / len(query.concepts)) ** self.coordination
        if query.answer_type is not None and self.cue_boost:
            wanted = (segment.cues[candidates] & int(CUE_OF[query.answer_type])) > 0
            scores = scores * (1 + self.cue_boost * wanted)
        if mask is not None:
            keep = mask[candidates]
            candidates, scores = candidates[keep], scores[keep]
        if len(candidates) > k:
            top = np.argpartition(-scores, k - 1)[:k]
        else:
            top = np.arange(len(candidates))
        return [Hit(int(segment.ids[candidates[i]]), float(min(scores[i] / bound, 1.0))) for i in top]


def _accumulate(
    postings: sp.csr_matrix, query: Query, rows_in_segment: int, budget: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(candidate rows, raw scores, matched concepts) over the postings of the query's terms. A concept with
    several alternatives counts once per sentence, through its best-matching alternative.

    Each term's postings are stored best-weighted first. At most `budget` postings are walked: rare terms
    (which decide the ranking) are walked whole, and the rest of the budget is shared among the common ones,
    which then contribute their best-weighted sentences. Below the budget the result is exact."""
    known = postings.shape[0]
    indptr, indices, data = postings.indptr, postings.indices, postings.data
    wanted = [(c, t, f) for c, concept in enumerate(query.concepts) for t, f in concept.alternatives if t < known]
    if not wanted:
        return None
    sizes = {t: int(indptr[t + 1] - indptr[t]) for _, t, _ in wanted}
    take: dict[int, int] = {}
    left, waiting = budget, len(sizes)
    for term in sorted(sizes, key=sizes.__getitem__):
        take[term] = min(sizes[term], max(left // waiting, 1))
        left -= take[term]
        waiting -= 1
    rows_parts, value_parts = [], []
    for _, term, factor in wanted:
        start = indptr[term]
        rows_parts.append(indices[start: start + take[term]])
        value_parts.append(data[start: start + take[term]] * np.float32(factor))
    rows = np.concatenate(rows_parts).astype(np.int64)
    if rows.size == 0:
        return None
    values = np.concatenate(value_parts).astype(np.float32, copy=False)
    if len(wanted) > len({c for c, _, _ in wanted}):
        owners = np.repeat(np.array([c for c, _, _ in wanted], dtype=np.int64), [len(r) for r in rows_parts])
        keys = owners * rows_in_segment + rows
        order = np.lexsort((-values, keys))
        first = np.ones(len(order), dtype=bool)
        first[1:] = keys[order][1:] != keys[order][:-1]
        rows, values = rows[order][first], values[order][first]
    return _sum_by_row(rows, values)


def _sum_by_row(rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct rows ascending, the sum of their values, how many values each had). `values` are float32 and never
    negative (term weights), so each one's bits ride in the low half of its row's 64-bit key: one sort of the keys
    groups the rows with their values (a third faster than np.unique's argsort plus a gather at 100k postings)."""
    n = rows.size
    keys = rows << 32
    keys |= values.view(np.uint32)
    keys.sort()
    weights = (keys & 0xFFFFFFFF).astype(np.uint32).view(np.float32)
    keys >>= 32  # now the rows, ascending
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sums = np.add.reduceat(weights, starts, dtype=np.float64)
    counts = np.diff(starts, append=n).astype(np.float64)
    return keys[starts], sums, counts


def _impact_ordered(postings: sp.csr_matrix, block: int = 1 << 21) -> sp.csr_matrix:
    """Each term's postings reordered best-weighted first (ties by sentence), for budgeted walks. Done in place,
    a block of terms at a time, so that a large index needs no second copy of itself."""
    indptr, indices, data = postings.indptr, postings.indices, postings.data
    terms = postings.shape[0]
    first = 0
    while first < terms:
        last = int(np.searchsorted(indptr, indptr[first] + block, side="right")) - 1
        last = min(max(last, first + 1), terms)
        start, end = indptr[first], indptr[last]
        term_of = np.repeat(np.arange(last - first, dtype=np.int32), np.diff(indptr[first: last + 1]))
        order = np.lexsort((indices[start:end], -data[start:end], term_of))
        indices[start:end] = indices[start:end][order]
        data[start:end] = data[start:end][order]
        first = last
    postings.has_sorted_indices = False
    return postings


def _neighbour_sum(groups: np.ndarray, weights: sp.csr_matrix) -> sp.csr_matrix:
    """Each row replaced by the sum of the rows before and after it in the same group."""
    n = len(groups)
    rows = np.flatnonzero(groups[1:] == groups[:-1])
    ones = np.ones(len(rows), dtype=np.float32)
    previous = sp.csr_matrix((ones, (rows + 1, rows)), shape=(n, n))
    following = sp.csr_matrix((ones, (rows, rows + 1)), shape=(n, n))
    return sp.csr_matrix((previous + following) @ weights)
