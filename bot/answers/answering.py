"""Question -> Answer: the best verbatim sentences with their sources, or a decline.

The candidates (the lexical search's best and, with the meaning layer, the sentences closest in meaning) are
scored by the answer model (`bot.answers.model`): the probability that each answers the question. The best comes
first; when even the best is below the threshold, the question is declined. No hand-written rule decides either:
what the old rules read (words the corpus never uses, a figure for "how many", a definition for "what is", the
sentence that counts the thing counted) are features the model weighs (`bot.answers.features`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from bot.answers import model as answer_model
from bot.answers.counting import counted_terms, differ, figures_counting
from bot.answers.features import candidates
from bot.answers.highlight import Span, answer_span
from bot.corpus.records import DocumentRef
from bot.search import KnowledgeBase
from bot.search.cues import figures
from bot.search.meaning import Vectors

# A passage from another source is shown beside the best one when its probability is at least this share of the
# best's (for a figure, FIGURE_FLOOR of the threshold: sources often disagree on figures, and both are shown).
CLOSE_TO_BEST = 0.8
FIGURE_FLOOR = 0.3
SOURCES_CONSIDERED = 10


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
    """Answers from one knowledge base with the answer model, declining when no candidate is likely enough to
    answer (`threshold`, a probability; by default the one chosen when the model was trained)."""

    def __init__(self, knowledge: KnowledgeBase, *, threshold: float | None = None, top_k: int = 3,
                 vectors: Vectors | None = None, model: answer_model.AnswerModel | None = None) -> None:
        self.knowledge = knowledge
        self.model = model if model is not None else answer_model.shared()
        self.threshold = self.model.threshold if threshold is None else threshold
        self.top_k = top_k
        self.vectors = vectors  # the meaning layer; None answers lexically

    def answer(self, question: str, top_k: int | None = None) -> Answer:
        question = question.strip()
        if not any(ch.isalnum() for ch in question):
            raise EmptyQuestion("the question is empty")
        if len(self.knowledge) == 0:
            return Answer(question, False, [], "no_documents")
        wanted = top_k or self.top_k
        found = candidates(self.knowledge, self.vectors, question)
        probabilities = self.model.probabilities(found)
        order = np.argsort(-probabilities, kind="stable")[: max(wanted, SOURCES_CONSIDERED)]
        documents = self.knowledge.documents
        passages = [Passage(found.quotes[i], float(probabilities[i]), found.chunk_ids[i],
                            documents[found.rows[i].document_id]) for i in order]
        if not passages or passages[0].score < self.threshold:
            return Answer(question, False, self._bold(found.question, passages[:wanted]), "no_match")
        counted = (counted_terms(found.question, found.query, self.knowledge.retriever.term)
                   if found.answer_type == "number" else None)
        shown = self._one_per_source(passages, counted=counted)
        passages = self._bold(found.question, passages[:wanted] + [p for p in shown if p not in passages[:wanted]])
        by_chunk = {p.chunk_id: p for p in passages}
        shown = [by_chunk[p.chunk_id] for p in shown]
        differs = bool(counted) and len(shown) > 1 and differ([p.quote for p in shown], counted)  # type: ignore[arg-type]
        return Answer(question, True, passages[:wanted], "answered", shown, differs)

    @staticmethod
    def _bold(question: str, passages: list[Passage]) -> list[Passage]:
        """The passages with the part that answers the question marked (for the few that are shown)."""
        return [Passage(p.quote, p.score, p.chunk_id, p.document, answer_span(question, p.quote)) for p in passages]

    def _one_per_source(self, passages: list[Passage], *, counted: frozenset[str] | None) -> list[Passage]:
        """The best passage, then the best of each other document that comes close to it.

        For "how many" questions that name what they count (`counted`) another source's figure of that thing is
        worth showing even when the model is less sure of it (sources often disagree on figures), so its floor is
        lower. A figure question that names nothing ("how old is he") gets no lower floor: any figure would do, and
        another source's figure of something else ("the 62-year-old", of another man) is no answer.
        """

        def states_a_figure(passage: Passage) -> bool:
            return bool(figures_counting(passage.quote, counted) if counted else figures(passage.quote))

        best = passages[0]
        wants_number = counted is not None
        if wants_number and counted and figures(best.quote):
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
