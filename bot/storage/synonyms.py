"""The synonym table's lines in the database: taken in from corpus/synonyms.txt, edited by admins.

Each start takes in the seed file's lines the database has never seen: a new database gets them all, an existing
one the lines shipped since. A seed line an admin removed has been seen, so it stays removed.

Every change bumps a counter in the same transaction, so other instances (and a saved index's users) see that
the table changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import SeedLine, Setting, Synonym
from bot.storage.questions import utcnow

VERSION = "synonyms_version"
SEEDED = "synonyms_seeded"  # the row instances lock while they take seed lines in (made by migration 0005)


class SynonymStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    def lines(self) -> list[tuple[int, str]]:
        """(number, line), in the order they were added."""
        with self.db.session() as session:
            return [(s.id, s.line) for s in session.scalars(select(Synonym).order_by(Synonym.id))]

    def version(self) -> str:
        with self.db.session() as session:
            setting = session.get(Setting, VERSION)
            return setting.value if setting else "0"

    def take_in(self, lines: Iterable[str]) -> list[str]:
        """Add the seed file's lines this database has never taken in (none that it already holds, as an admin may
        have added one by hand); the lines added, in file order."""
        lines = list(dict.fromkeys(lines))
        with self.db.session() as session:
            # One instance takes lines in at a time: the row is made by migration 0005, so none races to create it.
            session.get(Setting, SEEDED, with_for_update=True)
            seen = set(session.scalars(select(SeedLine.line)))
            fresh = [line for line in lines if line not in seen]
            if not fresh:
                return []
            held = set(session.scalars(select(Synonym.line)))
            added = [line for line in fresh if line not in held]
            now = utcnow()
            session.add_all(SeedLine(line=line, taken_at=now) for line in fresh)
            session.add_all(Synonym(line=line, added_by="seed", added_at=now) for line in added)
            if added:
                _bump(session)
            return added

    def add(self, line: str, *, added_by: str) -> int:
        with self.db.session() as session:
            synonym = Synonym(line=line, added_by=added_by, added_at=utcnow())
            session.add(synonym)
            session.flush()
            _bump(session)
            return synonym.id

    def remove(self, number: int) -> str | None:
        """The removed line, or None when there is no such number."""
        with self.db.session() as session:
            synonym = session.get(Synonym, number)
            if synonym is None:
                return None
            session.delete(synonym)
            _bump(session)
            return synonym.line


def _bump(session: object) -> None:
    setting = session.get(Setting, VERSION, with_for_update=True)  # type: ignore[attr-defined]
    if setting is None:
        session.add(Setting(key=VERSION, value="1", updated_at=utcnow()))  # type: ignore[attr-defined]
    else:
        setting.value, setting.updated_at = str(int(setting.value) + 1), utcnow()
