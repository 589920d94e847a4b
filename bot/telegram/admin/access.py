"""Who may use the admin commands, checked where the effect happens.

Every admin handler is registered with `admin_only(registry)`, a filter on the sender's id that also requires a
new message (an edit is not a new command) in a private chat (admin output such as the question log must not land
in a group). Admin buttons go through `AdminButtonHandler`, which checks the presser's id the same way. No handler
re-parses text to decide who may do what; what reaches `refuse_command` or `refuse_button` has already been turned
away by those filters and only gets a polite answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, MessageOriginChannel, Update
from telegram.ext import CallbackQueryHandler, filters

from bot.storage.admin import AdminRegistry
from bot.telegram import callbacks
from bot.telegram.admin import texts
from bot.telegram.context import BotContext
from bot.telegram.replies import send
from bot.telegram.throttle import admitted, flood_keys

log = logging.getLogger(__name__)


class AdminFilter(filters.MessageFilter):
    """Messages from an admin (by sender id, as the registry has it now)."""

    def __init__(self, registry: AdminRegistry) -> None:
        super().__init__(name="AdminFilter")
        self.registry = registry

    def filter(self, message: Message) -> bool:
        return self.registry.is_admin(message.from_user.id if message.from_user else None)


class FromChannel(filters.MessageFilter):
    """Messages forwarded from a channel (a forward from a person is an ordinary message)."""

    def __init__(self) -> None:
        super().__init__(name="FromChannel")

    def filter(self, message: Message) -> bool:
        return isinstance(message.forward_origin, MessageOriginChannel)


def admin_only(registry: AdminRegistry) -> filters.BaseFilter:
    """What every admin handler requires: a new message (not an edit, not a channel post) in a private chat,
    from an admin."""
    return filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & AdminFilter(registry)


class AdminButtonHandler(CallbackQueryHandler):  # type: ignore[type-arg]
    """A `CallbackQueryHandler` for admin buttons that only takes presses by an admin."""

    def __init__(self, registry: AdminRegistry, callback: Callable[[Update, BotContext], Coroutine[Any, Any, None]]) -> None:
        super().__init__(callback, pattern=callbacks.pattern("adm:rm", "adm:keep", "adm:url", "adm:post"))
        self.registry = registry

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        if not self.registry.is_admin(update.callback_query.from_user.id):
            return None
        return super().check_update(update)


def _update_kind(update: Update) -> str:
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if getattr(update, kind) is not None:
            return kind
    return "update"


async def refuse_command(update: Update, context: BotContext) -> None:
    """Turn away an admin command that no admin handler took, and log who sent it. Edits and channel posts are
    not answered at all: they are not new commands."""
    message = update.effective_message
    user = update.effective_user
    sender = user.id if user else None
    command = message.text.split(maxsplit=1)[0] if message is not None and message.text else "?"
    chat = message.chat_id if message is not None else None
    log.warning("refused admin command %r (%s) from user %s in chat %s", command[:40], _update_kind(update), sender, chat)
    if update.message is None or not await admitted(update.message, context, flood_keys(update)):
        return
    if context.services.service.admins.is_admin(sender):
        await send(update.message, texts.admin_private_only())
    else:
        await send(update.message, texts.not_allowed())


async def refuse_button(update: Update, context: BotContext) -> None:
    """Turn away an admin button pressed by someone who is not an admin, and log who pressed it."""
    query = update.callback_query
    if query is None:
        return
    log.warning("refused admin button %r from user %s", (query.data or "")[:64], query.from_user.id)
    await query.answer(texts.not_allowed(), show_alert=True)
