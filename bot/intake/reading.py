"""Reading untrusted documents (uploads, forwarded files, fetched pages) in the sandbox, never in the bot.

`DocumentReader` owns a small pool of worker processes (`bot.intake.sandbox`) running `bot.intake.extraction`'s
jobs. Its calls block and return a `ReadDocument` (the record and its sentences, ready to store) or raise a
DocumentError; `submit` queues one on the reader's own threads (one per worker) and a bounded queue, so that
documents waiting for a worker never hold threads anything else needs (the bot's answers), and a document
beyond the queue is refused at once ("busy"). A refusal by the reader itself is a `ReadError` that carries the facts
(the file took too long to read, needed too much memory, or holds more text or sentences than allowed; what, and
the limit) and no wording: the admins' texts say it (`bot.telegram.admin.texts.refusal`). Nothing is stored on a
refusal: the caller only stores what it is given.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from bot.corpus.documents import DocumentError, DocumentRecord
from bot.corpus.records import ChunkSpan
from bot.intake.sandbox import Limits, Sandbox, SandboxClosed, SandboxCrash, SandboxMemory, SandboxTimeout

JOBS_MODULE = "bot.intake.extraction"


@dataclass(frozen=True)
class ReadLimits:
    """What one document may cost: CPU seconds and wall-clock seconds to read it, the worker's address space,
    and the text it may yield."""

    cpu_seconds: float = 30.0
    wall_seconds: float = 30.0
    memory_mb: int = 1024
    max_chars: int = 1_000_000
    max_sentences: int = 10_000


Kind = Literal["file", "page"]
Refusal = Literal["took_too_long", "too_much_memory", "reader_failed", "reader_stopped", "text_too_large",
                  "too_many_sentences", "reader_busy"]
QUEUE = 8  # documents that may wait for a worker; more are refused at once


class ReadError(DocumentError):
    """A document the reader refused, as facts: why (`refusal`), what it was reading (`kind`), the limit it went
    over (seconds, megabytes, characters or sentences) and, for too many sentences, how many it had."""

    def __init__(self, refusal: Refusal, kind: Kind, *, limit: float = 0, found: int = 0) -> None:
        super().__init__(f"{refusal} ({kind}, limit {limit:g}" + (f", found {found})" if found else ")"))
        self.refusal: Refusal = refusal
        self.kind: Kind = kind
        self.limit = limit
        self.found = found


@dataclass(frozen=True)
class ReadDocument:
    record: DocumentRecord
    chunks: list[ChunkSpan]


class DocumentReader:
    def __init__(self, limits: ReadLimits = ReadLimits(), *, workers: int = 2, queue: int = QUEUE) -> None:
        self.limits = limits
        self.sandbox = Sandbox(JOBS_MODULE, Limits(cpu_seconds=limits.cpu_seconds, wall_seconds=limits.wall_seconds,
                                                   memory_bytes=limits.memory_mb * 1024 * 1024,
                                                   max_reply_bytes=8 * limits.max_chars + (1 << 20)),
                               workers=workers)
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="parse")
        self._room = threading.BoundedSemaphore(workers + queue)  # being read, or waiting for a worker

    def submit(self, kind: Kind, read: Callable[[], ReadDocument]) -> Future[ReadDocument]:
        """Run `read` (`upload` or `page`) on the reader's own threads; when the queue is full, a future that
        holds ReadError("reader_busy") at once."""
        if not self._room.acquire(blocking=False):
            refused: Future[ReadDocument] = Future()
            refused.set_exception(ReadError("reader_busy", kind, limit=self.sandbox.size))
            return refused
        try:
            future = self._threads.submit(read)
        except RuntimeError:  # shut down
            self._room.release()
            raise ReadError("reader_stopped", kind) from None
        future.add_done_callback(lambda _: self._room.release())
        return future

    def start(self) -> None:
        """Start the workers now, so that they are warm by the first document (otherwise the first call does)."""
        self.sandbox.start()

    def close(self) -> None:
        """Kill the workers, a document being read included; its caller gets "shutting down"."""
        self.sandbox.close()
        self._threads.shutdown(wait=False)  # reads still queued end at once, with "shutting down"

    def upload(self, data: bytes, *, filename: str, caption: str | None = None) -> ReadDocument:
        """A file an admin sent, read in a worker."""
        return self._read("file", "upload", {"filename": filename, "caption": caption}, data)

    def page(self, url: str, kind: str, body: bytes, encoding: str | None) -> ReadDocument:
        """A fetched page (`url` as fetched, after redirects), read in a worker."""
        return self._read("page", "page", {"url": url, "kind": kind, "encoding": encoding}, body)

    def _read(self, kind: Kind, job: str, args: dict[str, Any], payload: bytes) -> ReadDocument:
        limits = self.limits
        args = {**args, "max_chars": limits.max_chars, "max_sentences": limits.max_sentences}
        try:
            result = self.sandbox.run(job, args, payload)
        except SandboxTimeout as error:
            raise ReadError("took_too_long", kind, limit=min(limits.wall_seconds, limits.cpu_seconds)) from error
        except SandboxMemory as error:
            raise ReadError("too_much_memory", kind, limit=limits.memory_mb) from error
        except SandboxClosed as error:
            raise ReadError("reader_stopped", kind) from error
        except SandboxCrash as error:
            raise ReadError("reader_failed", kind) from error
        if "refused" in result:
            raise DocumentError(str(result["refused"]))
        if "too_large" in result:
            raise ReadError("text_too_large", kind, limit=limits.max_chars)
        if "too_many_sentences" in result:
            raise ReadError("too_many_sentences", kind, limit=limits.max_sentences,
                            found=int(result["too_many_sentences"]))
        try:
            return _document(result, limits)
        except DocumentError:
            raise
        except (KeyError, TypeError, ValueError) as error:  # plain data that is not what the job returns
            raise ReadError("reader_failed", kind) from error


def _document(result: dict[str, Any], limits: ReadLimits) -> ReadDocument:
    """The worker's plain data checked again here, where it is trusted: the record's own checks, the caps, and
    spans that lie inside the text, in order."""
    fields = result["record"]
    text = fields["text"]
    if not isinstance(text, str) or len(text) > limits.max_chars:
        raise ValueError("text")
    record = DocumentRecord(title=str(fields["title"]), text=text, publisher=fields.get("publisher"),
                            date=dt.date.fromisoformat(fields["date"]) if fields.get("date") else None,
                            url=fields.get("url"))
    if record.text != text:
        raise ValueError("the worker's text changed when taken in")
    chunks: list[ChunkSpan] = []
    end_before = 0
    for start, end in result["spans"][: limits.max_sentences + 1]:
        if not (isinstance(start, int) and isinstance(end, int) and end_before <= start < end <= len(text)):
            raise ValueError("span")
        chunks.append(ChunkSpan(position=len(chunks), start=start, end=end, text=text[start:end]))
        end_before = end
    if not chunks:
        raise DocumentError("it has no sentence that can be quoted")
    if len(chunks) > limits.max_sentences:
        raise ValueError("spans")
    return ReadDocument(record, chunks)
