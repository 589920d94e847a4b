"""Admins (bootstrap ids plus those added by command) and settings persisted at run time."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Admin, Setting
from bot.storage.questions import utcnow


class AdminError(ValueError):
    """An admin change that is not allowed; the message says why."""


class AdminRegistry:
    """Who may run admin commands. Reads are served from memory; every change goes to the database first.

    A reload (the poller following other instances) and a change made here hold one lock from the database to
    memory: a list read before a change must not replace what the change made (a removed admin's rights back)."""

    def __init__(self, database: Database, bootstrap: Iterable[int]) -> None:
        self.db = database
        self.bootstrap = frozenset(bootstrap)
        self._stored: frozenset[int] = frozenset()
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            self._stored = self.stored()

    def stored(self) -> frozenset[int]:
        """The admins added by command, as the database holds them now."""
        with self.db.session() as session:
            return frozenset(session.scalars(select(Admin.user_id)))

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and (user_id in self.bootstrap or user_id in self._stored)

    def all(self) -> list[tuple[int, bool]]:
        """(user id, is bootstrap) for every admin, bootstrap first."""
        return [(u, True) for u in sorted(self.bootstrap)] + [(u, False) for u in sorted(self._stored - self.bootstrap)]

    def add(self, user_id: int, *, by: int) -> bool:
        """False when the user already is an admin."""
        with self._lock:
            if self.is_admin(user_id):
                return False
            with self.db.session() as session:
                session.add(Admin(user_id=user_id, added_by=by, added_at=utcnow()))
            self._stored = self._stored | {user_id}
            return True

    def remove(self, user_id: int) -> bool:
        """False when the user was not an admin; AdminError for a bootstrap admin."""
        if user_id in self.bootstrap:
            raise AdminError("a bootstrap admin (from ADMIN_IDS) can only be removed in the configuration")
        with self._lock:
            with self.db.session() as session:
                admin = session.get(Admin, user_id)
                if admin is None:
                    return False
                session.delete(admin)
            self._stored = self._stored - {user_id}
            return True


class SettingsStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    def get(self, key: str) -> str | None:
        with self.db.session() as session:
            setting = session.get(Setting, key)
            return setting.value if setting else None

    def set(self, key: str, value: str) -> None:
        with self.db.session() as session:
            setting = session.get(Setting, key)
            if setting is None:
                session.add(Setting(key=key, value=value, updated_at=utcnow()))
            else:
                setting.value, setting.updated_at = value, utcnow()
