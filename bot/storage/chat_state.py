"""Conversation context and flood counts kept in the database, so that every instance sees the same ones.

Both are short-lived: a row carries its expiry in epoch seconds (the one clock all instances share) and is
ignored once past it; expired rows are deleted now and then. A flood count is updated by compare-and-set on a
version number, the same on SQLite and PostgreSQL, so two instances never both take a sender's last free slot.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from bot.storage.models import ConversationState, FloodState

PURGE_EVERY = 200  # writes between two deletions of expired rows
CAS_TRIES = 20


class ConversationStore:
    """Topics (as JSON text) by conversation key, each with its expiry."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = database
        self.clock = clock
        self._writes = 0

    def get(self, key: str) -> str | None:
        with self.db.session() as session:
            row = session.get(ConversationState, key)
            return row.topic if row is not None and row.expires_at > self.clock() else None

    def set(self, key: str, sender: str | None, topic: str, seconds: float) -> None:
        expires = self.clock() + seconds
        for _ in range(2):  # a concurrent first insert of the same key: the second try updates it
            try:
                with self.db.session() as session:
                    row = session.get(ConversationState, key)
                    if row is None:
                        session.add(ConversationState(key=key, sender=sender, topic=topic, expires_at=expires))
                    else:
                        row.topic, row.sender, row.expires_at = topic, sender, expires
                break
            except IntegrityError:
                continue
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            self.purge()

    def forget(self, sender: str) -> int:
        with self.db.session() as session:
            return int(session.execute(delete(ConversationState).where(ConversationState.sender == sender)).rowcount)

    def purge(self) -> int:
        with self.db.session() as session:
            gone = session.execute(delete(ConversationState).where(ConversationState.expires_at <= self.clock()))
            return int(gone.rowcount)


Judge = Callable[[list[float], bool], tuple[list[float], bool]]


class FloodStore:
    """Each sender's recent request times and whether they were told to slow down."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self._writes = 0

    def update(self, sender: int, judge: Judge, keep_seconds: float) -> None:
        """Apply `judge` (recent times, told -> new recent times, told) to the sender's row atomically: it is
        re-run on the fresh row when another instance changed it meanwhile."""
        for _ in range(CAS_TRIES):
            with self.db.session() as session:
                row = session.get(FloodState, sender)
                if row is None:
                    recent, told = judge([], False)
                    session.add(FloodState(sender=sender, recent=json.dumps(recent), told=told, version=1,
                                           expires_at=time.time() + keep_seconds))
                    try:
                        session.flush()
                    except IntegrityError:
                        session.rollback()
                        continue
                    return
                recent, told = judge(json.loads(row.recent), row.told)
                changed = session.execute(
                    update(FloodState).where(FloodState.sender == sender, FloodState.version == row.version)
                    .values(recent=json.dumps(recent), told=told, version=row.version + 1,
                            expires_at=time.time() + keep_seconds)
                    .execution_options(synchronize_session=False))
                if changed.rowcount == 1:
                    break
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            with self.db.session() as session:
                session.execute(delete(FloodState).where(FloodState.expires_at <= time.time()))

    def clear(self, sender: int) -> None:
        with self.db.session() as session:
            session.execute(delete(FloodState).where(FloodState.sender == sender))


