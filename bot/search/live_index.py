"""The index's life cycle: the knowledge base the bot answers from, kept in step with the database.

Every change builds a new knowledge base beside the current one and swaps the reference in one step under
one write lock, so questions never wait and never see half an index: a new document becomes an index segment
in milliseconds, a removal only changes which rows may be quoted, and a full rebuild folds the segments
together. The index is saved to disk after each change and loaded at start when it matches the database's
content version; another instance's changes are caught up with by `refresh`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from bot.corpus.documents import DocumentRecord
from bot.corpus.records import ChunkSpan, ContentVersion
from bot.search import KnowledgeBase, SynonymTable
from bot.search import index_files
from bot.storage import DocumentStore
from bot.storage.documents import AddOutcome, AddResult
from bot.storage.synonyms import SynonymStore

log = logging.getLogger(__name__)
MAX_SEGMENTS = 8  # beyond this many index segments, a full rebuild folds them together in the background


class LiveIndex:
    def __init__(self, store: DocumentStore, synonyms: SynonymStore, *, index_dir: Path | None = None) -> None:
        self.store = store
        self.synonym_lines = synonyms
        self.synonyms_version = ""
        self.index_dir = index_dir
        self.version: ContentVersion | None = None
        self.loaded_from_disk = False
        self._knowledge = KnowledgeBase.build([], {})
        self._write_lock = threading.RLock()
        self._save_lock = threading.Lock()
        self._saving: threading.Thread | None = None

    @property
    def knowledge(self) -> KnowledgeBase:
        """The current knowledge base (a reference read once per question: it is never changed in place)."""
        return self._knowledge

    def _synonyms(self) -> SynonymTable:
        """The synonym table as the database holds it now (read whenever a knowledge base is made)."""
        self.synonyms_version = self.synonym_lines.version()
        return SynonymTable.parse(line for _, line in self.synonym_lines.lines())

    def apply_synonyms(self) -> None:
        """Answer with the synonym table as the database holds it now: the same index, other query expansions
        (no re-indexing, milliseconds)."""
        with self._write_lock:
            current = self.knowledge
            knowledge = KnowledgeBase(current.table, current.retriever, current.all_documents,
                                                 synonyms=self._synonyms(), inactive=current.inactive,
                                                 surface=current.surface, shapes=current.shapes)
            self._swap(knowledge, self.version)

    def load_or_rebuild(self) -> KnowledgeBase:
        """The saved index when it matches the database's content version, a fresh one otherwise."""
        with self._write_lock:
            version = self.store.content_version()
            if self.index_dir is not None:
                documents, inactive = self.store.all_documents()
                knowledge = index_files.load(self.index_dir, version=str(version), documents=documents,
                                             inactive=inactive, synonyms=self._synonyms())
                if knowledge is not None:
                    self._swap(knowledge, version)
                    self.loaded_from_disk = True
                    return knowledge
            return self.rebuild()

    def rebuild(self) -> KnowledgeBase:
        """Build a fresh index from the database beside the current one and swap it in; answering goes on."""
        with self._write_lock:
            version = self.store.content_version()
            documents, inactive = self.store.all_documents()
            knowledge = KnowledgeBase.build(self.store.chunks(), documents, inactive=inactive,
                                            synonyms=self._synonyms())
            self._swap(knowledge, version)
            self._save(knowledge, version)
            return knowledge

    def add(self, record: DocumentRecord, *, added_by: str, chunks: Sequence[ChunkSpan] | None = None) -> AddResult:
        """Store a document and make it answerable at once (a new index segment); if it cannot be indexed,
        nothing is kept. `chunks`, when given, are the text's sentences (split where the text was read)."""
        with self._write_lock:
            result = self.store.add(record, added_by=added_by, chunks=chunks)
            if result.outcome is AddOutcome.UPDATED:
                self.rebuild()
            elif result.outcome is AddOutcome.ADDED:
                try:
                    self._index_new([result.document_id])
                except Exception:
                    self.store.delete(result.document_id)
                    raise
            return result

    def _index_new(self, document_ids: list[int]) -> None:
        version = self.store.content_version()
        documents, _ = self.store.all_documents()
        knowledge = self.knowledge.extend(self.store.chunks(document_ids=document_ids),
                                          {d: documents[d] for d in document_ids})
        self._swap(knowledge, version)
        if knowledge.segments > MAX_SEGMENTS:
            threading.Thread(target=self.rebuild, name="fold-segments", daemon=True).start()
        else:
            self._save(knowledge, version, background=True)

    def set_active(self, document_id: int, active: bool) -> bool:
        """Stop or resume quoting a document (no re-indexing); False when there is no such document."""
        with self._write_lock:
            if self.store.set_active(document_id, active) is None:
                return False
            documents, inactive = self.store.all_documents()
            self._swap(self.knowledge.with_active(documents, inactive), self.version)
            return True

    def refresh(self) -> bool:
        """Catch up with changes made through another instance on the same database: new documents are added
        as a segment, removals and restores applied, anything else rebuilt. True when something changed.

        The database is read under the write lock: a state read before it could be older than what a removal or
        restore made meanwhile (on the admins' other thread), and applying it would undo that change."""
        with self._write_lock:
            version = self.store.content_version()
            documents, inactive = self.store.all_documents()
            synonyms_version = self.synonym_lines.version()
            current = self.knowledge
            changed = False
            if synonyms_version != self.synonyms_version:
                self.apply_synonyms()
                current, changed = self.knowledge, True
            if version != self.version:
                new = sorted(d for d in documents if d not in current.all_documents)
                gone = [d for d in current.all_documents if d not in documents]
                if new and not gone and version.steps_since(self.version) == len(new):
                    self._index_new(new)
                else:
                    self.rebuild()
                current, changed = self.knowledge, True
            if inactive != set(current.inactive):
                self._swap(current.with_active(documents, inactive), self.version)
                changed = True
            return changed

    def _swap(self, knowledge: KnowledgeBase, version: ContentVersion | None) -> None:
        self._knowledge = knowledge
        self.version = version

    def _save(self, knowledge: KnowledgeBase, version: ContentVersion, *, background: bool = False) -> None:
        """Write the index to disk (in a thread when asked); a failure costs only a rebuild at next start."""
        folder = self.index_dir
        if folder is None:
            return

        def write() -> None:
            with self._save_lock:
                if self.version != version:
                    return  # a newer index has replaced it; that one will be saved
                try:
                    index_files.save(knowledge, folder, version=str(version))
                except Exception as error:  # noqa: BLE001 - a full disk costs a rebuild at the next start, no more
                    log.warning("could not save the index (it will be rebuilt at the next start): %s: %s",
                                type(error).__name__, error)

        if background:
            self._saving = threading.Thread(target=write, name="save-index", daemon=True)
            self._saving.start()
        else:
            write()

    def flush(self) -> None:
        """Wait for an index save in progress (at shutdown, and in tests)."""
        saving = self._saving
        if saving is not None:
            saving.join()
