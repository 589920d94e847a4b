"""A per-sender flood limit: at most `limit` questions in any `window` seconds, and one "slow down" per stretch."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


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


class FloodGuard:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._told: set[int] = set()

    def check(self, sender: int) -> Verdict:
        """Count the sender's message if they may send it now; otherwise say how long to wait."""
        now = self.clock()
        recent = self._recent.setdefault(sender, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            notify = sender not in self._told
            self._told.add(sender)
            return Verdict(max(recent[0] + self.window - now, 0.001), notify)
        self._told.discard(sender)
        recent.append(now)
        if len(self._recent) > 10_000:
            self._forget_idle(now)
        return Verdict(0.0)

    def _forget_idle(self, now: float) -> None:
        for sender in [s for s, r in self._recent.items() if not r or r[-1] <= now - self.window]:
            del self._recent[sender]
            self._told.discard(sender)
