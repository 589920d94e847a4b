"""Every reply path behind the flood limit (`flood.FloodGuard`), once per update and before any work, and every
message a reply sends counted against it.

`admitted` and `flood_limited` cover questions, buttons (votes too), inline queries, and every command anyone may
send: /start, /help, /sources, /forgetme, a bare /ask or mention, an admin command refused, so that no kind of
update lets one member make the bot flood a group; `send_counted` charges a reply's further messages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType

from bot.chat import texts
from bot.telegram.context import BotContext
from bot.telegram.flood import FloodKeys
from bot.telegram.replies import send

# Flood keys of the identities a member can post as in a group (channels they own, anonymous admin): below every
# Telegram id (which fit in 52 bits), one per group.
IDENTITIES = -(2**53)


def sender_key(update: Update) -> int | None:
    """Whom an update is logged under (question log, /forgetme). Anonymous group admins and channels posting in a
    group all arrive as one Telegram user, so such senders are keyed by their chat instead."""
    message = update.message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    user = update.effective_user
    return user.id if user else None


def flood_keys(update: Update) -> FloodKeys:
    """Whose allowances a reply to `update` costs: its sender's, and the group's it is sent into. Telegram names
    the channel a message is posted as (or the group, for an anonymous admin), never the person behind it, and a
    member may own any number of channels: so in a group every such identity shares one allowance, the group's
    `IDENTITIES` key, rather than each getting its own."""
    chat = update.effective_chat
    group = chat.id if chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) else None
    message = update.message
    if message is not None and message.sender_chat is not None:
        return FloodKeys(IDENTITIES + group if group is not None else message.sender_chat.id, group)
    user = update.effective_user
    return FloodKeys(user.id if user else None, group)


async def verdict(context: BotContext, keys: FloodKeys) -> tuple[bool, str | None]:
    """(may reply, what to tell the sender if not: said once per blocked stretch, None otherwise)."""
    if keys.sender is None and keys.group is None:
        return True, None
    checked = await context.services.flood.admit(keys)
    if checked.allowed:
        return True, None
    if not checked.notify:
        return False, None
    return False, texts.group_slow_down(checked.wait) if checked.scope == "group" else texts.slow_down(checked.wait)


async def admitted(message: Message | None, context: BotContext, keys: FloodKeys) -> bool:
    """Count one reply against the sender's limit; False when over it (after the stretch's one notice)."""
    allowed, notice = await verdict(context, keys)
    if not allowed and notice and message is not None:
        await send(message, notice)
    return allowed


async def send_counted(message: Message, context: BotContext, keys: FloodKeys, parts: str | Sequence[str], *,
                       markup: InlineKeyboardMarkup | None = None, quote: bool = True) -> None:
    """`send`, and every message it took beyond the first (which `admitted` counted) charged to `keys`."""
    sent = await send(message, parts, markup=markup, quote=quote)
    await context.services.flood.charge(keys, sent - 1)


Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def flood_limited(callback: Handler) -> Handler:
    """The handler behind the flood limit: over it, it does not run."""

    @functools.wraps(callback)
    async def limited(update: Update, context: BotContext) -> None:
        if await admitted(update.effective_message, context, flood_keys(update)):
            await callback(update, context)

    return limited
