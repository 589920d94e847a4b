"""A per-sender flood limit: at most `limit` questions in any `window` seconds, and one "slow down" per stretch.

With several instances on one database the counts are kept there (`FloodStore`), so the limit holds whichever
instance a message reaches; if the database is briefly gone, each instance counts in memory meanwhile.
`FloodGuard` counts; `throttle` puts every reply path behind it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.storage.gate import Gate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """`wait` 0: go ahead. Otherwise the sender must wait that long; `notify` is true for the first refusal of a
    stretch only, so a flood of messages gets one "please wait", not one each (in a group those replies would
    queue behind Telegram's per-group limit and hold up everyone else)."""

    wait: float
    notify: bool = False

    @property
    def allowed(self) -> bool:
        return self.wait == 0


def judge(recent: list[float], told: bool, now: float, limit: int, window: float) -> tuple[Verdict, list[float], bool]:
    """The verdict on one more request, given the sender's recent request times; and the new times and told."""
    recent = [t for t in recent if t > now - window]
    if len(recent) >= limit:
        return Verdict(max(recent[0] + window - now, 0.001), not told), recent, True
    return Verdict(0.0), [*recent, now], False


class FloodStore(Protocol):
    """Shared counts (bot.storage.chat_state.FloodStore): applies a decision to a sender's row atomically."""

    def update(self, sender: int, judge: Callable[[list[float], bool], tuple[list[float], bool]],
               keep_seconds: float) -> None: ...


class FloodGuard:
    """Counts kept in `store` (shared by instances) and reached through `gate` (waited for at most `wait` seconds
    from the event loop), or in memory while the database is slow or gone, and when there is no store."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 store: FloodStore | None = None, gate: Gate | None = None, wait: float = 0.5) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.store = store
        self.gate = gate
        self.wait = wait
        self._recent: dict[int, tuple[list[float], bool]] = {}

    async def admit(self, sender: int) -> Verdict:
        """`check` for the event loop: the shared count is updated on the database's own threads, and waited for
        at most `wait` seconds; then the count is kept in memory."""
        if self.store is not None and self.gate is not None:
            try:
                return await self.gate.acall(self._check_stored, sender, wait=self.wait)
            except SQLAlchemyError as error:
                log.debug("flood counts unavailable (%s); counting in memory meanwhile", type(error).__name__)
        return self._check_memory(sender)

    def check(self, sender: int) -> Verdict:
        """Count the sender's message if they may send it now; otherwise say how long to wait."""
        if self.store is not None:
            try:
                return self._check_stored(sender)
            except SQLAlchemyError as error:
                log.warning("flood counts unavailable (%s); counting in memory meanwhile", type(error).__name__)
        return self._check_memory(sender)

    def _check_memory(self, sender: int) -> Verdict:
        now = self.clock()
        verdict, recent, told = judge(*self._recent.get(sender, ([], False)), now, self.limit, self.window)
        self._recent[sender] = (recent, told)
        if len(self._recent) > 10_000:
            self._forget_idle(now)
        return verdict

    def _check_stored(self, sender: int) -> Verdict:
        assert self.store is not None
        now = time.time()
        outcome: list[Verdict] = []

        def decide(recent: list[float], told: bool) -> tuple[list[float], bool]:
            verdict, recent, told = judge(recent, told, now, self.limit, self.window)
            outcome[:] = [verdict]
            return recent, told

        self.store.update(sender, decide, self.window)
        return outcome[0]

    def _forget_idle(self, now: float) -> None:
        for sender in [s for s, (r, _) in self._recent.items() if not r or r[-1] <= now - self.window]:
            del self._recent[sender]
