"""Matching a misspelt or transliterated query word to the closest word of the index vocabulary.

Candidates come from a character n-gram index over the vocabulary (not over the
sentences), so a look-up costs what the word's n-grams occur in the vocabulary;
the best candidate is accepted only when its edit similarity is high enough.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

MIN_LENGTH = 5


class FuzzyVocabulary:
    def __init__(self, words: Iterable[str], *, min_similarity: float = 0.85, candidates: int = 8) -> None:
        self.words_ = sorted({w for w in words if len(w) >= MIN_LENGTH and not w.isdigit()})
        self.min_similarity = min_similarity
        self.candidates = candidates
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), dtype=np.float32)
        if self.words_:
            self._postings = sp.csr_matrix(self._vectorizer.fit_transform(self.words_).T)
        self._cache: dict[str, tuple[str, float] | None] = {}

    def closest(self, word: str) -> tuple[str, float] | None:
        """(vocabulary word, similarity in 0..1) for the closest acceptable word, or None."""
        if len(word) < MIN_LENGTH or word.isdigit() or not self.words_:
            return None
        if word in self._cache:
            return self._cache[word]
        query = self._vectorizer.transform([word])
        if query.nnz == 0:
            self._cache[word] = None
            return None
        hits = query @ self._postings  # sparse: only words sharing an n-gram with this one
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
