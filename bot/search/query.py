"""Turning a question into weighted concepts: typos corrected, synonyms added, answer type detected."""

from __future__ import annotations

import difflib

from bot.search.commonness import weight_factor
from bot.search.cues import FRAME_STEMS, FRAME_WORDS, SPEECH_VERBS, question_type
from bot.search.fuzzy import FuzzyVocabulary
from bot.search.retrieval import Concept, Query, TfidfRetriever
from bot.search.synonyms import SynonymTable
from bot.search.textproc import STOP_WORDS, acronyms, noun_terms, past_terms, possessive_terms, stem, words

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
        """The question's concepts, in order: a phrase of the synonym table is one concept, every other content
        word another. A word neither the corpus nor the table knows counts as unknown (against the match),
        unless it only shapes the question ("count", "stand for")."""
        tokens = words(question)
        answer_type = question_type(question)
        if answer_type == "speech":  # the cue asks for reported speech; "said" in any sentence is no match
            tokens = [t for t in tokens if t not in SPEECH_VERBS]
        spans = self.synonyms.expansions([self._corrected(t) for t in tokens])
        span_at = {position: index for index, (start, end, _) in enumerate(spans) for position in range(start, end)}
        concepts: list[Concept] = []
        unknown: list[str] = []
        seen: set[int] = set()  # index terms some concept already holds: each counts once
        done: set[int] = set()
        names = acronyms(question)  # "UN", "US": not the stop words "un", "us"
        for position, token in enumerate(tokens):
            if token in STOP_WORDS and token not in names:
                continue
            span = span_at.get(position)
            if span is None:
                concept, missing = self._word_concept(token, seen)
            elif span in done:
                continue
            else:
                done.add(span)
                start, end, alternatives = spans[span]
                concept, missing = self._span_concept(tokens[start:end], alternatives, seen)
            if missing is not None:
                unknown.append(missing)
            if concept is not None:
                concepts.append(concept)
        return Query(tuple(concepts), answer_type, tuple(unknown), possessive_terms(question), noun_terms(tokens),
                     past_terms(tokens))

    def _span_concept(
        self, phrase: list[str], alternatives: list[tuple[str, ...]], seen: set[int]
    ) -> tuple[Concept | None, str | None]:
        """A synonym-table phrase as one concept: its own terms at full weight, the table's alternatives at
        SYNONYM_FACTOR. (concept or None, the phrase when it is unknown)."""
        vocabulary = self.retriever.vocabulary_
        own = [t for t in (self._term(w) for w in phrase if w not in STOP_WORDS) if t]
        extra = [(vocabulary[s], SYNONYM_FACTOR) for alternative in alternatives for s in alternative
                 if s in vocabulary]  # stop words never reach the vocabulary
        options: dict[int, float] = {}
        for term_id, factor in own + extra:
            options[term_id] = max(options.get(term_id, 0.0), factor)
        options = {t: f for t, f in options.items() if t not in seen}
        if not options:
            return (None, None) if own else (Concept((), self.retriever.idf_max_), " ".join(phrase))
        seen.update(options)
        idf = self.retriever.idf_
        weight = max(float(idf[t]) for t, _ in own) if own else max(float(idf[t]) for t in options)
        return Concept(tuple(options.items()), weight), None

    def _word_concept(self, token: str, seen: set[int]) -> tuple[Concept | None, str | None]:
        """A single word as a concept: its index term or the closest one. (concept or None, the word when it is
        unknown)."""
        term = self._term(token)
        if term is None:
            if _is_frame_word(token):
                return None, None
            # unknown: as rare as the rarest term, unless everyday English uses it all the time ("got", "think")
            return Concept((), self.retriever.idf_max_ * weight_factor(token)), token
        if term[0] in seen:
            return None, None
        seen.add(term[0])
        return Concept((term,), float(self.retriever.idf_[term[0]])), None



def _is_frame_word(token: str) -> bool:
    """A word that only shapes the question, in any form ("numbers") or misspelt ("happend")."""
    if stem(token) in FRAME_STEMS:
        return True
    close = difflib.get_close_matches(token, FRAME_WORDS, n=1, cutoff=0.85)
    return bool(close) and close[0][0] == token[0]
