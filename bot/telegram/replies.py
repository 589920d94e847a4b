"""The one way a handler sends a reply: split into messages within Telegram's limit, buttons under the last."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message

from bot.chat import html


async def send(message: Message, parts: str | Sequence[str], *, markup: InlineKeyboardMarkup | None = None,
               quote: bool = True) -> int:
    """Reply to `message` with `parts` (HTML), each packed to fit Telegram's 4,096 characters; how many messages
    that took (each counts against the flood limit: `throttle.send_counted`)."""
    packed = html.pack([parts] if isinstance(parts, str) else list(parts))
    for i, part in enumerate(packed):
        await message.reply_html(part, reply_markup=markup if i == len(packed) - 1 else None, do_quote=quote)
    return len(packed)
