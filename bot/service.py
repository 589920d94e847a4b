"""The question-answering service shared by the command line and the Telegram bot.

It owns the database, keeps the corpus folder synced into it, and holds the
current knowledge base; `rebuild()` builds a new one beside the old and swaps
the reference in one step.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.answering import Answer, Answerer
from bot.textproc import STOP_WORDS, stem, words
from bot.knowledge import KnowledgeBase
from bot.storage import Database, DocumentStore, SyncReport
from bot.corpus import DocumentRecord
from bot.storage.admin import AdminRegistry, SettingsStore
from bot.storage.documents import AddOutcome, AddResult
from bot.storage.questions import QuestionLog, QuestionReports
from bot.synonyms import SynonymTable

Progress = Callable[[Iterable[Path]], Iterable[Path]]
log = logging.getLogger(__name__)
THRESHOLD_KEY = "decline_threshold"


@dataclass(frozen=True)
class LoggedAnswer:
    """An answer and the id it was logged under (None when logging failed: answering never waits on it)."""

    answer: Answer
    question_id: int | None


class QAService:
    def __init__(
        self, database: Database, *, threshold: float, top_k: int = 3, admin_ids: frozenset[int] = frozenset()
    ) -> None:
        self.database = database
        self.store = DocumentStore(database)
        self.questions = QuestionLog(database)
        self.reports = QuestionReports(database)
        self.admins = AdminRegistry(database, admin_ids)
        self.saved_settings = SettingsStore(database)
        self.threshold = threshold
        self.top_k = top_k
        self._answerer = Answerer(KnowledgeBase([], {}), threshold=threshold, top_k=top_k)
        self._rebuild_lock = threading.Lock()
        self.corpus_dir: Path | None = None

    def start(self, corpus_dir: Path | None, *, progress: Progress | None = None) -> SyncReport | None:
        """Migrate, sync the corpus folder (if any) and build the index."""
        self.database.migrate()
        self.admins.load()
        saved = self.saved_settings.get(THRESHOLD_KEY)
        if saved is not None:
            self.threshold = float(saved)
        self.corpus_dir = corpus_dir
        report = self.store.sync_folder(corpus_dir, progress=progress) if corpus_dir is not None else None
        self.rebuild()
        return report

    def rebuild(self) -> KnowledgeBase:
        """Build a fresh index from the database and swap it in; answering goes on meanwhile."""
        with self._rebuild_lock:
            knowledge = KnowledgeBase(
                self.store.active_chunks(), self.store.active_documents(), synonyms=SynonymTable.load(self.corpus_dir)
            )
            self._answerer = Answerer(knowledge, threshold=self.threshold, top_k=self.top_k)
            return knowledge

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._answerer.knowledge

    def answer(self, question: str, top_k: int | None = None) -> Answer:
        return self._answerer.answer(question, top_k)

    def ask(
        self, question: str, *, chat_type: str = "private", chat_id: int | None = None, user_id: int | None = None
    ) -> LoggedAnswer:
        """Answer and log the question; a logging failure is logged and never blocks the answer."""
        started = time.perf_counter()
        answer = self.answer(question)
        latency_ms = (time.perf_counter() - started) * 1000
        best = answer.passages[0] if answer.passages else None
        try:
            question_id: int | None = self.questions.record(
                answer.question, chat_type=chat_type, chat_id=chat_id, user_id=user_id, answered=answer.answered,
                top_chunk_id=best.chunk_id if best else None, top_score=best.score if best else None,
                latency_ms=latency_ms,
            )
        except SQLAlchemyError as error:
            log.warning("could not log a question: %s", type(error).__name__)
            question_id = None
        return LoggedAnswer(answer, question_id)

    def add_document(self, record: DocumentRecord, *, added_by: str) -> AddResult:
        """Store a document and make it answerable at once; if the index cannot be rebuilt, nothing is kept."""
        result = self.store.add(record, added_by=added_by)
        if result.outcome in (AddOutcome.ADDED, AddOutcome.UPDATED):
            try:
                self.rebuild()
            except Exception:
                self.store.delete(result.document_id)
                raise
        return result

    def set_active(self, document_id: int, active: bool) -> bool:
        """Stop or resume quoting a document; False when there is no such document."""
        if self.store.set_active(document_id, active) is None:
            return False
        self.rebuild()
        return True

    def set_threshold(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError("the threshold is a number from 0 to 1")
        self.saved_settings.set(THRESHOLD_KEY, repr(value))
        self.threshold = value
        self._answerer = Answerer(self.knowledge, threshold=value, top_k=self.top_k)

    def suggest_question(self, document_id: int) -> str | None:
        """A question that the given document now answers first, to show an admin what was added."""
        knowledge = self.knowledge
        rows = [r for r in knowledge.chunks_of(document_id)]
        idf, vocabulary = knowledge.retriever.idf_, knowledge.retriever.vocabulary_
        candidates = []
        for row in rows:
            tokens = [w for w in dict.fromkeys(words(row.text)) if w not in STOP_WORDS and not w.isdigit() and len(w) > 2]
            weighted = sorted(tokens, key=lambda w: -float(idf[vocabulary[stem(w)]]) if stem(w) in vocabulary else 0)
            if len(weighted) >= 2:
                candidates.append((sum(float(idf[vocabulary[stem(w)]]) for w in weighted[:3] if stem(w) in vocabulary), weighted[:3], row))
        for _, top_words, row in sorted(candidates, key=lambda c: -c[0]):
            question = " ".join(sorted(top_words, key=lambda w: words(row.text).index(w)))
            answer = self._answerer.answer(question)
            if answer.answered and answer.passages[0].document.id == document_id:
                return question
        return None
