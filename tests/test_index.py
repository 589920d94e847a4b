"""The index on disk and growing in place: saved after changes, loaded at start only when it matches."""

import shutil
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
