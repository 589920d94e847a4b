import datetime as dt
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.corpus.documents import parse_text
from bot.service import QAService
from bot.storage import Database, DatabaseError, DocumentStore
from bot.storage.documents import AddOutcome
from bot.storage.models import Base, Chunk, Document
from bot.storage.sync import sync_folder
from bot.storage.synonyms import SynonymStore

from .conftest import CORPUS
from .pg import PostgresServer


def counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return s.scalar(select(func.count(Document.id))) or 0, s.scalar(select(func.count(Chunk.id))) or 0


def test_migrations_create_exactly_the_models_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_migrate_twice_is_harmless(database: Database) -> None:
    database.migrate()
    assert counts(database) == (0, 0)


def test_sync_is_idempotent(database: Database) -> None:
    store = DocumentStore(database)
    first = sync_folder(store, CORPUS)
    assert len(first.added) == 2 and not first.errors
    before = counts(database)
    second = sync_folder(store, CORPUS)
    assert second.added == [] and second.updated == [] and len(second.unchanged) == 2
    assert counts(database) == before


def test_changed_file_replaces_its_old_version(database: Database, tmp_path: Path) -> None:
    store = DocumentStore(database)
    path = tmp_path / "story.txt"
    path.write_text("---\ntitle: Story\n---\nThe first version. It has two sentences.")
    sync_folder(store, tmp_path)
    path.write_text("---\ntitle: Story, corrected\n---\nThe second version. It has three. Really.")
    report = sync_folder(store, tmp_path)
    assert report.updated == ["story.txt"]
    docs = store.documents()
    assert len(docs) == 1 and docs[0][0].title == "Story, corrected" and docs[0][1] == 3
    assert [row.text for row in store.chunks()] == ["The second version.", "It has three.", "Really."]


def test_same_text_under_another_name_is_a_duplicate(database: Database, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Identical text.")
    (tmp_path / "b.txt").write_text("Identical text.\n")
    report = sync_folder(DocumentStore(database), tmp_path)
    assert report.added == ["a.txt"] and report.duplicates == ["b.txt"]
    assert counts(database)[0] == 1


def test_bad_files_are_reported_by_name_and_the_others_ingested(database: Database, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A good sentence.")
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9")
    report = sync_folder(DocumentStore(database), tmp_path)
    assert report.added == ["good.txt"]
    assert dict(report.errors) == {"empty.txt": "it has no text", "latin.txt": "it is not UTF-8 text"}


def test_chunks_keep_offsets_into_their_document(database: Database) -> None:
    sync_folder(DocumentStore(database), CORPUS)
    with database.session() as s:
        for doc in s.scalars(select(Document)):
            for chunk in doc.chunks:
                assert doc.text[chunk.start:chunk.end] == chunk.text


def test_deactivated_documents_are_not_quoted(database: Database) -> None:
    service = QAService(database)
    service.start(CORPUS)
    doc_id = service.answer("How many people were admitted to hospital?").passages[0].document.id
    assert service.store.set_active(doc_id, False) is not None
    service.rebuild()
    answer = service.answer("How many people were admitted to hospital?")
    assert all(p.document.id != doc_id for p in answer.passages)
    assert len(service.store.documents()) == 1 and len(service.store.documents(include_inactive=True)) == 2
    assert service.store.set_active(9999, True) is None


def test_add_reports_outcomes(database: Database) -> None:
    store = DocumentStore(database)
    record = parse_text("One. Two.", name="x.txt", source="upload:1")
    assert store.add(record).outcome is AddOutcome.ADDED
    assert store.add(record).outcome is AddOutcome.UNCHANGED
    other = parse_text("One. Two.", name="y.txt", source="upload:2")
    assert store.add(other).outcome is AddOutcome.DUPLICATE


def test_sqlite_data_directory_is_created_on_first_use(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'deep' / 'er' / 'bot.sqlite3'}")
    db.migrate()
    assert (tmp_path / "deep" / "er" / "bot.sqlite3").exists()


@pytest.mark.parametrize("url", ["nonsense://", "postgresql+nodriver://u:secret@127.0.0.1/x", "not a url"])
def test_broken_database_url_is_one_clear_error(url: str) -> None:
    with pytest.raises(DatabaseError) as info:
        Database(url).migrate()
    assert "secret" not in str(info.value) and "\n" not in str(info.value)


def test_seed_lines_shipped_later_are_taken_in_and_removed_ones_stay_removed(database: Database) -> None:
    store = SynonymStore(database)
    assert store.take_in(["raid = storm", "hurt = injured"]) == ["raid = storm", "hurt = injured"]
    assert store.take_in(["raid = storm", "hurt = injured"]) == []  # the next start: nothing new
    version = store.version()
    number = next(n for n, line in store.lines() if line == "raid = storm")
    store.remove(number)  # an admin removes a seed line
    store.add("fled = ran away", added_by="admin")  # and adds one by hand that a later release also ships
    shipped = ["raid = storm", "hurt = injured", "fled = ran away", "succeed = successor"]
    assert store.take_in(shipped) == ["succeed = successor"]
    assert [line for _, line in store.lines()] == ["hurt = injured", "fled = ran away", "succeed = successor"]
    assert store.version() != version  # other instances see the change
    assert store.take_in(shipped) == []


def test_a_database_seeded_before_seed_lines_were_recorded_gets_only_new_lines(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert

    from bot.storage.db import MIGRATIONS
    from bot.storage.models import Synonym

    db = Database(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")  # the schema of the release before
        now = dt.datetime.now(dt.timezone.utc)
        connection.execute(insert(Synonym.__table__), [
            {"line": "raid = storm", "added_by": "seed", "added_at": now},
            {"line": "toll = killed", "added_by": "admin", "added_at": now},
        ])
    db.migrate()
    store = SynonymStore(db)
    assert store.take_in(["raid = storm", "succeed = successor"]) == ["succeed = successor"]
    assert [line for _, line in store.lines()] == ["raid = storm", "toll = killed", "succeed = successor"]
    db.dispose()


def test_two_instances_starting_at_once_take_each_seed_line_in_once(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    Database(url).migrate()
    shipped = [f"word{i} = other{i}" for i in range(50)]
    barrier = threading.Barrier(2)
    results: list[list[str]] = []

    def start() -> None:
        db = Database(url)
        barrier.wait()
        results.append(SynonymStore(db).take_in(shipped))
        db.dispose()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(len(r) for r in results) == [0, 50]  # one took them in, the other found them taken
    db = Database(url)
    assert [line for _, line in SynonymStore(db).lines()] == shipped
    db.dispose()


def test_questions_the_database_could_not_take_are_logged_later_or_counted_lost(database: Database) -> None:
    """Finding 9: questions asked during a database outage were not logged at all."""
    import datetime as dt

    from bot.storage.questions import QuestionLog, QuestionReports

    log = QuestionLog(database, backlog=3)
    asked = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.timezone.utc)
    for i in range(5):
        log.keep_for_later(f"question {i}", chat_type="private", chat_id=1, user_id=1, answered=True,
                           top_chunk_id=None, top_score=None, latency_ms=1.0, asked_at=asked)
    assert (log.waiting, log.lost) == (3, 2)
    assert log.log_kept() == 3 and log.waiting == 0
    stats = QuestionReports(database).stats(now=asked)
    assert stats.total == 3 and stats.today == 3  # logged with the time they were asked
