"""A per-user flood limit: at most `limit` questions in any `window` seconds."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class FloodGuard:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._recent: dict[int, deque[float]] = {}

    def check(self, user_id: int) -> float:
        """0 when the user may ask now (and counts the question); otherwise seconds until they may."""
        now = self.clock()
        recent = self._recent.setdefault(user_id, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return max(recent[0] + self.window - now, 0.001)
        recent.append(now)
        if len(self._recent) > 10_000:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        for user_id in [u for u, r in self._recent.items() if not r or r[-1] <= now - self.window]:
            del self._recent[user_id]
