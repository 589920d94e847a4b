from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import QAService
from bot.storage import Database

from .pg import PostgresServer, postgres_server

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
RT_FILE = CORPUS / "rt-second-assault-on-atambayev-mansion.txt"
AFP_FILE = CORPUS / "officer-killed-in-koi-tash-raid.txt"


@pytest.fixture(scope="session", autouse=True)
def _data_outside_the_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every bot the tests start (in process or as a process) keeps its data in a temporary folder, never in the
    project's data/, which a later `make run` would find."""
    before = os.environ.get("DATA_DIR")
    os.environ["DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    yield
    if before is None:
        os.environ.pop("DATA_DIR", None)
    else:
        os.environ["DATA_DIR"] = before


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run; each test takes a fresh database on it."""
    try:
        server = postgres_server()
        started = server.__enter__()
    except (FileNotFoundError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        pytest.skip(f"no PostgreSQL server for these tests: {error} {detail.decode(errors='replace')[:200]}")
    try:
        yield started
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage test runs on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def seed_service() -> QAService:
    """The real corpus in an in-memory database, built once for the session."""
    service = QAService(Database.in_memory(), top_k=3, meaning=True)
    service.start(CORPUS)
    return service
