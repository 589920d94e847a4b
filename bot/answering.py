"""Question -> Answer: the best verbatim sentences with their sources, or a decline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.search.cues import defines, definition_subject, figures
from bot.search import KnowledgeBase
from bot.records import DocumentRef

# The decline threshold the bot ships with (DECLINE_THRESHOLD), calibrated with the unknown-share rule below on
# the event sets and SQuAD (docs/quality.md). Tests and benchmarks use it too.
DEFAULT_THRESHOLD = 0.15
# A passage from another source is shown beside the best one when it scores at least this share of it.
CLOSE_TO_BEST = 0.8
SOURCES_CONSIDERED = 10
FIGURE_FLOOR = 0.3
DEFINITION_BOOST = 1.3
# A question half of whose weight is words the corpus never uses asks about something else ("Who is the mayor
# of Bishkek?" knows only "Bishkek"), however well the rest matches. Calibrated with the threshold (README).
UNKNOWN_SHARE_LIMIT = 0.5


class EmptyQuestion(ValueError):
    """The question has no words in it."""


@dataclass(frozen=True)
class Passage:
    quote: str
    score: float
    chunk_id: int
    document: DocumentRef

    def to_dict(self) -> dict[str, Any]:
        doc = self.document
        return {
            "quote": self.quote,
            "score": round(self.score, 4),
            "chunk_id": self.chunk_id,
            "document": {
                "id": doc.id,
                "title": doc.title,
                "publisher": doc.publisher,
                "date": doc.date.isoformat() if doc.date else None,
                "url": doc.url,
            },
        }


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
            "question": self.question,
            "answered": self.answered,
            "passages": [p.to_dict() for p in self.passages],
        }


class Answerer:
    """Answers from one knowledge base, declining when the best score is below the threshold or when most of
    the question is words the corpus never uses."""

    def __init__(self, knowledge: KnowledgeBase, *, threshold: float, top_k: int = 3) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self.top_k = top_k

    def answer(self, question: str, top_k: int | None = None) -> Answer:
        question = question.strip()
        if not any(ch.isalnum() for ch in question):
            raise EmptyQuestion("the question is empty")
        if len(self.knowledge) == 0:
            return Answer(question, False, [], "no_documents")
        wanted = top_k or self.top_k
        query = self.knowledge.parse(question)
        passages = []
        for hit in self.knowledge.search(query, max(wanted, SOURCES_CONSIDERED)):
            row = self.knowledge.chunk(hit.chunk_id)
            if row is not None:
                passages.append(Passage(row.text, hit.score, hit.chunk_id, self.knowledge.documents[row.document_id]))
        subject = definition_subject(question)
        if subject is not None and passages:
            # "What is X?": a sentence that spells X out beats one that only mentions it.
            ranked = [(p.score * (DEFINITION_BOOST if defines(p.quote, subject) else 1.0), i, p)
                      for i, p in enumerate(passages)]
            passages = [p for _, _, p in sorted(ranked, key=lambda r: (-r[0], r[1]))]
        if not passages or passages[0].score < self.threshold or query.unknown_share >= UNKNOWN_SHARE_LIMIT:
            return Answer(question, False, passages[:wanted], "no_match")
        shown = self._one_per_source(passages, wants_number=query.answer_type == "number")
        counts = [figures(p.quote) for p in shown]
        differ = query.answer_type == "number" and len(shown) > 1 and all(counts) and len(set(counts)) > 1
        return Answer(question, True, passages[:wanted], "answered", shown, differ)

    def _one_per_source(self, passages: list[Passage], *, wants_number: bool) -> list[Passage]:
        """The best passage, then the best of each other document that comes close to it.

        For "how many" questions another source's figure is worth showing even when it matches fewer words
        (sources often count different things), so its floor is lower but it must state a figure.
        """
        best = passages[0]
        if wants_number and figures(best.quote):
            floor = FIGURE_FLOOR * self.threshold
        else:
            floor = max(self.threshold, CLOSE_TO_BEST * best.score)
        shown, seen = [best], {best.document.id}
        for passage in passages[1:]:
            if wants_number and not figures(passage.quote):
                continue
            if passage.document.id not in seen and passage.score >= floor:
                shown.append(passage)
                seen.add(passage.document.id)
        return shown
