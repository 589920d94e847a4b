"""Question -> Answer: the best verbatim sentences with their sources, or a decline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.knowledge import DocumentRef, KnowledgeBase


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "passages": [p.to_dict() for p in self.passages],
        }


class Answerer:
    """Answers from one knowledge base with a decline threshold on the best cosine score."""

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
        hits = self.knowledge.search(question, top_k or self.top_k)
        passages = []
        for hit in hits:
            row = self.knowledge.chunk(hit.chunk_id)
            if row is None:
                continue
            passages.append(Passage(row.text, hit.score, hit.chunk_id, self.knowledge.documents[row.document_id]))
        answered = bool(passages) and passages[0].score >= self.threshold
        return Answer(question, answered, passages, "answered" if answered else "no_match")
