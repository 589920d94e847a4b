"""Matching a misspelt or transliterated query word to the closest word of the index vocabulary.

Candidates come from a character n-gram index over the vocabulary (not over the
sentences), so a look-up costs what the word's n-grams occur in the vocabulary;
the best candidate is accepted only when its edit similarity is high enough.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self
from difflib import SequenceMatcher

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

MIN_LENGTH = 5


class FuzzyVocabulary:
    """Misspelt word -> closest vocabulary word. `fit` learns the vocabulary (state in attributes ending in `_`).

    Parameters: `min_similarity`, the edit similarity (difflib ratio, 0..1) a candidate needs; `candidates`, how
    many words sharing the most character 3-grams are compared by edit similarity."""

    def __init__(self, *, min_similarity: float = 0.85, candidates: int = 8) -> None:
        self.min_similarity = min_similarity
        self.candidates = candidates

    def fit(self, words: Iterable[str]) -> Self:
        self.words_ = sorted({w for w in words if len(w) >= MIN_LENGTH and not w.isdigit()})
        self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), dtype=np.float32)
        self.postings_ = sp.csr_matrix(self.vectorizer_.fit_transform(self.words_).T) if self.words_ else None
        self._cache: dict[str, tuple[str, float] | None] = {}
        return self

    def closest(self, word: str) -> tuple[str, float] | None:
        """(vocabulary word, similarity in 0..1) for the closest acceptable word, or None."""
        if not hasattr(self, "words_"):
            raise RuntimeError("FuzzyVocabulary.closest() called before fit()")
        if len(word) < MIN_LENGTH or word.isdigit() or self.postings_ is None:
            return None
        if word in self._cache:
            return self._cache[word]
        query = self.vectorizer_.transform([word])
        if query.nnz == 0:
            self._cache[word] = None
            return None
        hits = query @ self.postings_  # sparse: only words sharing an n-gram with this one
        if hits.nnz == 0:
            self._cache[word] = None
            return None
        order = np.argpartition(-hits.data, min(self.candidates, hits.nnz) - 1)[: self.candidates]
        best: tuple[str, float] | None = None
        for index in hits.indices[order]:
            candidate = self.words_[index]
            if candidate[0] != word[0] or abs(len(candidate) - len(word)) > 2:
                continue
            similarity = SequenceMatcher(None, word, candidate, autojunk=False).ratio()
            if similarity >= self.min_similarity and (best is None or similarity > best[1]):
                best = (candidate, similarity)
        if len(self._cache) < 100_000:
            self._cache[word] = best
        return best
