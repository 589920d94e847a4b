"""The question log and votes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Question, Vote


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    text: str
    user_id: int | None
    chat_id: int | None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class QuestionLog:
    def __init__(self, database: Database) -> None:
        self.db = database

    def record(
        self,
        text: str,
        *,
        chat_type: str,
        chat_id: int | None,
        user_id: int | None,
        answered: bool,
        top_chunk_id: int | None,
        top_score: float | None,
        latency_ms: float,
    ) -> int:
        with self.db.session() as session:
            question = Question(
                asked_at=utcnow(), chat_type=chat_type, chat_id=chat_id, user_id=user_id, text=text,
                answered=answered, top_chunk_id=top_chunk_id, top_score=top_score, latency_ms=latency_ms,
            )
            session.add(question)
            session.flush()
            return question.id

    def get(self, question_id: int) -> LoggedQuestion | None:
        with self.db.session() as session:
            q = session.get(Question, question_id)
            return LoggedQuestion(q.id, q.text, q.user_id, q.chat_id) if q else None

    def vote(self, question_id: int, user_id: int, value: int) -> bool:
        """Store a vote (+1 or -1); a second vote by the same user replaces the first. False if no such question."""
        if value not in (1, -1):
            raise ValueError("a vote is +1 or -1")
        with self.db.session() as session:
            if session.get(Question, question_id) is None:
                return False
            existing = session.scalar(select(Vote).where(Vote.question_id == question_id, Vote.user_id == user_id))
            if existing is None:
                session.add(Vote(question_id=question_id, user_id=user_id, value=value, voted_at=utcnow()))
            else:
                existing.value, existing.voted_at = value, utcnow()
            return True

    def votes(self, question_id: int) -> dict[int, int]:
        with self.db.session() as session:
            return {v.user_id: v.value for v in session.scalars(select(Vote).where(Vote.question_id == question_id))}
