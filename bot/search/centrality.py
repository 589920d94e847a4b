"""How central each sentence is to the corpus: LexRank's continuous degree over TF-IDF cosine similarities.

A sentence's centrality is the sum of its cosine similarities with every other quotable sentence, where a
sentence of another source counts fully and one of its own document counts `WITHIN` as much: what several
sources say is the story, what one article repeats is its angle. Summing cosines needs no similarity matrix:
with unit vectors x_s and their sum T over the corpus (and D_d over each document),

    all(s) = x_s . T - 1          own(s) = x_s . D_d(s) - 1          centrality(s) = all(s) - own(s) + WITHIN * own(s)

which is two sparse products, linear in the index's postings. `own` never changes while its document is in the
index, so it is computed once per segment (at `fit`/`extend`) and saved with the index; a new document or a
removal only changes T, one more pass over the postings (milliseconds at 100k sentences), never per question.

The vectors are the retriever's own sentence weights (BM25-saturated TF-IDF), read from its term-major postings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bot.search.retrieval import Segment, TfidfRetriever

WITHIN = 0.25  # how much a sentence of the same document counts towards centrality, beside another source's


@dataclass(frozen=True)
class SegmentShape:
    """Per sentence of one index segment: the length of its weight vector and its similarity to its own document."""

    norms: np.ndarray
    own: np.ndarray


def segment_shape(segment: Segment, documents: np.ndarray) -> SegmentShape:
    """`norms` and `own` of a segment whose sentences (in index order) belong to `documents`."""
    postings = segment.postings
    n = postings.shape[1]
    if n == 0:
        return SegmentShape(np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32))
    by_sentence = sp.csr_matrix(postings.T, dtype=np.float64)
    norms = np.sqrt(np.asarray(by_sentence.multiply(by_sentence).sum(axis=1)).ravel())
    unit = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ by_sentence
    unit = sp.csr_matrix(unit)
    unit.sum_duplicates()
    groups, group_of = np.unique(documents, return_inverse=True)
    indicator = sp.csr_matrix((np.ones(n), (group_of, np.arange(n))), shape=(len(groups), n))
    sums = sp.csr_matrix(indicator @ unit)
    sums.sort_indices()
    width = unit.shape[1]
    sum_rows = np.repeat(np.arange(sums.shape[0], dtype=np.int64), np.diff(sums.indptr))
    sum_keys = sum_rows * width + sums.indices
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(unit.indptr))
    keys = group_of[rows].astype(np.int64) * width + unit.indices
    at = np.searchsorted(sum_keys, keys)  # every key is there: the sentence's own term is in its document's sum
    own = np.bincount(rows, weights=unit.data * sums.data[at], minlength=n) - (norms > 0)
    return SegmentShape(norms.astype(np.float32), np.maximum(own, 0.0).astype(np.float32))


def scores(retriever: TfidfRetriever, shapes: Sequence[SegmentShape], quotable: Sequence[np.ndarray | None]) -> np.ndarray:
    """Centrality of every sentence (index order) among the quotable ones (`quotable`: one mask per segment, None
    for all); 0 for sentences that are not quotable."""
    width = len(retriever.idf_)
    total = np.zeros(width, dtype=np.float64)
    for segment, shape, mask in zip(retriever.segments_, shapes, quotable):
        weights = np.where(shape.norms > 0, 1.0 / np.maximum(shape.norms, 1e-12), 0.0)
        if mask is not None:
            weights = weights * mask
        total[: segment.postings.shape[0]] += segment.postings @ weights
    parts = []
    for segment, shape, mask in zip(retriever.segments_, shapes, quotable):
        dots = segment.postings.T @ total[: segment.postings.shape[0]]
        every = dots / np.maximum(shape.norms, 1e-12) - (shape.norms > 0)
        centrality = np.maximum(every - shape.own, 0.0) + WITHIN * shape.own
        if mask is not None:
            centrality = centrality * mask
        parts.append(centrality.astype(np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def unit_vectors(retriever: TfidfRetriever, texts: Sequence[str]) -> sp.csr_matrix:
    """TF-IDF unit vectors of a few texts (a brief's candidates), for how much two of them say the same."""
    rows, cols, values = [], [], []
    for row, text in enumerate(texts):
        counts: dict[int, int] = {}
        for term in retriever.analyzer(text):
            term_id = retriever.vocabulary_.get(term)
            if term_id is not None:
                counts[term_id] = counts.get(term_id, 0) + 1
        for term_id, count in counts.items():
            rows.append(row)
            cols.append(term_id)
            values.append((1 + np.log(count)) * float(retriever.idf_[term_id]))
    matrix = sp.csr_matrix((values, (rows, cols)), shape=(len(texts), len(retriever.idf_)), dtype=np.float64)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix)
