"""Turning a question into weighted concepts: typos corrected, synonyms added, answer type detected."""

from __future__ import annotations

from bot.search.cues import FRAME_WORDS, question_type
from bot.search.fuzzy import FuzzyVocabulary
from bot.search.retrieval import Concept, Query, TfidfRetriever
from bot.search.synonyms import SynonymTable
from bot.search.textproc import STOP_WORDS, stem, words

SYNONYM_FACTOR = 0.7


class QueryBuilder:
    def __init__(self, retriever: TfidfRetriever, fuzzy: FuzzyVocabulary, synonyms: SynonymTable) -> None:
        self.retriever = retriever
        self.fuzzy = fuzzy
        self.synonyms = synonyms

    def _term(self, word: str) -> tuple[int, float] | None:
        """The index term for a surface word: itself, or the closest vocabulary word when it is unknown."""
        vocabulary = self.retriever.vocabulary_
        term_id = vocabulary.get(stem(word))
        if term_id is not None:
            return term_id, 1.0
        match = self.fuzzy.closest(word)
        if match is not None:
            term_id = vocabulary.get(stem(match[0]))
            if term_id is not None:
                return term_id, match[1]
        return None

    def _corrected(self, token: str) -> str:
        """A word the corpus does not use replaced by its closest vocabulary word, so that the synonym table
        sees "Zhenbekov" as "Zheenbekov" (and adds "Jeenbekov")."""
        if token in STOP_WORDS or stem(token) in self.retriever.vocabulary_:
            return token
        match = self.fuzzy.closest(token)
        return match[0] if match is not None else token

    def build(self, question: str) -> Query:
        tokens = words(question)
        spans: list[tuple[int, int, list[tuple[str, ...]]]] = self.synonyms.expansions(
            [self._corrected(t) for t in tokens]
        )
        covered: dict[int, int] = {}
        for index, (start, end, _) in enumerate(spans):
            for position in range(start, end):
                covered[position] = index
        idf, idf_max = self.retriever.idf_, self.retriever.idf_max_
        concepts: list[Concept] = []
        unknown: list[str] = []
        seen: set[int] = set()
        done_spans: set[int] = set()
        for position, token in enumerate(tokens):
            if token in STOP_WORDS:
                continue
            span_index = covered.get(position)
            if span_index is not None:
                if span_index in done_spans:
                    continue
                done_spans.add(span_index)
                start, end, alternatives = spans[span_index]
                own = [t for t in (self._term(w) for w in tokens[start:end] if w not in STOP_WORDS) if t]
                vocabulary = self.retriever.vocabulary_
                extra = [
                    (vocabulary[s], SYNONYM_FACTOR)
                    for phrase in alternatives
                    for s in phrase
                    if s in vocabulary  # stop words never reach the vocabulary
                ]
                options = {}
                for term_id, factor in own + extra:
                    options[term_id] = max(options.get(term_id, 0.0), factor)
                options = {t: f for t, f in options.items() if t not in seen}
                if not options:
                    if not own:
                        unknown.append(" ".join(tokens[start:end]))
                        concepts.append(Concept((), idf_max))
                    continue
                seen.update(options)
                weight = max(float(idf[t]) for t, _ in own) if own else max(float(idf[t]) for t in options)
                concepts.append(Concept(tuple(options.items()), weight))
                continue
            term = self._term(token)
            if term is None and token in FRAME_WORDS:
                continue
            if term is None:
                unknown.append(token)
                concepts.append(Concept((), idf_max))
            elif term[0] not in seen:
                seen.add(term[0])
                concepts.append(Concept((term,), float(idf[term[0]])))
        return Query(tuple(concepts), question_type(question), tuple(unknown))
