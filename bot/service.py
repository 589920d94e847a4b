"""The question-answering service shared by the command line and the Telegram bot.

It owns the database, keeps the corpus folder synced into it, and holds the
current knowledge base; `rebuild()` builds a new one beside the old and swaps
the reference in one step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.answering import Answer, Answerer
from bot.knowledge import KnowledgeBase
from bot.storage import Database, DocumentStore, SyncReport

Progress = Callable[[Iterable[Path]], Iterable[Path]]


class QAService:
    def __init__(self, database: Database, *, threshold: float, top_k: int = 3) -> None:
        self.database = database
        self.store = DocumentStore(database)
        self.threshold = threshold
        self.top_k = top_k
        self._answerer = Answerer(KnowledgeBase([], {}), threshold=threshold, top_k=top_k)
        self._rebuild_lock = threading.Lock()

    def start(self, corpus_dir: Path | None, *, progress: Progress | None = None) -> SyncReport | None:
        """Migrate, sync the corpus folder (if any) and build the index."""
        self.database.migrate()
        report = self.store.sync_folder(corpus_dir, progress=progress) if corpus_dir is not None else None
        self.rebuild()
        return report

    def rebuild(self) -> KnowledgeBase:
        """Build a fresh index from the database and swap it in; answering goes on meanwhile."""
        with self._rebuild_lock:
            knowledge = KnowledgeBase(self.store.active_chunks(), self.store.active_documents())
            self._answerer = Answerer(knowledge, threshold=self.threshold, top_k=self.top_k)
            return knowledge

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._answerer.knowledge

    def answer(self, question: str, top_k: int | None = None) -> Answer:
        return self._answerer.answer(question, top_k)
