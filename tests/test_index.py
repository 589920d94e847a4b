"""The index on disk and growing in place: saved after changes, loaded at start only when it matches."""

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.corpus.documents import parse_pasted
from bot.service import QAService
from bot.storage import Database

from .conftest import CORPUS

QUESTION = "How many people were admitted to hospital?"


def service_on(url: str, index_dir: Path, corpus: Path = CORPUS) -> QAService:
    service = QAService(Database(url), index_dir=index_dir)
    service.start(corpus)
    return service


def test_a_restart_loads_the_saved_index_instead_of_rebuilding(database_url: str, tmp_path: Path) -> None:
    first = service_on(database_url, tmp_path / "index")
    assert not first.index.loaded_from_disk and (tmp_path / "index" / "manifest.json").exists()
    expected = first.answer(QUESTION).to_dict()
    second = service_on(database_url, tmp_path / "index")
    assert second.index.loaded_from_disk
    assert second.answer(QUESTION).to_dict() == expected
    assert len(second.knowledge) == len(first.knowledge)


def test_a_new_document_is_searchable_at_once_and_saved(database_url: str, tmp_path: Path) -> None:
    service = service_on(database_url, tmp_path / "index")
    before = service.knowledge
    result = service.add_document(parse_pasted("title: Court\nThe court extended the detention by two months."),
                                  added_by="test")
    assert service.knowledge.segments == before.segments + 1
    answer = service.answer("How long was the detention extended?")
    assert answer.answered and answer.passages[0].document.id == result.document_id
    assert "36 people" in service.answer(QUESTION).passages[0].quote  # the old segment still answers
    service.flush()
    restarted = service_on(database_url, tmp_path / "index")
    assert restarted.index.loaded_from_disk and restarted.knowledge.segments == before.segments + 1
    assert restarted.answer("How long was the detention extended?").passages[0].document.id == result.document_id
    rebuilt = QAService(Database(database_url))
    rebuilt.start(CORPUS)
    assert rebuilt.answer("How long was the detention extended?").passages[0].quote == answer.passages[0].quote


def test_removal_and_restore_need_no_reindexing(database_url: str, tmp_path: Path) -> None:
    service = service_on(database_url, tmp_path / "index")
    retriever = service.knowledge.retriever
    doc_id = service.answer(QUESTION).passages[0].document.id
    assert service.set_active(doc_id, False)
    assert service.knowledge.retriever is retriever
    assert all(p.document.id != doc_id for p in service.answer(QUESTION).passages)
    assert doc_id not in service.knowledge.documents
    restarted = service_on(database_url, tmp_path / "index")  # removal is read from the database at load
    assert restarted.index.loaded_from_disk and all(p.document.id != doc_id for p in restarted.answer(QUESTION).passages)
    assert service.set_active(doc_id, True)
    assert service.answer(QUESTION).passages[0].document.id == doc_id


@pytest.mark.parametrize("change", ["corpus", "damage", "other database"])
def test_a_stale_or_damaged_index_is_rebuilt(change: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in CORPUS.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    service_on(url, tmp_path / "index", corpus)
    if change == "corpus":
        (corpus / "extra.txt").write_text("A brand new report about the border.")
    elif change == "damage":
        (tmp_path / "index" / "segment-0.npz").write_bytes(b"not numpy")
    else:
        url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    again = service_on(url, tmp_path / "index", corpus)
    assert not again.index.loaded_from_disk
    assert "36 people" in again.answer(QUESTION).passages[0].quote


def test_a_synonym_added_by_command_applies_at_once_and_keeps_the_saved_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    service = service_on(url, tmp_path / "index")
    question = "Were there any fatalities?"
    assert not service.answer(question).answered
    number, line = service.add_synonym("fatalities = killed = died", added_by="test")
    assert line == "fatalities = killed = died"
    assert service.answer(question).answered  # at once, no re-indexing
    restarted = service_on(url, tmp_path / "index")
    assert restarted.index.loaded_from_disk and restarted.answer(question).answered  # kept in the database
    assert restarted.remove_synonym(number) == line and not restarted.answer(question).answered
    assert restarted.remove_synonym(number) is None
    with pytest.raises(ValueError, match="at least two"):
        restarted.add_synonym("toll", added_by="test")


def test_another_instance_follows_the_synonym_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    first, second = service_on(url, tmp_path / "a"), service_on(url, tmp_path / "b")
    first.add_synonym("fatalities = killed = died", added_by="test")
    assert not second.answer("Were there any fatalities?").answered
    assert second.refresh() is True and second.answer("Were there any fatalities?").answered
    assert second.refresh() is False


class CatchUp:
    """The poller's catch-up (`refresh` or the admins' reload, on one of the admins' threads) made to wait once it has read the
    database, while an admin's change runs on the other thread: what it read is then older than that change."""

    def __init__(self, catch_up: Callable[[], object]) -> None:
        self.catch_up = catch_up
        self.started, self.go = threading.Event(), threading.Event()

    def pausing(self, read: Callable[..., object]) -> Callable[..., object]:
        def pausing(*args: object, **kwargs: object) -> object:
            value = read(*args, **kwargs)
            if threading.current_thread().name == "catch-up":
                self.started.set()
                self.go.wait(10)
            return value
        return pausing

    def meanwhile(self, change: Callable[[], object]) -> None:
        catching_up = threading.Thread(target=self.catch_up, name="catch-up")
        changing = threading.Thread(target=change, name="admin")
        catching_up.start()
        assert self.started.wait(10)
        changing.start()
        changing.join(1)  # done already when the catch-up's read was made outside the lock
        self.go.set()
        catching_up.join(10)
        changing.join(10)
        assert not catching_up.is_alive() and not changing.is_alive()


def test_a_restore_during_a_catch_up_is_not_undone(tmp_path: Path) -> None:
    """A PostgreSQL run of the admin tests caught it: the catch-up read the removal, the admin restored the
    document, and the catch-up then applied what it had read, removing the document again until the next poll."""
    service = service_on(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "index")
    doc_id = service.answer(QUESTION).passages[0].document.id
    assert service.set_active(doc_id, False)
    catch_up = CatchUp(service.refresh)
    service.store.all_documents = catch_up.pausing(service.store.all_documents)  # type: ignore[method-assign]
    catch_up.meanwhile(lambda: service.set_active(doc_id, True))
    assert doc_id not in service.knowledge.inactive
    assert service.answer(QUESTION).passages[0].document.id == doc_id


def test_a_threshold_set_during_a_catch_up_is_not_undone(tmp_path: Path) -> None:
    service = service_on(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "index")
    service.set_threshold(0.99)
    catch_up = CatchUp(service.refresh)
    service.saved_settings.get = catch_up.pausing(service.saved_settings.get)  # type: ignore[method-assign]
    catch_up.meanwhile(lambda: service.set_threshold(0.2))
    assert service.threshold == 0.2 and service.answer(QUESTION).answered


@pytest.mark.parametrize("change", ["removed", "added"])
def test_an_admin_change_during_a_reload_is_not_undone(change: str, tmp_path: Path) -> None:
    """The admins' list read by the poller before an admin was removed must not give them their rights back."""
    service = service_on(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "index")
    admins = service.admins
    if change == "removed":
        admins.add(7, by=1)
    catch_up = CatchUp(admins.load)
    admins.stored = catch_up.pausing(admins.stored)  # type: ignore[method-assign]
    catch_up.meanwhile(lambda: admins.remove(7) if change == "removed" else admins.add(7, by=1))
    assert admins.is_admin(7) is (change == "added")
    admins.load()
    assert admins.is_admin(7) is (change == "added")


def test_a_synonym_line_shipped_in_a_new_release_reaches_an_existing_database(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    question = "Were there any fatalities?"
    assert not service_on(url, tmp_path / "index", corpus).answer(question).answered
    with (corpus / "synonyms.txt").open("a", encoding="utf-8") as seed:
        seed.write("\nfatalities = killed = died\n")  # the next release ships this line
    upgraded = service_on(url, tmp_path / "index", corpus)
    assert upgraded.answer(question).answered
    number = next(n for n, line in upgraded.synonyms.lines() if line == "fatalities = killed = died")
    upgraded.remove_synonym(number)  # an admin does not want it
    assert not service_on(url, tmp_path / "index", corpus).answer(question).answered  # and it stays removed
