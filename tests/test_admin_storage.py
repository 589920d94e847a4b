"""Admins, persisted settings, the question log's reports and the add-document transaction, on SQLite and
PostgreSQL."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import text

from bot.corpus.documents import parse_pasted
from bot.search import KnowledgeBase
from bot.service import QAService
from bot.storage import Database
from bot.storage.admin import AdminError, AdminRegistry
from bot.storage.questions import VoteResult, QuestionLog, QuestionReports

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
    QuestionLog(database).vote(a, 5, 1)
    rows = list(csv.DictReader(io.StringIO(QuestionReports(database).export_csv())))
    assert [r["question"] for r in rows] == ["First, with a comma", "Second"]
    assert (rows[0]["votes_up"], rows[0]["votes_down"], rows[0]["answered"]) == ("1", "0", "1")
    assert QuestionReports(database).forget(5) == (1, 1)
    rows = list(csv.DictReader(io.StringIO(QuestionReports(database).export_csv())))
    assert [r["question"] for r in rows] == ["Second"]
    assert QuestionReports(database).forget(6) == (1, 0)


def test_a_vote_changes_on_a_second_press(database: Database) -> None:
    qid = log_question(database, "Q", user=5, answered=True)
    log = QuestionLog(database)
    assert log.vote(qid, 5, 1) is log.vote(qid, 5, -1) is VoteResult.RECORDED
    assert log.votes(qid) == {5: -1}
    assert log.vote(123456, 5, 1) is VoteResult.NO_QUESTION


def test_only_the_asker_votes_on_an_answer(database: Database) -> None:
    qid = log_question(database, "Where is Koi-Tash?", user=5, answered=True)
    log = QuestionLog(database)
    assert log.vote(qid, 6, -1) is VoteResult.NOT_ASKER
    assert log.votes(qid) == {}
    assert QuestionReports(database).unanswered() == []


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"])
def test_export_neutralises_spreadsheet_formulas(database: Database, text: str) -> None:
    log_question(database, text, user=5, answered=False)
    [row] = list(csv.DictReader(io.StringIO(QuestionReports(database).export_csv(), newline="")))
    assert row["question"] == "'" + text


def test_a_question_with_nul_is_logged_the_same_on_every_database(database: Database) -> None:
    qid = log_question(database, "hostages\x00 taken?" + "x" * 9000 + "\x00", user=5, answered=False)
    assert QuestionLog(database).get(qid).text.startswith("hostages taken?")


def test_threshold_is_persisted(database: Database) -> None:
    service = QAService(database)
    service.start(CORPUS)
    service.set_threshold(0.5)
    again = QAService(database)
    again.start(CORPUS)
    assert again.threshold == 0.5
    with pytest.raises(ValueError):
        again.set_threshold(1.5)


def test_failed_indexing_keeps_no_partial_document(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    service = QAService(database)
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
    service = QAService(database)
    service.start(CORPUS)
    with database.session() as session:
        session.execute(text("DROP TABLE votes"))
        session.execute(text("DROP TABLE questions"))
    logged = service.ask("How many people were admitted to hospital?", user_id=1)
    assert logged.question_id is None and logged.answer.answered


def test_questions_are_answered_while_the_index_rebuilds(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    service = QAService(database)
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


def test_metadata_at_the_limits_is_stored_alike_on_every_database(database: Database) -> None:
    from bot.corpus.documents import MAX_PUBLISHER_CHARS, MAX_TITLE_CHARS
    from bot.storage import DocumentStore

    record = parse_pasted(f"title: {'T' * MAX_TITLE_CHARS} | publisher: {'P' * MAX_PUBLISHER_CHARS}\n"
                          "The raid on Koi-Tash failed.")
    result = DocumentStore(database).add(record, added_by="test")
    [(ref, sentences, _)] = DocumentStore(database).documents()
    assert result.document_id == ref.id and len(ref.title) == MAX_TITLE_CHARS and sentences == 1
