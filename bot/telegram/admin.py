"""Admin handlers. They check no rights themselves: `guard` (group -1) lets admin commands and admin
buttons through only for admins, and uploads reach `receive_file` only through the `AdminFilter`."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ConversationHandler, filters

from bot import charts, messages
from bot.corpus import DocumentError, DocumentRecord, parse_pasted, parse_upload
from bot.storage.admin import AdminError, AdminRegistry
from bot.storage.documents import AddOutcome
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

ADMIN_COMMANDS = frozenset(
    {"add", "docs", "remove", "restore", "reindex", "stats", "unanswered", "export", "threshold", "admins",
     "admin_add", "admin_remove", "cancel"}
)
ADMIN_MENU = [
    BotCommand("add", "Add a document"),
    BotCommand("docs", "List documents"),
    BotCommand("remove", "Stop quoting a document"),
    BotCommand("restore", "Quote a document again"),
    BotCommand("reindex", "Rebuild the index"),
    BotCommand("stats", "Usage statistics"),
    BotCommand("unanswered", "Questions I could not answer"),
    BotCommand("export", "Question log as CSV"),
    BotCommand("threshold", "Show or set the decline threshold"),
    BotCommand("admins", "List admins"),
]
BUTTON_PREFIX = "adm:"
WAITING_FOR_DOCUMENT = 1


class AdminFilter(filters.MessageFilter):
    """Messages from an admin (by sender id, as the registry has it now)."""

    def __init__(self, registry: AdminRegistry) -> None:
        super().__init__(name="AdminFilter")
        self.registry = registry

    def filter(self, message: Message) -> bool:
        return self.registry.is_admin(message.from_user.id if message.from_user else None)


def _admin_action(update: Update) -> str | None:
    """The admin command or button this update asks for, if any."""
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        return "button" if isinstance(data, str) and data.startswith(BUTTON_PREFIX) else None
    message = update.message
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    command = message.text.split()[0][1:].split("@")[0].lower()
    return command if command in ADMIN_COMMANDS else None


async def guard(update: Update, context: BotContext) -> None:
    """Let admin commands and admin buttons through only for admins; refuse and log everyone else."""
    action = _admin_action(update)
    if action is None:
        return
    user = update.effective_user
    if context.services.service.admins.is_admin(user.id if user else None):
        return
    log.warning("refused admin action %r from user %s", action, user.id if user else None)
    if update.callback_query is not None:
        await update.callback_query.answer(messages.not_allowed(), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_html(messages.not_allowed(), do_quote=True)
    raise ApplicationHandlerStop


async def publish_admin_menu(bot: object, user_ids: list[int], *, remove: bool = False) -> None:
    """The admin command menu, in each admin's private chat only."""
    for user_id in user_ids:
        try:
            if remove:
                await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))  # type: ignore[attr-defined]
            else:
                await bot.set_my_commands(ADMIN_MENU, scope=BotCommandScopeChat(user_id))  # type: ignore[attr-defined]
        except TelegramError as error:
            log.warning("could not publish the admin menu for %s: %s", user_id, error)


def _single_id(context: BotContext) -> int | None:
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("-").isdigit():
        return None
    return int(args[0])


async def list_admins(update: Update, context: BotContext) -> None:
    """List the admins."""
    await update.effective_message.reply_html(messages.admins_list(context.services.service.admins.all()))  # type: ignore[union-attr]


async def _target(update: Update, context: BotContext, usage: str) -> tuple[Message, int] | None:
    """The message and the one number (user or document id) a command names, or None after saying how to
    use the command."""
    message = update.effective_message
    number = _single_id(context)
    if message is not None and number is None:
        await message.reply_html(usage)
    return (message, number) if message is not None and number is not None else None


async def add_admin(update: Update, context: BotContext) -> None:
    """Make a user an admin and give them the admin menu."""
    target = await _target(update, context, messages.admin_usage("admin_add"))
    if target is None:
        return
    message, user_id = target
    by = update.effective_user.id if update.effective_user else 0
    added = await asyncio.to_thread(context.services.service.admins.add, user_id, by=by)
    if added:
        await publish_admin_menu(context.bot, [user_id])
    await message.reply_html(messages.admin_added(user_id, added))


async def remove_admin(update: Update, context: BotContext) -> None:
    """Take admin rights from a user added by command."""
    target = await _target(update, context, messages.admin_usage("admin_remove"))
    if target is None:
        return
    message, user_id = target
    try:
        removed = await asyncio.to_thread(context.services.service.admins.remove, user_id)
    except AdminError as error:
        await message.reply_html(messages.admin_refused(str(error)))
        return
    if removed:
        await publish_admin_menu(context.bot, [user_id], remove=True)
    await message.reply_html(messages.admin_removed(user_id, removed))


async def _store(message: Message, context: BotContext, record: DocumentRecord) -> None:
    """Add a parsed document and tell the admin what happened."""
    service = context.services.service
    user = message.from_user
    result = await asyncio.to_thread(service.add_document, record, added_by=f"telegram:{user.id if user else '?'}")
    if result.outcome in (AddOutcome.DUPLICATE, AddOutcome.UNCHANGED):
        await message.reply_html(messages.document_duplicate(result.document_id), do_quote=True)
        return
    suggestion = await asyncio.to_thread(service.suggest_question, result.document_id)
    await message.reply_html(
        messages.document_added(result.document_id, record.title, result.sentences, suggestion), do_quote=True
    )


async def add_command(update: Update, context: BotContext) -> int:
    """`/add TEXT` adds the text at once; `/add` alone waits for a file or pasted text."""
    message = update.effective_message
    if message is None or message.text is None:
        return ConversationHandler.END
    _, _, pasted = message.text.partition(" ")
    if not pasted.strip() and "\n" in message.text:
        pasted = message.text.split("\n", 1)[1]
    if not pasted.strip():
        await message.reply_html(messages.add_prompt(context.services.settings.max_upload_bytes))
        return WAITING_FOR_DOCUMENT
    await _add_pasted(message, context, pasted)
    return ConversationHandler.END


async def _add_pasted(message: Message, context: BotContext, text: str) -> None:
    try:
        record = parse_pasted(text)
    except DocumentError as error:
        await message.reply_html(messages.document_refused(str(error)), do_quote=True)
        return
    await _store(message, context, record)


async def receive_text(update: Update, context: BotContext) -> int:
    """The pasted text an admin sends after `/add`."""
    message = update.effective_message
    if message is not None and message.text:
        await _add_pasted(message, context, message.text)
    return ConversationHandler.END


async def receive_file(update: Update, context: BotContext) -> int:
    """A file an admin sends (after `/add` or with metadata in its caption): check, download, parse, store."""
    message = update.effective_message
    if message is None or message.document is None:
        return ConversationHandler.END
    document = message.document
    limit = context.services.settings.max_upload_bytes
    if document.file_size is not None and document.file_size > limit:
        await message.reply_html(messages.file_too_large(document.file_size, limit), do_quote=True)
        return ConversationHandler.END
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    if len(data) > limit:
        await message.reply_html(messages.file_too_large(len(data), limit), do_quote=True)
        return ConversationHandler.END
    try:
        record = parse_upload(data, filename=document.file_name or "upload.txt", caption=message.caption)
    except DocumentError as error:
        await message.reply_html(messages.document_refused(str(error)), do_quote=True)
        return ConversationHandler.END
    await _store(message, context, record)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """Stop waiting for a document."""
    await update.effective_message.reply_html(messages.add_cancelled())  # type: ignore[union-attr]
    return ConversationHandler.END


async def list_documents(update: Update, context: BotContext) -> None:
    """List every document, removed ones too."""
    documents = await asyncio.to_thread(context.services.service.store.documents, include_inactive=True)
    for part in messages.pack(messages.documents_table(documents).split("\n")):
        await update.effective_message.reply_html(part)  # type: ignore[union-attr]


async def ask_to_remove(update: Update, context: BotContext) -> None:
    """Ask for confirmation before a document stops being quoted."""
    target = await _target(update, context, messages.id_usage("remove"))
    if target is None:
        return
    message, doc_id = target
    documents = {d.id: d for d, _, _ in await asyncio.to_thread(context.services.service.store.documents, include_inactive=True)}
    if doc_id not in documents:
        await message.reply_html(messages.no_such_document(doc_id))
        return
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(messages.BUTTON_CONFIRM_REMOVE, callback_data=f"{BUTTON_PREFIX}rm:{doc_id}"),
        InlineKeyboardButton(messages.BUTTON_CANCEL, callback_data=f"{BUTTON_PREFIX}keep"),
    ]])
    await message.reply_html(messages.confirm_remove(documents[doc_id]), reply_markup=keyboard)


async def press_admin_button(update: Update, context: BotContext) -> None:
    """Confirm or cancel a removal."""
    query = update.callback_query
    if query is None:
        return
    data = (query.data or "")[len(BUTTON_PREFIX):]
    await query.answer()
    if data.startswith("rm:") and data[3:].isdigit():
        doc_id = int(data[3:])
        done = await asyncio.to_thread(context.services.service.set_active, doc_id, False)
        await query.edit_message_text(messages.removed(doc_id) if done else messages.no_such_document(doc_id))
    else:
        await query.edit_message_text(messages.kept())


async def restore_document(update: Update, context: BotContext) -> None:
    """Quote a removed document again."""
    target = await _target(update, context, messages.id_usage("restore"))
    if target is None:
        return
    message, doc_id = target
    done = await asyncio.to_thread(context.services.service.set_active, doc_id, True)
    await message.reply_html(messages.restored(doc_id) if done else messages.no_such_document(doc_id))


async def reindex(update: Update, context: BotContext) -> None:
    """Rebuild the index beside the current one and swap it in."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_html(messages.reindexing())
    started = time.perf_counter()
    knowledge = await asyncio.to_thread(context.services.service.rebuild)
    await message.reply_html(messages.reindexed(len(knowledge), len(knowledge.documents), time.perf_counter() - started))


async def show_stats(update: Update, context: BotContext) -> None:
    """Usage figures, then the questions-per-day chart."""
    message = update.effective_message
    if message is None:
        return
    stats = await asyncio.to_thread(context.services.service.reports.stats)
    await message.reply_html(messages.stats_text(stats))
    png = await asyncio.to_thread(charts.questions_per_day, stats.per_day)
    await message.reply_photo(InputFile(png, filename="questions-per-day.png"), caption=messages.stats_caption())


async def show_unanswered(update: Update, context: BotContext) -> None:
    """Declined and 👎 questions, grouped, most frequent first."""
    items = await asyncio.to_thread(context.services.service.reports.unanswered)
    await update.effective_message.reply_html(messages.unanswered_list(items))  # type: ignore[union-attr]


async def export_log(update: Update, context: BotContext) -> None:
    """Send the question log with votes as a CSV file."""
    csv_text = await asyncio.to_thread(context.services.service.reports.export_csv)
    rows = max(csv_text.count("\n") - 1, 0)
    await update.effective_message.reply_document(  # type: ignore[union-attr]
        InputFile(csv_text.encode("utf-8"), filename="questions.csv"), caption=messages.export_caption(rows)
    )


async def threshold(update: Update, context: BotContext) -> None:
    """Show the decline threshold, or set it (kept across restarts)."""
    message = update.effective_message
    service = context.services.service
    if message is None:
        return
    args = context.args or []
    if not args:
        await message.reply_html(messages.threshold_text(service.threshold))
        return
    try:
        value = float(args[0].replace(",", "."))
        await asyncio.to_thread(service.set_threshold, value)
    except ValueError:
        await message.reply_html(messages.threshold_usage())
        return
    await message.reply_html(messages.threshold_set(value))
