"""Admins, persisted settings, the question log's reports and the add-document transaction, on SQLite and
PostgreSQL."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import text

from bot.corpus import parse_pasted
from bot.knowledge import KnowledgeBase
from bot.service import QAService
from bot.storage import Database
from bot.storage.admin import AdminError, AdminRegistry
from bot.storage.questions import QuestionLog, QuestionReports

from .conftest import CORPUS


def log_question(db: Database, text_: str, *, user: int, answered: bool, when: dt.datetime | None = None) -> int:
    qid = QuestionLog(db).record(text_, chat_type="private", chat_id=user, user_id=user, answered=answered,
                                 top_chunk_id=None, top_score=0.1, latency_ms=2.0)
    if when is not None:
        with db.session() as session:
            session.execute(text("UPDATE questions SET asked_at = :w WHERE id = :i"), {"w": when, "i": qid})
    return qid


def test_admin_registry(database: Database) -> None:
    registry = AdminRegistry(database, [1])
    registry.load()
    assert registry.is_admin(1) and not registry.is_admin(2) and not registry.is_admin(None)
    assert registry.add(2, by=1) and not registry.add(2, by=1)
    fresh = AdminRegistry(database, [1])
    fresh.load()
    assert fresh.is_admin(2) and fresh.all() == [(1, True), (2, False)]
    with pytest.raises(AdminError):
        fresh.remove(1)
    assert fresh.remove(2) and not fresh.remove(2) and not fresh.is_admin(2)


def test_stats_and_unanswered(database: Database) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    log_question(database, "Who painted the Mona Lisa?", user=5, answered=False)
    log_question(database, "who painted the mona lisa", user=6, answered=False)
    liked = log_question(database, "How many hostages?", user=5, answered=True)
    disliked = log_question(database, "Where is Koi-Tash?", user=7, answered=True)
    log_question(database, "Old question", user=5, answered=False, when=now - dt.timedelta(days=10))
    log = QuestionLog(database)
    log.vote(liked, 5, 1)
    log.vote(disliked, 7, -1)
    stats = QuestionReports(database).stats(now=now)
    assert (stats.total, stats.today, stats.last_7_days) == (5, 4, 4)
    assert stats.answered_share == pytest.approx(2 / 5) and stats.upvote_share == pytest.approx(0.5)
    assert stats.median_ms == pytest.approx(2.0)
    assert stats.top_questions[0][1] == 2 and "mona lisa" in stats.top_questions[0][0].lower()
    assert stats.per_day[-1][1:] == (2, 2) and len(stats.per_day) == 30
    items = QuestionReports(database).unanswered(now=now)
    assert items[0].count == 2 and items[0].declined == 2
    assert {i.text for i in items} >= {"Where is Koi-Tash?", "Old question"}
    assert next(i for i in items if i.text == "Where is Koi-Tash?").downvoted == 1


def test_export_and_forget(database: Database) -> None:
    a = log_question(database, "First, with a comma", user=5, answered=True)
    log_question(database, "Second", user=6, answered=False)
    QuestionLog(database).vote(a, 6, -1)
    QuestionLog(database).vote(a, 5, 1)
    rows = list(csv.DictReader(io.StringIO(QuestionReports(database).export_csv())))
    assert [r["question"] for r in rows] == ["First, with a comma", "Second"]
    assert (rows[0]["votes_up"], rows[0]["votes_down"], rows[0]["answered"]) == ("1", "1", "1")
    assert QuestionReports(database).forget(5) == (1, 1)
    rows = list(csv.DictReader(io.StringIO(QuestionReports(database).export_csv())))
    assert [r["question"] for r in rows] == ["Second"]
    assert QuestionReports(database).forget(6) == (1, 0)  # its vote went with the question it was on


def test_a_vote_changes_on_a_second_press(database: Database) -> None:
    qid = log_question(database, "Q", user=5, answered=True)
    log = QuestionLog(database)
    assert log.vote(qid, 9, 1) and log.vote(qid, 9, -1)
    assert log.votes(qid) == {9: -1}
    assert not log.vote(123456, 9, 1)


def test_threshold_is_persisted(database: Database) -> None:
    service = QAService(database, threshold=0.2)
    service.start(CORPUS)
    service.set_threshold(0.5)
    again = QAService(database, threshold=0.2)
    again.start(CORPUS)
    assert again.threshold == 0.5
    with pytest.raises(ValueError):
        again.set_threshold(1.5)


def test_failed_indexing_keeps_no_partial_document(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    service = QAService(database, threshold=0.2)
    service.start(CORPUS)
    before_docs, before_index = service.store.documents(include_inactive=True), service.knowledge

    def broken(*args: object, **kwargs: object) -> None:
        raise MemoryError("no room for the index")

    monkeypatch.setattr(KnowledgeBase, "__init__", broken)
    with pytest.raises(MemoryError):
        service.add_document(parse_pasted("A brand new sentence about eagles."), added_by="test")
    assert service.store.documents(include_inactive=True) == before_docs
    assert service.knowledge is before_index


def test_question_logging_failure_never_blocks_an_answer(database: Database) -> None:
    service = QAService(database, threshold=0.2)
    service.start(CORPUS)
    with database.session() as session:
        session.execute(text("DROP TABLE votes"))
        session.execute(text("DROP TABLE questions"))
    logged = service.ask("How many people were admitted to hospital?", user_id=1)
    assert logged.question_id is None and logged.answer.answered


def test_questions_are_answered_while_the_index_rebuilds(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    service = QAService(database, threshold=0.2)
    service.start(CORPUS)
    old = service.knowledge
    building, release = threading.Event(), threading.Event()
    original = KnowledgeBase.__init__

    def slow_build(self: KnowledgeBase, *args: object, **kwargs: object) -> None:
        building.set()
        release.wait(10)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(KnowledgeBase, "__init__", slow_build)
    worker = threading.Thread(target=service.rebuild)
    worker.start()
    assert building.wait(10)
    answer = service.answer("How many people were admitted to hospital?")  # served by the old index meanwhile
    assert answer.answered and service.knowledge is old
    release.set()
    worker.join(10)
    assert service.knowledge is not old and len(service.knowledge) == len(old)
