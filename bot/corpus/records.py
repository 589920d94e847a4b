"""Record types that storage, search and the front ends share: documents, chunks and the corpus version.

They live in the lowest stage, so that storage can use them without importing the search stack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


# Row ids are INTEGER columns: 32-bit signed on PostgreSQL. A number above this, from a button or a command, names
# no row; it is refused before any query (PostgreSQL would raise "integer out of range" rather than find nothing).
MAX_ROW_ID = 2**31 - 1


@dataclass(frozen=True)
class DocumentRef:
    """What a reply says about a source."""

    id: int
    title: str
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The source as `ask --json` shows it."""
        return {"id": self.id, "title": self.title, "publisher": self.publisher,
                "date": self.date.isoformat() if self.date else None, "url": self.url}


@dataclass(frozen=True)
class ChunkSpan:
    """One quotable sentence of a document's text: `text == document[start:end]`."""

    position: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ChunkRow:
    """A stored chunk: its id, its document and its place in it."""

    chunk_id: int
    document_id: int
    position: int
    text: str


@dataclass(frozen=True)
class ContentVersion:
    """Which database and how many content changes it has seen: what a saved index or another instance compares.

    Written as `database:changes` in the saved index's manifest."""

    database: str
    changes: int

    def __str__(self) -> str:
        return f"{self.database}:{self.changes}"

    @classmethod
    def parse(cls, text: str) -> ContentVersion | None:
        database, _, changes = text.rpartition(":")
        return cls(database, int(changes)) if database and changes.isdigit() else None

    def steps_since(self, earlier: ContentVersion | None) -> int | None:
        """How many changes were made after `earlier` (None when it is another database or unknown)."""
        if earlier is None or earlier.database != self.database:
            return None
        return self.changes - earlier.changes
