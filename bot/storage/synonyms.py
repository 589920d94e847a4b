"""The synonym table's lines in the database: seeded once from corpus/synonyms.txt, then edited by admins.

Every change bumps a counter in the same transaction, so other instances (and a saved index's users) see that
the table changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Setting, Synonym
from bot.storage.questions import utcnow

VERSION = "synonyms_version"
SEEDED = "synonyms_seeded"


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

    def seed(self, lines: Iterable[str]) -> bool:
        """Fill the table from the seed file's lines, once in the database's life; False when already seeded."""
        with self.db.session() as session:
            if session.get(Setting, SEEDED, with_for_update=True) is not None:
                return False
            session.add(Setting(key=SEEDED, value="1", updated_at=utcnow()))
            session.add_all(Synonym(line=line, added_by="seed", added_at=utcnow()) for line in lines)
            _bump(session)
            return True

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
