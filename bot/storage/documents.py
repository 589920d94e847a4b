"""The document repository: add, replace, list, (de)activate, and sync a folder of files."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.chunking import chunk_text
from bot.corpus import DocumentError, DocumentRecord, list_files, read_file
from bot.knowledge import ChunkRow, DocumentRef
from bot.storage.db import Database
from bot.storage.models import Chunk, Document


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


@dataclass
class SyncReport:
    """What a folder sync did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def to_ref(doc: Document) -> DocumentRef:
    return DocumentRef(id=doc.id, title=doc.title, publisher=doc.publisher, date=doc.date, url=doc.url)


class DocumentStore:
    """All reads and writes of documents and chunks; each public method is one transaction."""

    def __init__(self, database: Database) -> None:
        self.db = database

    def add(self, record: DocumentRecord, *, added_by: str | None = None) -> AddResult:
        """Store a document and its chunks; a known source with new text replaces its old version."""
        chunks = chunk_text(record.text)
        if not chunks:
            raise DocumentError("it has no sentence that can be quoted")
        digest = record.content_hash
        with self.db.session() as session:
            same_text = session.scalar(select(Document).where(Document.content_hash == digest))
            if same_text is not None:
                if record.source is not None and same_text.source == record.source:
                    return AddResult(AddOutcome.UNCHANGED, same_text.id, len(same_text.chunks))
                return AddResult(AddOutcome.DUPLICATE, same_text.id, len(same_text.chunks))
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
                doc.chunks.clear()
                session.flush()
                outcome = AddOutcome.UPDATED
            doc.title, doc.publisher, doc.date, doc.url = record.title, record.publisher, record.date, record.url
            doc.text, doc.content_hash = record.text, digest
            doc.chunks.extend(Chunk(position=c.position, start=c.start, end=c.end, text=c.text) for c in chunks)
            session.flush()
            return AddResult(outcome, doc.id, len(chunks))

    def sync_folder(
        self,
        folder: Path,
        *,
        added_by: str = "corpus",
        progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    ) -> SyncReport:
        """Bring the database in line with the files of a folder; safe to run at every start."""
        return self.add_files(list_files(folder), added_by=added_by, progress=progress)

    def add_files(
        self,
        paths: Sequence[Path],
        *,
        added_by: str = "corpus",
        progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    ) -> SyncReport:
        report = SyncReport()
        for path in progress(paths) if progress else paths:
            try:
                result = self.add(read_file(path), added_by=added_by)
            except DocumentError as error:
                report.errors.append((path.name, str(error)))
                continue
            {
                AddOutcome.ADDED: report.added,
                AddOutcome.UPDATED: report.updated,
                AddOutcome.UNCHANGED: report.unchanged,
                AddOutcome.DUPLICATE: report.duplicates,
            }[result.outcome].append(path.name)
        return report

    def delete(self, document_id: int) -> None:
        with self.db.session() as session:
            doc = session.get(Document, document_id)
            if doc is not None:
                session.delete(doc)

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

    def active_chunks(self) -> Iterator[ChunkRow]:
        """Every chunk of every active document, in document and position order."""
        query = (
            select(Chunk.id, Chunk.document_id, Chunk.position, Chunk.text)
            .join(Document)
            .where(Document.active.is_(True))
            .order_by(Chunk.document_id, Chunk.position)
        )
        with self.db.session() as session:
            for row in session.execute(query).yield_per(10_000):
                yield ChunkRow(chunk_id=row.id, document_id=row.document_id, position=row.position, text=row.text)

    def active_documents(self) -> dict[int, DocumentRef]:
        with self.db.session() as session:
            docs = session.scalars(select(Document).where(Document.active.is_(True)))
            return {doc.id: to_ref(doc) for doc in docs}
