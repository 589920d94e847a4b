"""The flood limit: what the bot sends, counted per sender and per group, and one "slow down" per stretch.

Every message the bot sends costs one against the allowance of whoever made it reply (`limit` in any `window`
seconds), and, in a group, against the group's own allowance (`group_limit` in `group_window`: about what
Telegram lets a bot send into one group), so that neither one member nor many members together can make the bot
flood a group. A reply starts only while both have room, and its further messages are charged after it is sent.
Who counts as the sender is the front end's business (`throttle.flood_keys`).

With several instances on one database the counts are kept there (`FloodStore`, reached through the database's
`Gate`, waited for at most `wait` seconds), so the limit holds whichever instance a message reaches; while the
database is slow or gone, each instance counts in memory meanwhile. `FloodGuard` counts; `throttle` puts every
reply path behind it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.storage.gate import Gate

log = logging.getLogger(__name__)
Scope = Literal["sender", "group"]


@dataclass(frozen=True)
class Verdict:
    """`wait` 0: go ahead. Otherwise the sender (or, `scope` "group", everyone in the group) must wait that long;
    `notify` is true for the first refusal of a stretch only, so a flood of messages gets one "please wait", not
    one each (in a group those replies would queue behind Telegram's per-group limit and hold up everyone else)."""

    wait: float
    notify: bool = False
    scope: Scope = "sender"

    @property
    def allowed(self) -> bool:
        return self.wait == 0


ALLOWED = Verdict(0.0)


class FloodKeys(NamedTuple):
    """Whose allowances a reply costs: the sender's, and the group's it is sent into (None: none, a private chat)."""

    sender: int | None
    group: int | None = None


def judge(recent: list[float], told: bool, now: float, limit: int, window: float, *, cost: int = 1,
          force: bool = False) -> tuple[Verdict, list[float], bool]:
    """The verdict on `cost` more messages, given the recent ones' times; and the new times and told. `force`
    charges them whatever the count (the rest of a reply already allowed)."""
    recent = [t for t in recent if t > now - window]
    if not force and len(recent) >= limit:
        return Verdict(max(recent[len(recent) - limit] + window - now, 0.001), not told), recent, True
    return ALLOWED, [*recent, *[now] * cost], told if force else False


class FloodStore(Protocol):
    """Shared counts (bot.storage.chat_state.FloodStore): applies a decision to a sender's row atomically."""

    def update(self, sender: int, judge: Callable[[list[float], bool], tuple[list[float], bool]],
               keep_seconds: float) -> None: ...


class FloodGuard:
    """Counts kept in `store` (shared by instances) and reached through `gate` (waited for at most `wait` seconds
    from the event loop), or in memory while the database is slow or gone, and when there is no store."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 store: FloodStore | None = None, gate: Gate | None = None, wait: float = 0.5, *,
                 group_limit: int = 20, group_window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self.group_limit, self.group_window = group_limit, group_window
        self.clock = clock
        self.store = store
        self.gate = gate
        self.wait = wait
        self._recent: dict[int, tuple[list[float], bool]] = {}

    async def admit(self, keys: FloodKeys) -> Verdict:
        """Count the first message of a reply if the sender, then the group, have room for it now; otherwise say
        how long to wait (the group is charged only for what its members were allowed)."""
        verdict = await self._count(keys.sender, "sender") if keys.sender is not None else ALLOWED
        if verdict.allowed and keys.group is not None and keys.group != keys.sender:
            verdict = await self._count(keys.group, "group")
        return verdict

    async def charge(self, keys: FloodKeys, messages: int) -> None:
        """Charge the further `messages` of a reply that was allowed (a long answer, a page of the timeline)."""
        if messages <= 0:
            return
        for key, scope in ((keys.sender, "sender"), (keys.group, "group")):
            if key is not None and (scope == "sender" or key != keys.sender):
                await self._count(key, scope, cost=messages, force=True)  # type: ignore[arg-type]

    def check(self, sender: int) -> Verdict:
        """Count one message to the sender if they may have it now (from a thread that may block; the bot's
        handlers `admit`)."""
        if self.store is not None:
            try:
                return self._stored(sender, "sender", 1, False)
            except SQLAlchemyError as error:
                log.warning("flood counts unavailable (%s); counting in memory meanwhile", type(error).__name__)
        return self._memory(sender, "sender", 1, False)

    async def _count(self, key: int, scope: Scope, *, cost: int = 1, force: bool = False) -> Verdict:
        if self.store is not None and self.gate is not None:
            try:
                return await self.gate.acall(self._stored, key, scope, cost, force, wait=self.wait)
            except SQLAlchemyError as error:
                log.debug("flood counts unavailable (%s); counting in memory meanwhile", type(error).__name__)
        return self._memory(key, scope, cost, force)

    def _rule(self, scope: Scope) -> tuple[int, float]:
        return (self.limit, self.window) if scope == "sender" else (self.group_limit, self.group_window)

    def _memory(self, key: int, scope: Scope, cost: int, force: bool) -> Verdict:
        now = self.clock()
        limit, window = self._rule(scope)
        verdict, recent, told = judge(*self._recent.get(key, ([], False)), now, limit, window, cost=cost, force=force)
        self._recent[key] = (recent, told)
        if len(self._recent) > 10_000:
            self._forget_idle(now)
        return Verdict(verdict.wait, verdict.notify, scope)

    def _stored(self, key: int, scope: Scope, cost: int, force: bool) -> Verdict:
        assert self.store is not None
        now = time.time()
        limit, window = self._rule(scope)
        outcome: list[Verdict] = []

        def decide(recent: list[float], told: bool) -> tuple[list[float], bool]:
            verdict, recent, told = judge(recent, told, now, limit, window, cost=cost, force=force)
            outcome[:] = [verdict]
            return recent, told

        self.store.update(key, decide, window)
        return Verdict(outcome[0].wait, outcome[0].notify, scope)

    def _forget_idle(self, now: float) -> None:
        longest = max(self.window, self.group_window)
        for key in [k for k, (r, _) in self._recent.items() if not r or r[-1] <= now - longest]:
            del self._recent[key]
