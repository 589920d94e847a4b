"""The database gate (bot/storage/gate.py): calls waited for at most so long, the gate shut for a moment after an
outage (optional calls then fail at once, required ones still try), and a full queue refused at once."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from bot.storage.gate import DatabaseUnavailable, Gate


def test_a_slow_call_is_given_up_and_the_gate_shuts_for_a_moment() -> None:
    gate = Gate(threads=2, retry=0.5)
    release = threading.Event()
    began = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="within 0.2 s"):
        gate.call(release.wait, 10, wait=0.2)
    assert time.monotonic() - began < 0.5 and not gate.open
    began = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="a moment ago"):
        gate.call(lambda: 1, wait=5)  # optional: not even tried while shut
    assert time.monotonic() - began < 0.05
    assert gate.call(lambda: 2, wait=5, optional=False) == 2  # required: tried, and it opens the gate again
    assert gate.open and gate.call(lambda: 3, wait=5) == 3
    release.set()


def test_an_outage_error_shuts_the_gate_and_others_pass_through() -> None:
    gate = Gate(retry=0.3)

    def refused() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with pytest.raises(OperationalError):
        gate.call(refused, wait=1)
    assert not gate.open
    time.sleep(0.35)
    with pytest.raises(ValueError):
        gate.call(lambda: int("x"), wait=1)  # a wrong call is no outage
    assert gate.open


def test_a_full_queue_is_refused_at_once_and_the_event_loop_never_waits() -> None:
    gate = Gate(threads=1, retry=0.1)
    release = threading.Event()
    gate.pool._tasks.maxsize = 2  # noqa: SLF001
    for _ in range(3):
        try:
            gate.call(release.wait, 10, wait=0.01, optional=False)
        except DatabaseUnavailable:
            pass
    with pytest.raises(DatabaseUnavailable, match="busy"):
        gate.call(lambda: 1, wait=5, optional=False)

    async def on_the_loop() -> float:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        fresh = Gate(threads=1)
        with pytest.raises(DatabaseUnavailable):
            await fresh.acall(time.sleep, 1, wait=0.3)
        ticker.cancel()
        return ticks

    assert asyncio.run(on_the_loop()) >= 15  # the loop went on while the call waited
    release.set()
