"""The one number an admin command names (a user, a document, a synonym line), read and checked."""

from __future__ import annotations

from telegram import Message, Update

from bot.corpus.records import MAX_ROW_ID
from bot.telegram.context import BotContext
from bot.telegram.replies import send

MAX_USER_ID = 2**63 - 1  # Telegram user ids are kept in BIGINT columns


def single_id(context: BotContext, limit: int = MAX_ROW_ID) -> int | None:
    """The command's one number, when it is one that the database's column can hold (`limit`)."""
    args = context.args or []
    if len(args) != 1 or not args[0].isascii() or not args[0].lstrip("-").isdigit() or len(args[0]) > 20:
        return None
    number = int(args[0])
    return number if -limit - 1 <= number <= limit else None


async def command_number(update: Update, context: BotContext, usage: str,
                         limit: int = MAX_ROW_ID) -> tuple[Message, int] | None:
    """The message and the one number (user, document or line id, at most `limit`) a command names, or None
    after saying how to use the command."""
    message = update.effective_message
    number = single_id(context, limit)
    if message is not None and number is None:
        await send(message, usage)
    return (message, number) if message is not None and number is not None else None
