"""The engine, sessions and migrations for whichever database `DATABASE_URL` names."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.storage.gate import Gate

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(RuntimeError):
    """The database cannot be opened or used; the message is one line for a person."""


@dataclass(frozen=True)
class Timeouts:
    """How long the database may take (DATABASE_* settings): to connect and for one statement (PostgreSQL; a
    statement over it is cancelled by the server), for a lock held by another process (SQLite's busy timeout), and
    how long a reply waits for it before going on without it (`wait`: `Gate`)."""

    connect: float = 5.0
    statement: float = 10.0
    busy: float = 5.0
    wait: float = 0.5


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; WAL so readers never wait on the writer; fsync at checkpoints, not every commit. (The busy
    timeout is the driver's `timeout`, set from SQLITE_BUSY_TIMEOUT_SECONDS.)"""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _userinfo(url: str) -> tuple[str, str, str] | None:
    """(scheme, user name and password, the rest) of a URL with credentials, split by text, not by parsing:
    a password with a raw '@' or '/' misleads a URL parser into showing part of it as the host."""
    scheme, sep, rest = url.partition("://")
    at = rest.rfind("@")
    if not sep or at == -1:
        return None
    return scheme, rest[:at], rest[at + 1:]


def redact(url: str) -> str:
    """The URL for a message or a log line: the password replaced by ***, whatever characters it holds."""
    parts = _userinfo(url)
    if parts is None:
        return url
    scheme, userinfo, rest = parts
    user = userinfo.split(":", 1)[0] if ":" in userinfo else userinfo
    return f"{scheme}://{user}:***@{rest}" if ":" in userinfo else f"{scheme}://{user}@{rest}"


def _check_credentials(url: str) -> None:
    parts = _userinfo(url)
    if parts is not None and any(ch in parts[1] for ch in "@/?#"):
        raise DatabaseError(f"DATABASE_URL {redact(url)!r}: the user name or password holds a raw @ / ? or #; "
                            "percent-encode it (@ is %40, / is %2F, ? is %3F, # is %23)")


class Database:
    """One engine and its session factory; `migrate()` brings the schema to the newest revision; `gate` is how the
    bot's front end reaches it without waiting on it for long."""

    def __init__(self, url: str, *, timeouts: Timeouts = Timeouts()) -> None:
        self.url = url
        self.timeouts = timeouts
        self.gate = Gate()
        _check_credentials(url)
        try:
            parsed = make_url(url)
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            self._shared_connection = False
            if parsed.get_backend_name() == "sqlite":
                if parsed.database in (None, "", ":memory:"):
                    kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
                    self._shared_connection = True
                else:
                    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                    kwargs["connect_args"] = {"check_same_thread": False, "timeout": timeouts.busy}
            elif parsed.get_backend_name() == "postgresql":
                kwargs["connect_args"] = {
                    "connect_timeout": max(1, math.ceil(timeouts.connect)),
                    "options": f"-c statement_timeout={int(timeouts.statement * 1000)}",
                }
                kwargs["pool_timeout"] = timeouts.connect  # waiting for a free connection of the pool
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (exc.ArgumentError, exc.NoSuchModuleError, ValueError) as error:
            raise DatabaseError(f"DATABASE_URL {redact(url)!r} is not usable: {error}") from error
        except ImportError as error:
            raise DatabaseError(f"DATABASE_URL {redact(url)!r} needs a driver that is not installed: {error}") from error
        except OSError as error:
            raise DatabaseError(f"cannot create the folder for {redact(url)!r}: {error}") from error
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._turns = threading.RLock()

    @classmethod
    def in_memory(cls) -> Database:
        return cls("sqlite://")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error. An in-memory database is one
        connection, so its units of work take turns."""
        with self._turns if self._shared_connection else nullcontext():
            with self.sessions.begin() as session:
                yield session

    def migrate(self) -> None:
        """Apply every Alembic migration not yet applied (idempotent)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                if self.engine.dialect.name == "postgresql":  # a migration may take longer than one statement may
                    connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except exc.SQLAlchemyError as error:
            raise DatabaseError(f"cannot open the database {redact(self.url)!r}: {_first_line(error)}") from error

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
