"""The question-answering service: the one face every front end (command line, terminal chat, Telegram) calls.

Every kind of reply is one call: a question (`answer`, `ask`, and `answer_in_context` for the readings a
conversation gives a question), a brief (`brief`, `ask_brief`, given a parsed `BriefRequest`), the timeline, a question
about sequence (given a parsed `SequenceQuestion`), what happened next after a quote (`next_after`), More (`more`),
the sources of quotes, the context of a quote, a vote. What a message asks for is read in `bot.chat`, which calls
here and never below; the service never calls back up.

It owns the database's repositories and the live index (`LiveIndex`), keeps the corpus folder synced into the
database, and answers, logs and suggests. Front ends call its operations (and the admin ones: add, remove,
restore, reindex, set_threshold, synonyms) rather than the repositories behind them.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from sqlalchemy.exc import SQLAlchemyError

from bot.answers import chronology
from bot.answers import model as answer_model
from bot.answers.answering import Answer, Answerer, Passage
from bot.answers.brief import Brief, BriefRequest, make_brief
from bot.answers.chronology import Event, SequenceQuestion
from bot.answers.in_context import Reading, Record, answer_readings, shared_chooser
from bot.answers.sources import Comparison, compare
from bot.corpus.documents import DocumentRecord
from bot.corpus.records import ChunkRow, ChunkSpan, DocumentRef
from bot.search import KnowledgeBase, SynonymTable, commonness
from bot.search.encoder import shared_load
from bot.search.live_index import LiveIndex
from bot.search.loanwords import LoanwordTable
from bot.search.meaning import Vectors
from bot.search.synonyms import FILE_NAME as SYNONYMS_FILE
from bot.search.textproc import STOP_WORDS, words
from bot.storage import Database, DocumentStore
from bot.storage.admin import AdminRegistry, SettingsStore
from bot.storage.documents import AddResult
from bot.storage.questions import BACKLOG, QuestionLog, QuestionReports, Stats, VoteResult, utcnow
from bot.storage.sync import SyncReport, sync_folder
from bot.storage.synonyms import SynonymStore

Progress = Callable[[Iterable[Path]], Iterable[Path]]
T = TypeVar("T")
log = logging.getLogger(__name__)
THRESHOLD_KEY = "decline_threshold"
# Up to this many sentences, their vectors are made before the first answer (the seed corpus: half a second);
# beyond, in the background.
FOREGROUND_VECTORS = 5_000
BRIEF_SHOWN = 5  # sentences in a brief and in each More after it


@dataclass(frozen=True)
class Asker:
    """Who asks, for the question log; None logs nothing (the terminal chat, `ask`)."""

    chat_type: str
    chat_id: int | None
    user_id: int | None


@dataclass(frozen=True)
class LoggedAnswer:
    """An answer and the id it was logged under (None when logging failed or nothing was logged: answering never
    waits on it)."""

    answer: Answer
    question_id: int | None


@dataclass(frozen=True)
class LoggedBrief:
    """A brief and the id it was logged under, like an answer's, so that More, the votes and /stats work on it."""

    brief: Brief
    question_id: int | None


@dataclass(frozen=True)
class Context:
    """The sentences around a quote, and its source."""

    rows: list[ChunkRow]
    chunk_id: int
    document: DocumentRef


class NotTheAsker(PermissionError):
    """Someone pressed a button on an answer to another person's question."""


class QAService:
    def __init__(
        self,
        database: Database,
        *,
        threshold: float | None = None,
        top_k: int = 3,
        admin_ids: frozenset[int] = frozenset(),
        index_dir: Path | None = None,
        vectors_dir: Path | None = None,
        meaning: bool = False,
        question_backlog: int = BACKLOG,
    ) -> None:
        self.database = database
        # The meaning layer: on in the bot by default (MEANING), off for a bare service (a script, a test)
        loaded = shared_load(meaning)  # one model per process, hash-checked before it loads
        self.meaning_off = loaded.reason  # why answers are lexical, when they are
        self.vectors = Vectors(loaded.encoder) if loaded.encoder is not None else None
        if self.vectors is not None:  # folding the saved parts together keeps only the current sentences' vectors
            self.vectors.live_keys = lambda: self.index.knowledge.table.keys
        self.index_dir = index_dir
        # the sentence vectors' own folder (beside the index, never inside it: a new index replaces its folder)
        self.vectors_dir = vectors_dir or (index_dir.with_name(index_dir.name + "-vectors") if index_dir else None)
        self.store = DocumentStore(database)
        self.questions = QuestionLog(database, backlog=question_backlog)
        self.reports = QuestionReports(database)
        self.admins = AdminRegistry(database, admin_ids)
        self.saved_settings = SettingsStore(database)
        self.synonyms = SynonymStore(database)
        self.index = LiveIndex(self.store, self.synonyms, index_dir=index_dir)
        # the answer model's probability below which a question is declined; by default the one chosen in training
        self.threshold = answer_model.shared().threshold if threshold is None else threshold
        self._threshold_lock = threading.Lock()
        self.loanwords = LoanwordTable()  # words of other languages readers mix into English (corpus/loanwords.txt)
        self.record_readings: Record | None = None  # sees every reading answered (training the reading chooser)
        self.top_k = top_k

    def start(self, corpus_dir: Path | None, *, progress: Progress | None = None) -> SyncReport | None:
        """Migrate, sync the corpus folder (if any) and build or load the index."""
        commonness.warm_up()
        self.database.migrate()
        self.admins.load()
        saved = self.saved_settings.get(THRESHOLD_KEY)
        if saved is not None:
            self.threshold = float(saved)
        shipped = SynonymTable.file_lines(corpus_dir)
        added = self.synonyms.take_in(shipped) if shipped else []  # all of them at first, then lines shipped since
        if added:
            log.info("took in %d synonym line(s) from %s: %s", len(added), SYNONYMS_FILE, "; ".join(added))
        self.loanwords = LoanwordTable.load(corpus_dir)
        report = sync_folder(self.store, corpus_dir, progress=progress) if corpus_dir is not None else None
        self.index.load_or_rebuild()
        if self.vectors is None:
            log.warning("answering lexically: %s", self.meaning_off)
        else:
            if self.vectors_dir is not None:
                self.vectors.load(self.vectors_dir)
            self._vectorise()
        return report

    def _vectorise(self) -> None:
        """Sentence and word vectors for every sentence and word of the index that has none yet: at once for a
        small corpus, in the background for a large one (answers stay lexical for a sentence until then)."""
        if self.vectors is None:
            return
        knowledge = self.index.knowledge
        table = knowledge.table
        missing = self.vectors.missing(table.keys)
        background = len(missing) > FOREGROUND_VECTORS
        if len(missing) and self.vectors.folder is not None:
            log.info("making %d sentence vectors%s", len(missing), " in the background" if background else "")
        self.vectors.add(table.keys[missing].tolist(), [table.text(int(i)) for i in missing], knowledge.surface,
                         background=background)
        if not background:
            self.vectors.checkpoint()  # (in the background, the worker checkpoints as it goes)

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.index.knowledge

    # --- answering -----------------------------------------------------------------------------------------

    def answer(self, question: str, top_k: int | None = None) -> Answer:
        """Answer from the current knowledge base at the current threshold (both read once, so a concurrent
        change never mixes into one answer)."""
        answer = self._answerer().answer(self.loanwords.english(question), top_k)  # "skolko" read as "how many"
        return replace(answer, question=question.strip())

    def _answerer(self) -> Answerer:
        return Answerer(self.index.knowledge, threshold=self.threshold, top_k=self.top_k, vectors=self.vectors)

    def ask(
        self, question: str, *, chat_type: str = "private", chat_id: int | None = None, user_id: int | None = None
    ) -> LoggedAnswer:
        """Answer and log the question; a logging failure is logged and never blocks the answer."""
        started = time.perf_counter()
        answer = self.answer(question)
        return self.record(answer, chat_type=chat_type, chat_id=chat_id, user_id=user_id,
                           latency_ms=(time.perf_counter() - started) * 1000)

    def record(self, answer: Answer, *, chat_type: str, chat_id: int | None, user_id: int | None,
               latency_ms: float) -> LoggedAnswer:
        """Log an answered (or declined) question as the user asked it. The answer waits for the database at most
        DATABASE_WAIT_SECONDS; a question it cannot take now is kept and logged when it is back."""
        best = answer.passages[0] if answer.passages else None
        fields = {"chat_type": chat_type, "chat_id": chat_id, "user_id": user_id, "answered": answer.answered,
                  "top_chunk_id": best.chunk_id if best else None, "top_score": best.score if best else None,
                  "latency_ms": latency_ms, "asked_at": utcnow()}
        try:
            question_id: int | None = self._database(self.questions.record, answer.question, **fields)
        except SQLAlchemyError as error:
            log.warning("could not log a question now (%s); it is kept to be logged later", _reason(error))
            self.questions.keep_for_later(answer.question, **fields)
            question_id = None
        else:
            if self.questions.waiting:
                self.log_kept_questions()
        return LoggedAnswer(answer, question_id)

    def _database(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A database call that an answer waits for only briefly (`bot.storage.gate`)."""
        return self.database.gate.call(fn, *args, wait=self.database.timeouts.wait, **kwargs)

    def log_kept_questions(self) -> int:
        """Log the questions kept during a database outage; how many (0 while it is still out)."""
        logged = 0
        try:
            while self.questions.waiting:
                done = self._database(self.questions.log_kept)
                if not done:
                    break
                logged += done
        except SQLAlchemyError as error:
            log.warning("%d questions asked during the outage are still waiting to be logged (%s)",
                        self.questions.waiting, _reason(error))
        if logged:
            log.info("logged %d questions asked while the database was unavailable", logged)
        return logged

    def answer_in_context(self, question: str, readings: Sequence[Reading], *, top_k: int | None = None,
                          asker: Asker | None = None, shown: Sequence[int] = ()) -> tuple[LoggedAnswer, Reading]:
        """Answer a question as its conversation may make it mean: each reading answered, one kept by the learned
        chooser (`bot.answers.in_context`; `shown`: the chunks the last reply quoted), logged as the user asked it when
        `asker` is given; and the reading kept."""
        started = time.perf_counter()
        answer, reading = answer_readings(self._answerer(), question, readings, top_k, shown=shown,
                                          chooser=shared_chooser(), record=self.record_readings)
        if asker is None:
            return LoggedAnswer(answer, None), reading
        return self.record(answer, chat_type=asker.chat_type, chat_id=asker.chat_id, user_id=asker.user_id,
                           latency_ms=(time.perf_counter() - started) * 1000), reading

    def compare_sources(self, question: str, readings: Sequence[Reading]) -> Comparison:
        """A question about the sources themselves ("do they disagree on the injured?", "who gave the 36 figure"):
        each source's best quote on the thing asked about, who each says it comes from, whether figures differ."""
        return compare(self._answerer(), question, readings)

    def meaning_of(self, text: str) -> np.ndarray | None:
        """A message's sentence vector (what the message-kind classifier reads), or None without the meaning layer."""
        return self.vectors.question(text) if self.vectors is not None else None

    def asked(self, question_id: int, user_id: int) -> str | None:
        """A logged question as it was asked, for its asker alone (NotTheAsker otherwise); None when it is gone."""
        logged = self._database(self.questions.get, question_id)
        if logged is None:
            return None
        if logged.user_id != user_id:
            raise NotTheAsker(question_id)
        return logged.text

    def more(self, question: str, brief: BriefRequest | None) -> list[Passage]:
        """The further passages that answer a question already answered once, over the threshold; for a brief
        (`brief`, as the question was read), its next sentences in the order of events."""
        if brief is not None:
            return self.brief(question, brief, skip=BRIEF_SHOWN).passages
        answer = self.answer(question, self.top_k + 1)
        return [p for p in answer.passages[1:] if p.score >= self.threshold]

    # --- the big picture ---------------------------------------------------------------------------------

    def brief(self, question: str, request: BriefRequest, *, skip: int = 0) -> Brief:
        """The brief an overview question asks for (with `skip`, its continuation)."""
        return make_brief(self.index.knowledge, question, request, threshold=self.threshold, skip=skip,
                          shown=BRIEF_SHOWN)

    def ask_brief(self, question: str, request: BriefRequest, *, asker: Asker | None = None) -> LoggedBrief:
        """The brief an overview question asks for, logged like an answer when `asker` is given."""
        brief = self.brief(question, request)
        if asker is None:
            return LoggedBrief(brief, None)
        logged = self.record(Answer(brief.question, brief.answered, brief.passages), chat_type=asker.chat_type,
                             chat_id=asker.chat_id, user_id=asker.user_id, latency_ms=0.0)
        return LoggedBrief(brief, logged.question_id)

    def timeline(self) -> list[Event]:
        """The dated events across sources, earliest first, each told once."""
        return chronology.timeline(self.index.knowledge)

    def sequence(self, asked: SequenceQuestion) -> tuple[Passage | None, list[Event]]:
        """What happened after (or before) the event a question names: the sentence taken for that event, and
        the events that followed (or preceded) it; (None, []) when the sources do not tell of it."""
        return chronology.sequence(self.index.knowledge, asked, self.threshold)

    def next_after(self, chunk_id: int, count: int = 3) -> tuple[Passage | None, list[Event]]:
        """What happened next after a quoted sentence (an answer's, a brief's last): "What happened next?",
        "and then?". The sentence itself (None when it is gone), and the events after it."""
        return chronology.next_after(self.index.knowledge, chunk_id, count)

    def sources_of(self, chunk_ids: Sequence[int]) -> tuple[DocumentRef, ...]:
        """The documents quoted sentences come from, each once, in the order first quoted ("source?")."""
        knowledge = self.index.knowledge
        rows = [knowledge.chunk(c) for c in chunk_ids]
        return tuple(dict.fromkeys(knowledge.documents[r.document_id] for r in rows
                                   if r is not None and r.document_id in knowledge.documents))

    def context(self, chunk_id: int) -> Context | None:
        """The sentences around a quotable chunk; None when it is gone or its document was removed."""
        knowledge = self.index.knowledge
        row = knowledge.chunk(chunk_id)
        document = knowledge.documents.get(row.document_id) if row is not None else None
        if row is None or document is None:
            return None
        return Context(knowledge.neighbours(chunk_id), chunk_id, document)

    def vote(self, question_id: int, user_id: int, value: int) -> VoteResult:
        """The asker's 👍 (+1) or 👎 (-1) on the answer to their question."""
        return self._database(self.questions.vote, question_id, user_id, value)

    def stats(self) -> Stats:
        """Usage figures, with the questions this instance could not log yet (or at all)."""
        return replace(self.reports.stats(), waiting=self.questions.waiting, lost=self.questions.lost)

    # --- documents -----------------------------------------------------------------------------------------

    def add_document(self, record: DocumentRecord, *, added_by: str,
                     chunks: Sequence[ChunkSpan] | None = None) -> AddResult:
        """Store a document and make it answerable at once (`chunks`: its sentences, when already split)."""
        result = self.index.add(record, added_by=added_by, chunks=chunks)
        self._vectorise()
        return result

    def set_active(self, document_id: int, active: bool) -> bool:
        """Stop (remove) or resume (restore) quoting a document; False when there is no such document."""
        return self.index.set_active(document_id, active)

    def rebuild(self) -> KnowledgeBase:
        """Rebuild the index from the database beside the current one (/reindex)."""
        return self.index.rebuild()

    def refresh(self) -> bool:
        """Catch up with documents and the threshold changed through another instance. True when something
        changed."""
        with self._threshold_lock:  # a value read before an admin's /threshold must not overwrite it
            saved = self.saved_settings.get(THRESHOLD_KEY)
            changed = saved is not None and float(saved) != self.threshold
            if changed:
                self.threshold = float(saved)  # type: ignore[arg-type]
        documents = self.index.refresh()
        if documents:
            self._vectorise()
        if self.questions.waiting:
            self.log_kept_questions()
        return documents or changed

    def flush(self) -> None:
        """Finish saving (at shutdown, and in tests): the index save in progress, and the sentence vectors made
        since their last checkpoint."""
        self.index.flush()
        if self.vectors is not None:
            self.vectors.checkpoint()
        if self.questions.waiting and not self.log_kept_questions():
            log.warning("%d questions asked while the database was unavailable could not be logged",
                        self.questions.waiting)

    def add_synonym(self, text: str, *, added_by: str) -> tuple[int, str]:
        """Add a line to the synonym table (ValueError saying what is wrong with it); it applies at once."""
        line = SynonymTable.parse_line(text)
        number = self.synonyms.add(line, added_by=added_by)
        self.index.apply_synonyms()
        return number, line

    def remove_synonym(self, number: int) -> str | None:
        """Remove a line of the synonym table; the line removed, or None when there is no such number."""
        line = self.synonyms.remove(number)
        if line is not None:
            self.index.apply_synonyms()
        return line

    def set_threshold(self, value: float) -> None:
        """Store and apply a new decline threshold. Answers read it once each, beside the knowledge base, so
        nothing is swapped and a document added meanwhile cannot be lost."""
        if not 0.0 <= value <= 1.0:
            raise ValueError("the threshold is a number from 0 to 1")
        with self._threshold_lock:
            self.saved_settings.set(THRESHOLD_KEY, repr(value))
            self.threshold = value

    def suggest_question(self, document_id: int) -> str | None:
        """A question, in a reader's words, that the given document now answers first: "What did Zamir Zhooshev
        say?", "Who is Kursan Asanov?", "How many sheep?"; each candidate is asked, and kept only if this
        document's sentence comes first."""
        knowledge = self.index.knowledge
        for question in _candidate_questions(knowledge.chunks_of(document_id), knowledge.names):
            answer = self.answer(question)
            if answer.answered and answer.passages[0].document.id == document_id:
                return question
        return None


def _reason(error: SQLAlchemyError) -> str:
    """One line on a database error for the log (a driver's message can run to many lines)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"[:200]


_NAME_RUN = re.compile(r"(?<=[a-z0-9,;:)] )((?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?: [A-Z][a-z]+(?:-[A-Z][a-z]+)?)*)")
_FIGURE = (r"\b(?:\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen|twenty|thirty|"
           r"forty|fifty|sixty|seventy|eighty|ninety|dozens|hundreds|thousands) ")
# What a figure counts: a plural noun with an optional modifier ("seventeen snow leopards"), else the next word.
_FIGURE_NOUN = (re.compile(_FIGURE + r"((?:[a-z]+ )?[a-z]{3,}s)\b"), re.compile(_FIGURE + r"([a-z]{3,})\b"))
_REPORTS = re.compile(r"\b(said|says|told|urged|warned|claimed|stated|announced)\b|[\"\u201c]")


def _candidate_questions(rows: Iterable[ChunkRow], names: frozenset[str]) -> Iterator[str]:
    """Questions a person might ask of these sentences, most natural first (names, speech, figures, places)."""
    rows = list(rows)
    seen: set[str] = set()

    def once(question: str) -> Iterator[str]:
        if question not in seen:
            seen.add(question)
            yield question

    for row in rows:
        people = [m.group(1) for m in _NAME_RUN.finditer(row.text) if " " in m.group(1)]
        if people and _REPORTS.search(row.text):
            yield from once(f"What did {people[0]} say?")
    for row in rows:
        for match in _NAME_RUN.finditer(row.text):
            if " " in match.group(1):
                yield from once(f"Who is {match.group(1)}?")
    for row in rows:
        for pattern in _FIGURE_NOUN:
            for match in pattern.finditer(row.text):
                if not set(match.group(1).split()) & STOP_WORDS:
                    yield from once(f"How many {match.group(1)}?")
    for row in rows:
        for match in re.finditer(r"\b(?:in|at|near) ((?:[A-Z][a-z]+)(?:[ -][A-Z][a-z]+)*)", row.text):
            yield from once(f"What happened in {match.group(1)}?")
    for row in rows:  # last: what happened to the sentence's first content word (most often its subject)
        content = [w for w in dict.fromkeys(words(row.text)) if w not in STOP_WORDS and not w.isdigit() and len(w) > 2]
        if content:
            yield from once(f"What happened with the {content[0]}?")
