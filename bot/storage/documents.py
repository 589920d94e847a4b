"""The document repository: add, replace, list, (de)activate; each public method one transaction."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.corpus.chunking import chunk_text
from bot.corpus.documents import DocumentError, DocumentRecord
from bot.corpus.records import ChunkRow, ChunkSpan, ContentVersion, DocumentRef
from bot.storage.db import Database
from bot.storage.models import Chunk, Document, Setting
from bot.storage.questions import utcnow

CONTENT_VERSION = "content_version"
DATABASE_ID = "database_id"


def bump_content_version(session: Session) -> None:
    """Every change to what is indexed moves this counter, in the same transaction; a saved index or another
    instance compares it with the version it was built from."""
    setting = session.get(Setting, CONTENT_VERSION, with_for_update=True)
    if setting is None:
        session.add(Setting(key=CONTENT_VERSION, value="1", updated_at=utcnow()))
    else:
        setting.value, setting.updated_at = str(int(setting.value) + 1), utcnow()


class AddOutcome(enum.Enum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class AddResult:
    outcome: AddOutcome
    document_id: int
    sentences: int


def to_ref(doc: Document) -> DocumentRef:
    return DocumentRef(id=doc.id, title=doc.title, publisher=doc.publisher, date=doc.date, url=doc.url)


class DocumentStore:
    """All reads and writes of documents and chunks; each public method is one transaction."""

    def __init__(self, database: Database) -> None:
        self.db = database

    def add(
        self, record: DocumentRecord, *, added_by: str | None = None, chunks: Sequence[ChunkSpan] | None = None
    ) -> AddResult:
        """Store a document and its chunks in one transaction; a known source with new text replaces its old
        version; the same text again is reported, not stored. `chunks`, when given, are the text's chunks."""
        digest = record.content_hash
        with self.db.session() as session:
            same_text = session.execute(
                select(Document.id, Document.source).where(Document.content_hash == digest)
            ).first()
            if same_text is not None:
                count = session.scalar(select(func.count(Chunk.id)).where(Chunk.document_id == same_text.id)) or 0
                unchanged = record.source is not None and same_text.source == record.source
                return AddResult(AddOutcome.UNCHANGED if unchanged else AddOutcome.DUPLICATE, same_text.id, count)
            chunks = list(chunks) if chunks is not None else chunk_text(record.text)
            if not chunks:
                raise DocumentError("it has no sentence that can be quoted")
            existing = None
            if record.source is not None:
                existing = session.scalar(
                    select(Document).where(Document.source == record.source).order_by(Document.id.desc()).limit(1)
                )
            if existing is None:
                doc = Document(source=record.source, added_by=added_by, active=True)
                session.add(doc)
                outcome = AddOutcome.ADDED
            else:
                doc = existing
                outcome = AddOutcome.UPDATED
            doc.title, doc.publisher, doc.date, doc.url = record.title, record.publisher, record.date, record.url
            doc.text, doc.content_hash = record.text, digest
            session.flush()
            if outcome is AddOutcome.UPDATED:
                session.execute(delete(Chunk).where(Chunk.document_id == doc.id))
            session.execute(
                insert(Chunk),
                [{"document_id": doc.id, "position": c.position, "start": c.start, "end": c.end, "text": c.text}
                 for c in chunks],
            )
            bump_content_version(session)
            return AddResult(outcome, doc.id, len(chunks))

    def known_hashes(self, digests: Iterable[str]) -> set[str]:
        wanted = list(set(digests))
        found: set[str] = set()
        with self.db.session() as session:
            for start in range(0, len(wanted), 500):
                found.update(session.scalars(
                    select(Document.content_hash).where(Document.content_hash.in_(wanted[start: start + 500]))
                ))
        return found

    def find_by_url(self, url: str) -> int | None:
        """The id of a document added from this address, if any."""
        with self.db.session() as session:
            return session.scalar(select(Document.id).where(Document.url == url).order_by(Document.id).limit(1))

    def delete(self, document_id: int) -> None:
        with self.db.session() as session:
            doc = session.get(Document, document_id)
            if doc is not None:
                session.delete(doc)
                bump_content_version(session)

    def set_active(self, document_id: int, active: bool) -> DocumentRef | None:
        with self.db.session() as session:
            doc = session.get(Document, document_id)
            if doc is None:
                return None
            doc.active = active
            return to_ref(doc)

    def documents(self, *, include_inactive: bool = False) -> list[tuple[DocumentRef, int, bool]]:
        """(document, number of sentences, active) for each document, oldest first."""
        query = (
            select(Document, func.count(Chunk.id))
            .outerjoin(Chunk)
            .group_by(Document.id)
            .order_by(Document.id)
        )
        if not include_inactive:
            query = query.where(Document.active.is_(True))
        with self.db.session() as session:
            return [(to_ref(doc), count, doc.active) for doc, count in session.execute(query)]

    def content_version(self) -> ContentVersion:
        """This database's identity and the count of its content changes: what a saved index must match."""
        with self.db.session() as session:
            identity = session.get(Setting, DATABASE_ID)
            if identity is None:
                identity = Setting(key=DATABASE_ID, value=uuid.uuid4().hex, updated_at=utcnow())
                session.add(identity)
            setting = session.get(Setting, CONTENT_VERSION)
            return ContentVersion(identity.value, int(setting.value) if setting else 0)

    def chunks(self, *, document_ids: Iterable[int] | None = None) -> Iterator[ChunkRow]:
        """Every chunk (of the given documents, or of all), in document and position order."""
        query = select(Chunk.id, Chunk.document_id, Chunk.position, Chunk.text).order_by(
            Chunk.document_id, Chunk.position
        )
        if document_ids is not None:
            query = query.where(Chunk.document_id.in_(list(document_ids)))
        with self.db.session() as session:
            for row in session.execute(query).yield_per(20_000):
                yield ChunkRow(chunk_id=row.id, document_id=row.document_id, position=row.position, text=row.text)

    def all_documents(self) -> tuple[dict[int, DocumentRef], set[int]]:
        """Every document's reference (not its text), and the ids of those removed from quoting."""
        query = select(Document.id, Document.title, Document.publisher, Document.date, Document.url, Document.active)
        with self.db.session() as session:
            rows = session.execute(query).all()
        documents = {r.id: DocumentRef(id=r.id, title=r.title, publisher=r.publisher, date=r.date, url=r.url)
                     for r in rows}
        return documents, {r.id for r in rows if not r.active}
