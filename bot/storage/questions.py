"""The question log and votes."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import re
import statistics
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from bot.corpus.folding import normalize
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


class VoteResult(enum.Enum):
    RECORDED = "recorded"
    NO_QUESTION = "no_question"
    NOT_ASKER = "not_asker"


BACKLOG = 10_000  # questions kept in memory while the database is out, to be logged when it is back


class QuestionLog:
    """The question log. A question the database cannot take (an outage) is kept in memory (`keep_for_later`) and
    logged with the time it was asked once the database is back (`log_kept`); beyond `backlog` of them waiting, the
    oldest are dropped and counted as `lost` (/stats says so)."""

    def __init__(self, database: Database, *, backlog: int = BACKLOG) -> None:
        self.db = database
        self.backlog = backlog
        self.lost = 0
        self._kept: deque[dict[str, Any]] = deque()
        self._kept_lock = threading.Lock()

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
        asked_at: dt.datetime | None = None,
    ) -> int:
        with self.db.session() as session:
            question = _question(text=text, chat_type=chat_type, chat_id=chat_id, user_id=user_id, answered=answered,
                                 top_chunk_id=top_chunk_id, top_score=top_score, latency_ms=latency_ms,
                                 asked_at=asked_at or utcnow())
            session.add(question)
            session.flush()
            return question.id

    def keep_for_later(self, text: str, **fields: Any) -> None:
        """Keep a question the database could not take now, with the time it was asked."""
        with self._kept_lock:
            self._kept.append({"text": text, "asked_at": fields.pop("asked_at", None) or utcnow(), **fields})
            while len(self._kept) > self.backlog:
                self._kept.popleft()
                self.lost += 1

    @property
    def waiting(self) -> int:
        """Questions kept in memory, waiting to be logged."""
        return len(self._kept)

    def log_kept(self, limit: int = 1000) -> int:
        """Log up to `limit` of the kept questions, oldest first, in one transaction; how many. On a database error
        they stay kept (and the error propagates)."""
        with self._kept_lock:
            batch = [self._kept.popleft() for _ in range(min(limit, len(self._kept)))]
        if not batch:
            return 0
        try:
            with self.db.session() as session:
                session.add_all([_question(**fields) for fields in batch])
        except BaseException:
            with self._kept_lock:
                self._kept.extendleft(reversed(batch))
            raise
        return len(batch)

    def get(self, question_id: int) -> LoggedQuestion | None:
        with self.db.session() as session:
            q = session.get(Question, question_id)
            return LoggedQuestion(q.id, q.text, q.user_id, q.chat_id) if q else None

    def vote(self, question_id: int, user_id: int, value: int) -> VoteResult:
        """Store the asker's vote (+1 or -1) on the answer to their question; a second vote replaces the first.
        Nobody else can vote on it: a vote feeds /unanswered, and a button's data can be forged."""
        if value not in (1, -1):
            raise ValueError("a vote is +1 or -1")
        with self.db.session() as session:
            question = session.get(Question, question_id)
            if question is None:
                return VoteResult.NO_QUESTION
            if question.user_id != user_id:
                return VoteResult.NOT_ASKER
            existing = session.scalar(select(Vote).where(Vote.question_id == question_id, Vote.user_id == user_id))
            if existing is None:
                session.add(Vote(question_id=question_id, user_id=user_id, value=value, voted_at=utcnow()))
            else:
                existing.value, existing.voted_at = value, utcnow()
            return VoteResult.RECORDED

    def votes(self, question_id: int) -> dict[int, int]:
        with self.db.session() as session:
            return {v.user_id: v.value for v in session.scalars(select(Vote).where(Vote.question_id == question_id))}


def _question(*, text: str, **fields: Any) -> Question:
    return Question(text=text.replace("\x00", ""), **fields)  # PostgreSQL text cannot hold NUL; SQLite could


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def group_key(text: str) -> str:
    """Questions that differ only in case, spacing or punctuation are one question for the statistics."""
    return " ".join(re.sub(r"[^\w\s]", " ", normalize(text)).split())


@dataclass(frozen=True)
class Stats:
    total: int
    today: int
    last_7_days: int
    answered_share: float | None
    upvote_share: float | None
    votes: int
    median_ms: float | None
    top_questions: list[tuple[str, int]]
    per_day: list[tuple[dt.date, int, int]]  # day, answered, declined
    waiting: int = 0  # questions asked during a database outage, kept in this instance's memory to be logged
    lost: int = 0  # questions this instance could not log at all (more than QUESTION_BACKLOG waited)


@dataclass(frozen=True)
class Unanswered:
    text: str
    count: int
    declined: int
    downvoted: int
    last_asked: dt.datetime


def spreadsheet_safe(value: object) -> object:
    """A cell a spreadsheet will not run as a formula (OWASP, CSV injection): text starting with = + - @ or a
    tab or carriage return gets a leading apostrophe. defusedcsv does the same but leaves tab and CR alone."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


EXPORT_COLUMNS = (
    "id", "asked_at", "chat_type", "chat_id", "user_id", "question", "answered", "top_chunk_id", "top_score",
    "latency_ms", "votes_up", "votes_down",
)


class QuestionReports:
    """Read-side views of the question log for admins, and the user's right to be forgotten."""

    def __init__(self, database: Database) -> None:
        self.db = database

    def stats(self, *, now: dt.datetime | None = None, days: int = 30, top: int = 5) -> Stats:
        now = now or utcnow()
        today = now.date()
        with self.db.session() as session:
            rows = session.execute(select(Question.asked_at, Question.answered, Question.latency_ms, Question.text)).all()
            votes = session.execute(select(Vote.value)).scalars().all()
        total = len(rows)
        days_ago = [(today - _utc(r.asked_at).date()).days for r in rows]
        latencies = sorted(r.latency_ms for r in rows if r.latency_ms is not None)
        counts: dict[str, tuple[int, str]] = {}
        for r in rows:
            key = group_key(r.text)
            count, _ = counts.get(key, (0, r.text))
            counts[key] = (count + 1, r.text)
        per_day = []
        for offset in range(days - 1, -1, -1):
            day = today - dt.timedelta(days=offset)
            answered = sum(1 for r, d in zip(rows, days_ago) if d == offset and r.answered)
            declined = sum(1 for r, d in zip(rows, days_ago) if d == offset and not r.answered)
            per_day.append((day, answered, declined))
        return Stats(
            total=total,
            today=sum(1 for d in days_ago if d == 0),
            last_7_days=sum(1 for d in days_ago if d < 7),
            answered_share=sum(r.answered for r in rows) / total if total else None,
            upvote_share=sum(v > 0 for v in votes) / len(votes) if votes else None,
            votes=len(votes),
            median_ms=statistics.median(latencies) if latencies else None,
            top_questions=[(text, n) for n, text in sorted(counts.values(), key=lambda c: (-c[0], c[1]))[:top]],
            per_day=per_day,
        )

    def unanswered(self, *, limit: int = 15, since_days: int = 30, now: dt.datetime | None = None) -> list[Unanswered]:
        """Declined questions and answers voted 👎, grouped, most frequent first."""
        since = (now or utcnow()) - dt.timedelta(days=since_days)
        downvoted = select(Vote.question_id).where(Vote.value < 0)
        query = select(Question.id, Question.text, Question.answered, Question.asked_at).where(
            Question.asked_at >= since, (Question.answered.is_(False)) | Question.id.in_(downvoted)
        )
        groups: dict[str, list[Any]] = {}
        with self.db.session() as session:
            for row in session.execute(query):
                groups.setdefault(group_key(row.text), []).append(row)
        items = [
            Unanswered(
                text=max(rows, key=lambda r: _utc(r.asked_at)).text,
                count=len(rows),
                declined=sum(not r.answered for r in rows),
                downvoted=sum(bool(r.answered) for r in rows),
                last_asked=max(_utc(r.asked_at) for r in rows),
            )
            for rows in groups.values()
        ]
        items.sort(key=lambda u: (-u.count, -u.last_asked.timestamp()))
        return items[:limit]

    def export_csv(self) -> str:
        up = select(func.count(Vote.id)).where(Vote.question_id == Question.id, Vote.value > 0).scalar_subquery()
        down = select(func.count(Vote.id)).where(Vote.question_id == Question.id, Vote.value < 0).scalar_subquery()
        query = select(Question, up, down).order_by(Question.id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        with self.db.session() as session:
            for question, ups, downs in session.execute(query):
                writer.writerow([spreadsheet_safe(cell) for cell in (
                    question.id, _utc(question.asked_at).isoformat(), question.chat_type, question.chat_id,
                    question.user_id, question.text, int(question.answered), question.top_chunk_id,
                    "" if question.top_score is None else round(question.top_score, 4),
                    "" if question.latency_ms is None else round(question.latency_ms, 2), ups, downs,
                )])
        return out.getvalue()

    def forget(self, user_id: int) -> tuple[int, int]:
        """Delete a user's questions (with the votes on them) and their votes; (questions, votes) deleted."""
        with self.db.session() as session:
            own_votes = session.execute(delete(Vote).where(Vote.user_id == user_id)).rowcount or 0
            asked = select(Question.id).where(Question.user_id == user_id)
            session.execute(delete(Vote).where(Vote.question_id.in_(asked)))
            questions = session.execute(delete(Question).where(Question.user_id == user_id)).rowcount or 0
            return questions, own_votes
