"""Every reply path behind the sender's flood limit (`flood.FloodGuard`), once per update and before any work.

`admitted` and `flood_limited` cover questions, buttons, inline queries, and every command anyone may send:
/start, /help, /sources, /forgetme, a bare /ask or mention, an admin command refused, so that no kind of update
lets one member make the bot flood a group.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update

from bot.chat import texts
from bot.telegram.context import BotContext
from bot.telegram.replies import send


def sender_key(update: Update) -> int | None:
    """Whom an update counts against (flood limit, question log, /forgetme). Anonymous group admins and channels
    posting in a group all arrive as one Telegram user, so such senders are keyed by their chat instead."""
    message = update.message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    user = update.effective_user
    return user.id if user else None


async def verdict(context: BotContext, sender: int | None) -> tuple[bool, str | None]:
    """(may reply, what to tell the sender if not: said once per blocked stretch, None otherwise)."""
    if sender is None:
        return True, None
    checked = await context.services.flood.admit(sender)
    if checked.allowed:
        return True, None
    return False, texts.slow_down(checked.wait) if checked.notify else None


async def admitted(message: Message | None, context: BotContext, sender: int | None) -> bool:
    """Count one reply against the sender's limit; False when over it (after the stretch's one notice)."""
    allowed, notice = await verdict(context, sender)
    if not allowed and notice and message is not None:
        await send(message, notice)
    return allowed


Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def flood_limited(callback: Handler) -> Handler:
    """The handler behind the sender's flood limit: over it, it does not run."""

    @functools.wraps(callback)
    async def limited(update: Update, context: BotContext) -> None:
        if await admitted(update.effective_message, context, sender_key(update)):
            await callback(update, context)

    return limited
