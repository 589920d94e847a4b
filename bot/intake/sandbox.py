"""A small pool of worker processes that run untrusted parsing, and that the bot can kill and replace.

In the spirit of Apache Tika's forked parser and its watchdog: each worker is a child process
(`python -m bot.intake.sandbox JOBS_MODULE`) that imports its jobs once, warms them up and then runs one job at a time.
The limits are the kernel's, so they hold even when a parser holds the GIL in C code:

- address space (RLIMIT_AS), set before the jobs are imported: a parser that grows gets MemoryError;
- CPU time (RLIMIT_CPU), re-armed before each job: a job over it is killed by SIGXCPU;
- a wall-clock deadline kept by the parent, which kills the worker (SIGKILL) and starts another;
- the worker dies with its parent (PR_SET_PDEATHSIG on Linux) and exits when its pipe closes.

Requests and replies are length-framed JSON (plus raw bytes for the request's payload): the parent never
unpickles anything a worker wrote, so a worker subverted by a hostile document can only hand back plain data,
and no more of it than `max_reply_bytes`.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import math
import os
import queue
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

Job = Callable[[dict[str, Any], bytes], dict[str, Any]]
_HEADER = struct.Struct(">IQ")  # JSON length, payload length
EXIT_MEMORY = 3
JOBS_PER_WORKER = 50  # a worker is replaced after this many jobs, so that nothing a parser leaked accumulates


class SandboxError(RuntimeError):
    """A job that did not give a result."""


class SandboxTimeout(SandboxError):
    """The job ran over its CPU time or wall-clock deadline; its worker was killed."""


class SandboxMemory(SandboxError):
    """The job needed more memory than the worker's address-space limit."""


class SandboxCrash(SandboxError):
    """The worker died or answered nonsense (a parser crash, or a reply over the size limit)."""


class SandboxClosed(SandboxError):
    """The sandbox was closed (the bot is stopping)."""


@dataclass(frozen=True)
class Limits:
    cpu_seconds: float = 30.0
    wall_seconds: float = 30.0
    memory_bytes: int = 1024 * 1024 * 1024
    start_seconds: float = 60.0  # for a new worker to import and warm up its jobs
    max_reply_bytes: int = 64 * 1024 * 1024


def _write_frame(stream: BinaryIO, message: dict[str, Any], payload: bytes = b"") -> None:
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    stream.write(_HEADER.pack(len(data), len(payload)) + data)
    if payload:
        stream.write(payload)
    stream.flush()


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size) if size else b""
    if len(data) != size:
        raise EOFError
    return data


# --- the worker side -----------------------------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when the parent dies (even by SIGKILL); elsewhere, the pipe closing ends it."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _arm_cpu_limit(seconds: float) -> None:
    """Allow this job `seconds` of CPU on top of what the worker has used so far (RLIMIT_CPU counts the
    process's whole life)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def serve(jobs_module: str, memory_bytes: int, parent: int) -> None:
    """The worker's life: limits, imports and warm-up, then one job per request until the pipe closes."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the replies
    requests = sys.stdin.buffer
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the bot stops us
    _die_with_parent(parent)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    module = importlib.import_module(jobs_module)
    jobs: dict[str, Job] = module.JOBS
    module.warm_up()
    _write_frame(replies, {"ready": True})
    while True:
        try:
            json_size, payload_size = _HEADER.unpack(_read_exact(requests, _HEADER.size))
            request = json.loads(_read_exact(requests, json_size))
            payload = _read_exact(requests, payload_size)
        except EOFError:
            return
        _arm_cpu_limit(float(request["cpu_seconds"]))
        try:
            reply: dict[str, Any] = {"result": jobs[request["job"]](request["args"], payload)}
            del payload
            _write_frame(replies, reply)
        except MemoryError:
            os._exit(EXIT_MEMORY)  # the heap may be in pieces: the parent starts a fresh worker
        except Exception as error:  # noqa: BLE001 - any parser failure is a reply, never a dead worker
            _write_frame(replies, {"failed": type(error).__name__})


# --- the bot side --------------------------------------------------------------------------------------------


class _Worker:
    def __init__(self, jobs_module: str, limits: Limits) -> None:
        argv = [sys.executable, "-m", "bot.intake.sandbox", jobs_module, str(limits.memory_bytes), str(os.getpid())]
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.ready = False
        self.jobs = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> int:
        """Kill the worker (it holds nothing worth keeping) and reap it; its exit status."""
        with contextlib.suppress(OSError):
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        return self.process.wait()

    def send(self, message: dict[str, Any], payload: bytes) -> None:
        _write_frame(self.process.stdin, message, payload)  # type: ignore[arg-type]

    def receive(self, deadline: float, max_bytes: int) -> dict[str, Any]:
        """The next reply; TimeoutError past the deadline, EOFError when the worker died."""
        json_size, payload_size = _HEADER.unpack(self._read(_HEADER.size, deadline))
        if json_size + payload_size > max_bytes:
            raise SandboxCrash("the reply is over the size limit")
        message = json.loads(self._read(json_size, deadline))
        self._read(payload_size, deadline)
        if not isinstance(message, dict):
            raise SandboxCrash("the reply is not an object")
        return message

    def _read(self, size: int, deadline: float) -> bytes:
        stdout = self.process.stdout
        assert stdout is not None
        fd = stdout.fileno()
        chunks: list[bytes] = []
        while size > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                raise TimeoutError
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)


class Sandbox:
    """A pool of `workers` processes running the jobs of `jobs_module` (its `JOBS` dict and `warm_up()`).

    `run` blocks (call it from a thread) until a worker is free and has answered, and raises a SandboxError
    subclass when the job gave no result. `close` kills every worker at once, busy ones too."""

    def __init__(self, jobs_module: str, limits: Limits, *, workers: int = 2) -> None:
        self.jobs_module = jobs_module
        self.limits = limits
        self.size = workers
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def start(self) -> None:
        """Start the workers (they warm up in the background); later calls do nothing."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
            for _ in range(self.size):
                self._idle.put(self._spawn_locked())

    def _spawn_locked(self) -> _Worker:
        worker = _Worker(self.jobs_module, self.limits)
        self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker | None:
        """Kill a worker and start another in its place (None once the sandbox is closed)."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            return None if self._closed else self._spawn_locked()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._all]

    def run(self, job: str, args: dict[str, Any], payload: bytes = b"") -> dict[str, Any]:
        """Run one job in a worker and return its result (a JSON object)."""
        self.start()
        worker = self._take()
        replacement: _Worker | None = worker
        try:
            if not worker.alive():
                worker = replacement = self._fresh(worker)
            if not worker.ready:
                worker.receive(time.monotonic() + self.limits.start_seconds, 1024)
                worker.ready = True
            worker.send({"job": job, "args": args, "cpu_seconds": self.limits.cpu_seconds}, payload)
            reply = worker.receive(time.monotonic() + self.limits.wall_seconds, self.limits.max_reply_bytes)
            worker.jobs += 1
            if worker.jobs >= JOBS_PER_WORKER:
                replacement = self._replace(worker)
        except TimeoutError:
            replacement = self._replace(worker)
            raise SandboxTimeout(job) from None
        except (EOFError, OSError, ValueError, SandboxCrash) as error:
            status = worker.kill()
            replacement = self._replace(worker)
            if self._closed:
                raise SandboxClosed(job) from None
            if status == -signal.SIGXCPU:
                raise SandboxTimeout(job) from None
            if status == EXIT_MEMORY:
                raise SandboxMemory(job) from None
            raise SandboxCrash(f"{job}: {type(error).__name__} (worker exit status {status})") from None
        finally:
            self._give_back(replacement)
        if "result" not in reply:
            raise SandboxCrash(f"{job}: {reply.get('failed', 'no result')}")
        result = reply["result"]
        if not isinstance(result, dict):
            raise SandboxCrash(f"{job}: the result is not an object")
        return result

    def _fresh(self, dead: _Worker) -> _Worker:
        fresh = self._replace(dead)
        if fresh is None:
            raise SandboxClosed("closed")
        return fresh

    def _take(self) -> _Worker:
        while True:
            if self._closed:
                raise SandboxClosed("closed")
            try:
                return self._idle.get(timeout=0.2)
            except queue.Empty:
                continue

    def _give_back(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        if self._closed:
            worker.kill()
            return
        self._idle.put(worker)

    def close(self) -> None:
        """Kill every worker now, busy or idle; jobs waiting or running end with SandboxClosed."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
