"""Bringing files into the document store: a folder synced at every start, or files named on the command line.

Files whose text is already stored cost only a hash; the others are split into sentences on every core at once
(`chunk_many`), then stored one transaction each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.corpus.chunking import chunk_many
from bot.corpus.documents import DocumentError, DocumentRecord, list_files, read_file
from bot.storage.documents import AddOutcome, DocumentStore


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


def sync_folder(
    store: DocumentStore,
    folder: Path,
    *,
    added_by: str = "corpus",
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> SyncReport:
    """Bring the database in line with the files of a folder; safe to run at every start."""
    return add_files(store, list_files(folder), added_by=added_by, progress=progress)


def add_files(
    store: DocumentStore,
    paths: Sequence[Path],
    *,
    added_by: str = "corpus",
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> SyncReport:
    """Add or update documents from files. Files whose text is already stored cost only a hash; the others
    are split into sentences on every core at once, then stored one transaction each."""
    report = SyncReport()
    records: list[tuple[Path, DocumentRecord]] = []
    for path in paths:
        try:
            records.append((path, read_file(path)))
        except DocumentError as error:
            report.errors.append((path.name, str(error)))
    known = store.known_hashes(r.content_hash for _, r in records)
    fresh = [(p, r) for p, r in records if r.content_hash not in known]
    outcomes = [(p, r, None) for p, r in records if r.content_hash in known]
    chunked = chunk_many([r.text for _, r in fresh])
    pending = ((p, r, c) for (p, r), c in zip(fresh, chunked))
    for path, record, chunks in [*outcomes, *(progress(pending) if progress else pending)]:
        try:
            result = store.add(record, added_by=added_by, chunks=chunks)
        except DocumentError as error:
            report.errors.append((path.name, str(error)))
            continue
        {
            AddOutcome.ADDED: report.added,
            AddOutcome.UPDATED: report.updated,
            AddOutcome.UNCHANGED: report.unchanged,
            AddOutcome.DUPLICATE: report.duplicates,
        }[result.outcome].append(path.name)
    report.errors.sort()
    return report
