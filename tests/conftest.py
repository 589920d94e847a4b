from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import QAService
from bot.storage import Database

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
RT_FILE = CORPUS / "rt-second-assault-on-atambayev-mansion.txt"
AFP_FILE = CORPUS / "officer-killed-in-koi-tash-raid.txt"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def seed_service() -> QAService:
    """The real corpus in an in-memory database, built once for the session."""
    service = QAService(Database.in_memory(), threshold=0.2, top_k=3)
    service.start(CORPUS)
    return service
