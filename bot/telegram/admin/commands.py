"""The one table of admin commands, from which their handlers, the admin menu and the admin part of /help are
made; and the commands that manage admins, which publish that menu."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, TypeHandler, filters

from bot.storage.admin import AdminError, AdminRegistry
from bot.telegram import callbacks, work
from bot.telegram.admin import texts
from bot.telegram.admin.access import (AdminButtonHandler, FromChannel, admin_only, refuse_button,
                                       refuse_command)
from bot.telegram.admin.arguments import MAX_USER_ID, command_number
from bot.telegram.admin.documents import (WAITING_FOR_DOCUMENT, add_command, add_timed_out, ask_to_remove, cancel,
                                          list_documents, offer_page, offer_post, press_admin_button,
                                          receive_file, receive_text, reindex, restore_document)
from bot.telegram.admin.reports import (add_synonym, export_log, list_loanwords, list_synonyms, remove_synonym,
                                        show_stats, show_unanswered, threshold)
from bot.telegram.context import BotContext
from bot.telegram.replies import send

log = logging.getLogger(__name__)


async def publish_admin_menu(bot: object, user_ids: list[int], *, remove: bool = False) -> None:
    """The admin command menu, in each admin's private chat only."""
    menu = [BotCommand(c.name, c.description) for c in COMMANDS if c.menu]
    for user_id in user_ids:
        try:
            if remove:
                await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))  # type: ignore[attr-defined]
            else:
                await bot.set_my_commands(menu, scope=BotCommandScopeChat(user_id))  # type: ignore[attr-defined]
        except TelegramError as error:
            log.warning("could not publish the admin menu for %s: %s", user_id, error)


async def list_admins(update: Update, context: BotContext) -> None:
    """List the admins."""
    await send(update.effective_message, texts.admins_list(context.services.service.admins.all()))  # type: ignore[arg-type]


async def add_admin(update: Update, context: BotContext) -> None:
    """Make a user an admin and give them the admin menu."""
    target = await command_number(update, context, texts.admin_usage("admin_add"), MAX_USER_ID)
    if target is None:
        return
    message, user_id = target
    by = update.effective_user.id if update.effective_user else 0
    added = await work.needing_database(context, context.services.service.admins.add, user_id, by=by)
    if added:
        log.info("user %s made user %s an admin", by, user_id)
        await publish_admin_menu(context.bot, [user_id])
    await send(message, texts.admin_added(user_id, added))


async def remove_admin(update: Update, context: BotContext) -> None:
    """Take admin rights from a user added by command."""
    target = await command_number(update, context, texts.admin_usage("admin_remove"), MAX_USER_ID)
    if target is None:
        return
    message, user_id = target
    try:
        removed = await work.needing_database(context, context.services.service.admins.remove, user_id)
    except AdminError as error:
        await send(message, texts.admin_refused(texts.refusal(error)))
        return
    if removed:
        await publish_admin_menu(context.bot, [user_id], remove=True)
    await send(message, texts.admin_removed(user_id, removed))


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


@dataclass(frozen=True)
class AdminCommand:
    name: str
    callback: Callback
    args: str
    description: str
    menu: bool = True


# The admin commands: their handlers, the admin menu and the admin part of /help are all made from this table.
COMMANDS: tuple[AdminCommand, ...] = (
    AdminCommand("add", add_command, "[text]", "Add a document: send a file, or paste its text"),
    AdminCommand("docs", list_documents, "", "List documents"),
    AdminCommand("remove", ask_to_remove, "ID", "Stop quoting a document"),
    AdminCommand("restore", restore_document, "ID", "Quote a removed document again"),
    AdminCommand("reindex", reindex, "", "Rebuild the index from the database"),
    AdminCommand("stats", show_stats, "", "Usage statistics and a chart"),
    AdminCommand("unanswered", show_unanswered, "", "What users asked that I could not answer"),
    AdminCommand("export", export_log, "", "The question log as CSV"),
    AdminCommand("threshold", threshold, "[VALUE]", "Show or set the decline threshold"),
    AdminCommand("synonyms", list_synonyms, "", "List the synonym table"),
    AdminCommand("synonym_add", add_synonym, "A = B [= C]", "Add words that mean the same"),
    AdminCommand("synonym_remove", remove_synonym, "N", "Remove a line of the synonym table"),
    AdminCommand("loanwords", list_loanwords, "", "List the words of other languages read in questions"),
    AdminCommand("admins", list_admins, "", "List admins"),
    AdminCommand("admin_add", add_admin, "ID", "Make a user an admin"),
    AdminCommand("admin_remove", remove_admin, "ID", "Take admin rights away from a user"),
    AdminCommand("cancel", cancel, "", "Stop waiting for a document", menu=False),
)


NAMES = frozenset(c.name for c in COMMANDS)


def help_text() -> str:
    return texts.admin_help([(c.name, c.args, c.description) for c in COMMANDS if c.menu])


def handlers(registry: AdminRegistry, *, add_timeout: float) -> list[Any]:
    """Every admin handler, each behind the admin filter; then the handlers that refuse what those did not take.
    Order matters: the /add conversation first, because it takes the admin's next message."""
    only = admin_only(registry)
    add = next(c for c in COMMANDS if c.name == "add")
    cancel_command = next(c for c in COMMANDS if c.name == "cancel")
    return [
        ConversationHandler(
            entry_points=[CommandHandler(add.name, add.callback, filters=only)],
            states={
                WAITING_FOR_DOCUMENT: [
                    MessageHandler(only & filters.Document.ALL, receive_file),
                    MessageHandler(only & filters.TEXT & ~filters.COMMAND, receive_text),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, add_timed_out)],
            },
            fallbacks=[CommandHandler(cancel_command.name, cancel_command.callback, filters=only)],
            conversation_timeout=add_timeout,
        ),
        *(CommandHandler(c.name, c.callback, filters=only) for c in COMMANDS if c is not add),
        MessageHandler(only & FromChannel(), offer_post),
        MessageHandler(only & filters.Document.ALL, receive_file),
        MessageHandler(only & filters.Regex(r"^\s*https?://\S+\s*$"), offer_page),
        AdminButtonHandler(registry, press_admin_button),
        # Reached only by what the handlers above turned away.
        CommandHandler(NAMES, refuse_command, filters=filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POSTS),
        CallbackQueryHandler(refuse_button, pattern=callbacks.pattern("adm:rm", "adm:keep", "adm:url", "adm:post")),
    ]
