"""The question-answering service shared by the command line and the Telegram bot.

It owns the database, keeps the corpus folder synced into it, and holds the
current knowledge base. Every change builds a new knowledge base beside the
current one and swaps the reference in one step, so questions never wait: a new
document is added as an index segment in milliseconds, a removal only changes
which rows may be quoted, and a full rebuild folds the segments together. The
index is saved to disk after each change and loaded at start when it matches
the database's content version.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot import index_files
from bot.answering import Answer, Answerer
from bot.corpus import DocumentRecord
from bot.knowledge import KnowledgeBase
from bot.storage import Database, DocumentStore, SyncReport
from bot.storage.admin import AdminRegistry, SettingsStore
from bot.storage.documents import AddOutcome, AddResult
from bot.storage.questions import QuestionLog, QuestionReports
from bot.synonyms import SynonymTable
from bot.textproc import STOP_WORDS, stem, words

Progress = Callable[[Iterable[Path]], Iterable[Path]]
log = logging.getLogger(__name__)
THRESHOLD_KEY = "decline_threshold"
MAX_SEGMENTS = 8  # beyond this many index segments, a full rebuild folds them together in the background


@dataclass(frozen=True)
class LoggedAnswer:
    """An answer and the id it was logged under (None when logging failed: answering never waits on it)."""

    answer: Answer
    question_id: int | None


class QAService:
    def __init__(
        self,
        database: Database,
        *,
        threshold: float,
        top_k: int = 3,
        admin_ids: frozenset[int] = frozenset(),
        index_dir: Path | None = None,
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
        self._write_lock = threading.RLock()
        self._save_lock = threading.Lock()
        self.corpus_dir: Path | None = None
        self.index_dir = index_dir
        self.index_version = ""
        self.loaded_from_disk = False
        self._saving: threading.Thread | None = None

    def start(self, corpus_dir: Path | None, *, progress: Progress | None = None) -> SyncReport | None:
        """Migrate, sync the corpus folder (if any) and build the index."""
        self.database.migrate()
        self.admins.load()
        saved = self.saved_settings.get(THRESHOLD_KEY)
        if saved is not None:
            self.threshold = float(saved)
        self.corpus_dir = corpus_dir
        report = self.store.sync_folder(corpus_dir, progress=progress) if corpus_dir is not None else None
        self.load_or_rebuild()
        return report

    def load_or_rebuild(self) -> KnowledgeBase:
        """The saved index when it matches the database's content version, a fresh one otherwise."""
        with self._write_lock:
            version = self.store.content_version()
            if self.index_dir is not None:
                documents, inactive = self.store.all_documents()
                knowledge = index_files.load(self.index_dir, version=version, documents=documents, inactive=inactive,
                                             synonyms=SynonymTable.load(self.corpus_dir))
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
            knowledge = KnowledgeBase(self.store.chunks(), documents, inactive=inactive,
                                      synonyms=SynonymTable.load(self.corpus_dir))
            self._swap(knowledge, version)
            self._save(knowledge, version)
            return knowledge

    def _swap(self, knowledge: KnowledgeBase, version: str) -> None:
        self._answerer = Answerer(knowledge, threshold=self.threshold, top_k=self.top_k)
        self.index_version = version

    def _save(self, knowledge: KnowledgeBase, version: str, *, background: bool = False) -> None:
        """Write the index to disk (in a thread when asked); a failure costs only a rebuild at next start."""
        if self.index_dir is None:
            return

        def write() -> None:
            with self._save_lock:
                if self.index_version != version:
                    return  # a newer index has replaced it; that one will be saved
                try:
                    index_files.save(knowledge, self.index_dir, version=version)  # type: ignore[arg-type]
                except OSError as error:
                    log.warning("could not save the index: %s", error)

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
        """Store a document and make it answerable at once (a new index segment); if it cannot be indexed,
        nothing is kept."""
        with self._write_lock:
            result = self.store.add(record, added_by=added_by)
            if result.outcome is AddOutcome.UPDATED:
                self.rebuild()
            elif result.outcome is AddOutcome.ADDED:
                try:
                    self._index_new(result.document_id)
                except Exception:
                    self.store.delete(result.document_id)
                    raise
            return result

    def _index_new(self, document_id: int) -> None:
        version = self.store.content_version()
        documents, _ = self.store.all_documents()
        knowledge = self.knowledge.extend(self.store.chunks(document_ids=[document_id]),
                                          {document_id: documents[document_id]})
        self._swap(knowledge, version)
        if knowledge.segments > MAX_SEGMENTS:
            threading.Thread(target=self.rebuild, name="fold-segments", daemon=True).start()
        else:
            self._save(knowledge, version, background=True)

    def refresh(self) -> bool:
        """Catch up with changes made through another instance on the same database: new documents are added
        as a segment, removals and restores applied, anything else rebuilt. True when something changed."""
        version = self.store.content_version()
        documents, inactive = self.store.all_documents()
        saved = self.saved_settings.get(THRESHOLD_KEY)
        with self._write_lock:
            current = self.knowledge
            changed = False
            if saved is not None and float(saved) != self.threshold:
                self.threshold = float(saved)
                self._swap(current, self.index_version)
                changed = True
            if version != self.index_version:
                new = sorted(d for d in documents if d not in current.all_documents)
                gone = [d for d in current.all_documents if d not in documents]
                steps = _counter(version) - _counter(self.index_version)
                if new and not gone and steps == len(new) and _same_database(version, self.index_version):
                    knowledge = current.extend(self.store.chunks(document_ids=new), {d: documents[d] for d in new})
                    self._swap(knowledge, version)
                    self._save(knowledge, version, background=True)
                else:
                    self.rebuild()
                current, changed = self.knowledge, True
            if inactive != set(current.inactive):
                self._swap(current.with_active(documents, inactive), self.index_version)
                changed = True
            return changed

    def set_active(self, document_id: int, active: bool) -> bool:
        """Stop or resume quoting a document (no re-indexing); False when there is no such document."""
        with self._write_lock:
            if self.store.set_active(document_id, active) is None:
                return False
            documents, inactive = self.store.all_documents()
            self._swap(self.knowledge.with_active(documents, inactive), self.index_version)
            return True

    def set_threshold(self, value: float) -> None:
        """Store and apply a new decline threshold. Under the write lock, like every swap: otherwise a document
        added meanwhile would be dropped from answering by a swap that read the knowledge base before it."""
        if not 0.0 <= value <= 1.0:
            raise ValueError("the threshold is a number from 0 to 1")
        with self._write_lock:
            self.saved_settings.set(THRESHOLD_KEY, repr(value))
            self.threshold = value
            self._swap(self.knowledge, self.index_version)

    def suggest_question(self, document_id: int) -> str | None:
        """A question that the given document now answers first, to show an admin what was added."""
        knowledge = self.knowledge
        idf, vocabulary = knowledge.retriever.idf_, knowledge.retriever.vocabulary_
        candidates = []
        for row in knowledge.chunks_of(document_id):
            order = [w for w in dict.fromkeys(words(row.text)) if w not in STOP_WORDS and not w.isdigit() and len(w) > 2]
            weight = {w: float(idf[vocabulary[stem(w)]]) if stem(w) in vocabulary else 0.0 for w in order}
            top = sorted(order, key=lambda w: -weight[w])[:3]
            if len(top) >= 2:
                candidates.append((sum(weight[w] for w in top), [w for w in order if w in top], row))
        for _, top_words, _row in sorted(candidates, key=lambda c: -c[0]):
            question = " ".join(top_words)  # in the sentence's own word order
            answer = self._answerer.answer(question)
            if answer.answered and answer.passages[0].document.id == document_id:
                return question
        return None


def _counter(version: str) -> int:
    return int(version.rsplit(":", 1)[-1]) if version and version.rsplit(":", 1)[-1].isdigit() else -1


def _same_database(a: str, b: str) -> bool:
    return a.split(":", 1)[0] == b.split(":", 1)[0]
