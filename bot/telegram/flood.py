"""A per-sender flood limit: at most `limit` questions in any `window` seconds, and one "slow down" per stretch.

With several instances on one database the counts are kept there (`FloodStore`), so the limit holds whichever
instance a message reaches; if the database is briefly gone, each instance counts in memory meanwhile.
`FloodGuard` counts; `admitted` and `flood_limited` put every reply path behind it (questions, buttons, inline
queries, and every command anyone may send: /start, /help, /sources, /forgetme, a bare /ask or mention, an
admin command refused), so that no kind of update lets one member make the bot flood a group.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import SQLAlchemyError
from telegram import Message, Update

from bot.chat import texts
from bot.telegram.replies import send

if TYPE_CHECKING:
    from bot.telegram.context import BotContext

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
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 store: FloodStore | None = None) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.store = store
        self._recent: dict[int, tuple[list[float], bool]] = {}

    def check(self, sender: int) -> Verdict:
        """Count the sender's message if they may send it now; otherwise say how long to wait."""
        if self.store is not None:
            try:
                return self._check_stored(sender)
            except SQLAlchemyError as error:
                log.warning("flood counts unavailable (%s); counting in memory meanwhile", type(error).__name__)
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

def sender_key(update: Update) -> int | None:
    """Whom an update counts against (flood limit, question log, /forgetme). Anonymous group admins and channels
    posting in a group all arrive as one Telegram user, so such senders are keyed by their chat instead."""
    message = update.message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    user = update.effective_user
    return user.id if user else None


def verdict(context: BotContext, sender: int | None) -> tuple[bool, str | None]:
    """(may reply, what to tell the sender if not: said once per blocked stretch, None otherwise)."""
    if sender is None:
        return True, None
    checked = context.services.flood.check(sender)
    if checked.allowed:
        return True, None
    return False, texts.slow_down(checked.wait) if checked.notify else None


async def admitted(message: Message | None, context: BotContext, sender: int | None) -> bool:
    """Count one reply against the sender's limit; False when over it (after the stretch's one notice)."""
    allowed, notice = verdict(context, sender)
    if not allowed and notice and message is not None:
        await send(message, notice)
    return allowed


Handler = Callable[[Update, "BotContext"], Coroutine[Any, Any, None]]


def flood_limited(callback: Handler) -> Handler:
    """The handler behind the sender's flood limit: over it, it does not run."""

    @functools.wraps(callback)
    async def limited(update: Update, context: BotContext) -> None:
        if await admitted(update.effective_message, context, sender_key(update)):
            await callback(update, context)

    return limited
