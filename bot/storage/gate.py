"""Database calls that cannot hold up the bot: run on threads of their own, waited for only so long, and skipped for
a moment once the database has been slow or gone.

A database can hang rather than fail: a PostgreSQL server that is frozen (stopped, a stalled disk, a network that
drops packets) answers nothing, and neither its `statement_timeout` (the server's) nor `connect_timeout` (for a new
connection) ends a call on a connection already open; a SQLite file write-locked by another process makes each
write wait out the busy timeout. So callers reach the database through a `Gate`:

- its calls run on a few daemon threads of its own with a bounded queue, never on the event loop and never on the
  threads that answer questions, and a thread stuck in the driver does not hold up the process's exit;
- the caller waits at most `wait` seconds, then gets `DatabaseUnavailable` (an `SQLAlchemyError`, like any
  outage) while the call finishes, or not, on its own;
- after a time-out or a lost connection the gate stays shut for `retry` seconds: optional calls (a flood count, a
  conversation's topic, logging a question, which have a fallback in memory) then fail at once instead of each
  waiting its time-out; calls that need the database (an admin's command) still try it, and one that succeeds
  opens the gate again.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import exc

log = logging.getLogger(__name__)
T = TypeVar("T")
THREADS = 4
QUEUE = 64
RETRY_SECONDS = 2.0
# errors that say the database is gone or too slow (not that a statement was wrong)
_OUTAGES = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError)


class DatabaseUnavailable(exc.SQLAlchemyError):
    """The database did not answer in time, or was slow or gone a moment ago; the message says which."""


class DaemonPool:
    """A few daemon threads taking calls from a bounded queue: a call stuck forever (in a database driver, on a
    frozen server) never holds up the process's exit, as a `ThreadPoolExecutor`'s thread would."""

    def __init__(self, threads: int, *, queue_size: int = QUEUE, name: str = "worker") -> None:
        self.threads, self.name = threads, name
        self._tasks: queue.Queue[tuple[Future[Any], Callable[[], Any]]] = queue.Queue(queue_size)
        self._started: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def submit(self, call: Callable[[], T]) -> Future[T]:
        """Queue `call`; queue.Full when the queue is full (every thread busy and enough waiting)."""
        future: Future[T] = Future()
        self._tasks.put_nowait((future, call))
        with self._lock:
            if len(self._started) < self.threads and self._tasks.qsize() > 0:
                thread = threading.Thread(target=self._work, name=f"{self.name}-{len(self._started)}", daemon=True)
                self._started.append(thread)
                thread.start()
        return future

    @property
    def inside(self) -> bool:
        """True on one of the pool's own threads (a call there runs at once, rather than queue behind itself)."""
        return getattr(self._local, "inside", False)

    def _work(self) -> None:
        self._local.inside = True
        while True:
            future, call = self._tasks.get()
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up before it started
            try:
                future.set_result(call())
            except BaseException as error:  # noqa: BLE001 - handed to the caller, who decides
                future.set_exception(error)


class Gate:
    """The one way the bot's front end reaches the database: on the gate's threads, waited for at most `wait`."""

    def __init__(self, *, threads: int = THREADS, retry: float = RETRY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pool = DaemonPool(threads, name="database")
        self.retry = retry
        self.clock = clock
        self._shut_until = 0.0
        self._reason = ""

    @property
    def open(self) -> bool:
        """False for `retry` seconds after the database was slow or gone."""
        return self.clock() >= self._shut_until

    def call(self, fn: Callable[..., T], *args: Any, wait: float, optional: bool = True, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` on the gate's threads, waited for at most `wait` seconds (from a thread that may
        block: a worker answering a question). DatabaseUnavailable when the gate is shut (optional calls), full,
        or the call takes longer."""
        if self.pool.inside:
            return fn(*args, **kwargs)
        future = self._submit(fn, args, kwargs, optional)
        futures.wait([future], timeout=wait)
        return self._outcome(future, wait)

    async def acall(self, fn: Callable[..., T], *args: Any, wait: float, optional: bool = True, **kwargs: Any) -> T:
        """`call` for the event loop: the loop goes on while the database works, and the caller stops waiting
        after `wait` seconds."""
        future = self._submit(fn, args, kwargs, optional)
        waiting = asyncio.wrap_future(future)
        await asyncio.wait([waiting], timeout=wait)
        if not waiting.done():
            waiting.cancel()  # (and the call itself, if it has not started)
        return self._outcome(future, wait)

    def _outcome(self, future: Future[T], wait: float) -> T:
        if not future.done() or future.cancelled():
            future.cancel()  # if it has not started, it never will
            self._shut("slow")
            raise DatabaseUnavailable(f"the database did not answer within {wait:g} s")
        try:
            result = future.result()
        except _OUTAGES as error:
            self._shut(type(error).__name__)
            raise
        self._opened()
        return result

    def _submit(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], optional: bool) -> Future[T]:
        if optional and not self.open:
            raise DatabaseUnavailable(f"the database was {self._reason} a moment ago; not waiting for it")
        try:
            return self.pool.submit(lambda: fn(*args, **kwargs))
        except queue.Full:
            self._shut("busy")
            raise DatabaseUnavailable("every database thread is busy (the database is slow)") from None

    def _shut(self, reason: str) -> None:
        if self.open:
            log.warning("the database is %s; flood counts and conversations are kept in memory meanwhile", reason)
        self._shut_until = self.clock() + self.retry
        self._reason = "slow" if reason in ("slow", "busy") else "unavailable"

    def _opened(self) -> None:
        if self._shut_until:
            log.info("the database answers again")
            self._shut_until = 0.0
