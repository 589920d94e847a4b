"""Question -> Answer: the best verbatim sentences with their sources, or a decline."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.answers.highlight import Span, answer_span
from bot.corpus.folding import normalize
from bot.corpus.records import DocumentRef
from bot.search import KnowledgeBase, meaning
from bot.search.cues import defines, definition_subject, figures
from bot.search.meaning import Vectors
from bot.search.retrieval import Query
from bot.search.textproc import STOP_WORDS, expand_informal, stem, words

# The decline threshold the bot ships with (DECLINE_THRESHOLD), calibrated with the unknown-share rule below on
# the event sets and SQuAD (docs/quality.md). Tests and benchmarks use it too.
DEFAULT_THRESHOLD = 0.15
# A passage from another source is shown beside the best one when it scores at least this share of it.
CLOSE_TO_BEST = 0.8
SOURCES_CONSIDERED = 10
FIGURE_FLOOR = 0.3
# A "how many" question's best passage that states no figure of the counted thing gives way to one that does and
# scores at least this share of it.
COUNTING_FLOOR = 0.5
DEFINITION_BOOST = (1.0, 1.15, 1.3)  # by what `defines` finds: nothing, a title or first name, brackets or apposition
# A question half of whose weight is words the corpus never uses asks about something else ("Who is the mayor
# of Bishkek?" knows only "Bishkek"), however well the rest matches. Calibrated with the threshold (docs/quality.md).
UNKNOWN_SHARE_LIMIT = 0.5
# A question that asks for a figure ("how many", "how old") is declined when none of this many best passages states
# a figure it does not state itself: "How many votes did he get in 2011?" is no question for "elected in 2011".
FIGURE_DEPTH = 3


class EmptyQuestion(ValueError):
    """The question has no words in it."""


@dataclass(frozen=True)
class Passage:
    quote: str
    score: float
    chunk_id: int
    document: DocumentRef
    answer: Span | None = None  # the part of the quote that answers the question (shown in bold)

    def to_dict(self) -> dict[str, Any]:
        found = {"answer": self.answer.to_dict()} if self.answer is not None else {}
        return {"quote": self.quote, "score": round(self.score, 4), "chunk_id": self.chunk_id,
                "document": self.document.to_dict(), **found}


Reason = Literal["answered", "no_match", "no_documents"]


@dataclass(frozen=True)
class Answer:
    """Passages best first; when `answered` is false they are only candidates, never shown as an answer."""

    question: str
    answered: bool
    passages: list[Passage] = field(default_factory=list)
    reason: Reason = "answered"
    shown: list[Passage] = field(default_factory=list)
    sources_differ: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "answer",
            "question": self.question,
            "answered": self.answered,
            "passages": [p.to_dict() for p in self.passages],
        }


class Answerer:
    """Answers from one knowledge base, declining when the best score is below the threshold or when most of
    the question is words the corpus never uses."""

    def __init__(self, knowledge: KnowledgeBase, *, threshold: float, top_k: int = 3,
                 vectors: Vectors | None = None) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self.top_k = top_k
        self.vectors = vectors  # the meaning layer; None answers lexically

    def answer(self, question: str, top_k: int | None = None) -> Answer:
        question = question.strip()
        if not any(ch.isalnum() for ch in question):
            raise EmptyQuestion("the question is empty")
        if len(self.knowledge) == 0:
            return Answer(question, False, [], "no_documents")
        wanted = top_k or self.top_k
        asked, question = question, expand_informal(question)  # "whats", "ppl": how people type
        query = self.knowledge.parse(question)
        # The decline rule reads the words as written: letting a neighbour earn back an unknown word's weight cost
        # unanswerable declines on every development set (docs/quality.md), so neighbours only rank.
        unknown_share = query.unknown_share
        if self.vectors is not None and query.unknown:  # "cops" -> "police": words of the corpus close in meaning
            vocabulary = self.knowledge.retriever.vocabulary_
            query = meaning.with_neighbours(query, self.vectors, lambda word: vocabulary.get(stem(word)))
        passages = []
        for hit in self.knowledge.search(query, max(wanted, SOURCES_CONSIDERED)):
            row = self.knowledge.chunk(hit.chunk_id)
            if row is not None:
                quote = self.knowledge.readable(row)  # whole quotations, not their halves
                passages.append(Passage(quote, hit.score, hit.chunk_id, self.knowledge.documents[row.document_id],
                                        answer_span(question, quote)))
        subject = definition_subject(question)
        heads = self._spellings(subject) if subject is not None else frozenset()
        if heads and passages:
            # "What is X?": a sentence that spells X out beats one that only mentions it.
            ranked = [(p.score * DEFINITION_BOOST[defines(p.quote, heads)], i, p)
                      for i, p in enumerate(passages)]
            passages = [p for _, _, p in sorted(ranked, key=lambda r: (-r[0], r[1]))]
        if (not passages or passages[0].score < self.threshold or unknown_share >= UNKNOWN_SHARE_LIMIT
                or (query.answer_type == "number" and not _gives_a_figure(question, passages[:FIGURE_DEPTH]))):
            return Answer(asked, False, passages[:wanted], "no_match")
        passages = self._by_meaning(asked, passages)
        counted = counted_terms(question, query, self.knowledge.retriever.term) if query.answer_type == "number" else None
        if counted and not figures_counting(passages[0].quote, counted):
            # "how many were wounded": a sentence that counts the wounded beats one that only mentions a wound
            counting = next((p for p in passages[1:SOURCES_CONSIDERED] if p.score >= COUNTING_FLOOR * passages[0].score
                             and figures_counting(p.quote, counted)), None)
            if counting is not None:
                passages = [counting, *(p for p in passages if p is not counting)]
        shown = self._one_per_source(passages, counted=counted)
        differ = bool(counted) and len(shown) > 1 and _differ(shown, counted)  # type: ignore[arg-type]
        return Answer(asked, True, passages[:wanted], "answered", shown, differ)

    def _by_meaning(self, question: str, passages: list[Passage]) -> list[Passage]:
        """The candidates re-ranked by a blend of lexical score and meaning (cosine with the question), when every
        candidate has its sentence vector (until then, as they are)."""
        if self.vectors is None or len(passages) < 2:
            return passages
        keys = self.knowledge.table.keys_of([p.chunk_id for p in passages])
        sentences = self.vectors.sentences(keys) if keys is not None else None
        if sentences is None:
            return passages
        order = meaning.rerank(self.vectors.question(question), [p.score for p in passages], sentences)
        return [passages[i] for i in order]

    def _spellings(self, subject: str) -> frozenset[str]:
        """The index terms that stand for the last word of a thing to define: itself, its corrected spelling and
        its synonym-table alternatives ("atambaev" -> "atambayev")."""
        if any(w in STOP_WORDS for w in words(subject)):
            return frozenset()  # "president before atambayev", "the head of the gknb": not the name to define
        concepts = [c for c in self.knowledge.parse(subject).concepts if c.alternatives]
        if not concepts:
            return frozenset()
        return frozenset(self.knowledge.retriever.term(t) for t, _ in concepts[-1].alternatives)

    def _one_per_source(self, passages: list[Passage], *, counted: frozenset[str] | None) -> list[Passage]:
        """The best passage, then the best of each other document that comes close to it.

        For "how many" questions (`counted`: what the question counts, possibly nothing named) another source's
        figure is worth showing even when it matches fewer words (sources often disagree on figures), so its
        floor is lower; but it must state a figure of the counted thing, when the question names one.
        """

        def states_a_figure(passage: Passage) -> bool:
            return bool(figures_counting(passage.quote, counted) if counted else figures(passage.quote))

        best = passages[0]
        wants_number = counted is not None
        if wants_number and figures(best.quote):
            floor = FIGURE_FLOOR * self.threshold
        else:
            floor = max(self.threshold, CLOSE_TO_BEST * best.score)
        shown, seen = [best], {best.document.id}
        for passage in passages[1:]:
            if passage.document.id in seen or passage.score < floor:
                continue
            if not wants_number or states_a_figure(passage):
                shown.append(passage)
                seen.add(passage.document.id)
        return shown


def _gives_a_figure(question: str, passages: list[Passage]) -> bool:
    """Whether a passage states a figure ("36", "twice") the question does not."""
    asked = figures(question)
    return any(figures(p.quote) - asked for p in passages)


_HOW_MANY = re.compile(r"\b(?:how many|how much|number of|count of|total of)\s+(?:the\s+|of\s+)?([a-z][a-z'-]*)",
                       re.IGNORECASE)
# Counted words that say little of what is counted: then what the question says of them is counted too.
GENERIC_COUNTS = frozenset(stem(w) for w in "people persons folks men women individuals times".split())


def counted_terms(question: str, query: Query, term_of: Callable[[int], str]) -> frozenset[str]:
    """The index terms of what a "how many" question counts: the word after "how many", with the alternatives
    its concept carries (synonyms, the corrected spelling). Empty when the question names nothing."""
    match = _HOW_MANY.search(normalize(question))
    if not match:
        return frozenset()
    counted = stem(match.group(1))
    concepts = [{term_of(t) for t, _ in concept.alternatives} for concept in query.concepts]
    if match.group(1).lower() in STOP_WORDS and concepts:  # "how many were hurt": the hurt are counted
        return frozenset(concepts[0])
    for index, terms in enumerate(concepts):
        if counted in terms:
            if counted in GENERIC_COUNTS and index + 1 < len(concepts):
                terms = concepts[index + 1]  # "how many people were killed": the killed are counted
            return frozenset(terms)
    return frozenset({counted})


def _differ(shown: list[Passage], counted: frozenset[str]) -> bool:
    """Whether the quotes give different figures for the thing the question counts: each states a figure next to
    the counted word ("how many hostages" -> "six servicemen as hostages"), and the figures differ. "Six
    servicemen" and "500 supporters" are not two counts of one thing."""
    found = [figures_counting(p.quote, counted) for p in shown]
    return all(found) and len(set(found)) > 1


COUNT_REACH = 4  # words after a figure that may name what it counts ("500 of Atambayev's supporters")
_COUNT_JOINS = frozenset("of as the his her their its more than".split())


def figures_counting(text: str, counted: frozenset[str]) -> frozenset[str]:
    """The figures a sentence states of a counted thing: the thing follows the figure ("over 50 injured", "six
    servicemen as hostages", "500 of Atambayev's supporters"), or the figure counts people and the sentence says
    what befell them ("36 people ... admitted to hospital with injuries"). "Six servicemen" and "500 supporters"
    are not two counts of one thing, nor "20 buses filled with troops" a count of troops."""
    tokens = words(text)
    stems = [stem(t) for t in tokens]
    said = set(stems)
    near = set()
    for i, token in enumerate(tokens):
        found = figures(token)
        if not found:
            continue
        following = []
        for j in range(i + 1, min(i + 1 + COUNT_REACH, len(tokens))):
            if tokens[j] in STOP_WORDS and tokens[j] not in _COUNT_JOINS:
                break
            following.append(stems[j])
        if any(s in counted for s in following) or (
                following and following[0] in GENERIC_COUNTS and not counted.isdisjoint(said)):
            near |= found
    return frozenset(near)
