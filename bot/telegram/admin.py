"""Admin handlers, and the one table of admin commands from which their handlers, menu and /help are made.

Authority is checked where the effect happens: every admin handler is registered with `admin_only(registry)`,
a filter on the sender's id that also requires a new message (an edit is not a new command) in a private chat
(admin output such as the question log must not land in a group). Admin buttons go through `AdminButtonHandler`,
which checks the presser's id the same way. No handler re-parses text to decide who may do what; what reaches
`refuse_command` or `refuse_button` has already been turned away by those filters and only gets a polite answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, InputFile, Message, MessageOriginChannel, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, TypeHandler, filters

from bot.chat import html
from bot.corpus.documents import DocumentError, DocumentRecord, parse_pasted
from bot.corpus.records import MAX_ROW_ID, ChunkSpan
from bot.intake import fetching
from bot.storage.admin import AdminError, AdminRegistry
from bot.storage.documents import AddOutcome
from bot.telegram import admin_texts
from bot.telegram import charts
from bot.telegram import callbacks
from bot.telegram.context import BotContext
from bot.telegram.flood import admitted, sender_key
from bot.telegram.replies import send

log = logging.getLogger(__name__)
WAITING_FOR_DOCUMENT = 1


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
    if update.message is None or not await admitted(update.message, context, sender_key(update)):
        return
    if context.services.service.admins.is_admin(sender):
        await send(update.message, admin_texts.admin_private_only())
    else:
        await send(update.message, admin_texts.not_allowed())


async def refuse_button(update: Update, context: BotContext) -> None:
    """Turn away an admin button pressed by someone who is not an admin, and log who pressed it."""
    query = update.callback_query
    if query is None:
        return
    log.warning("refused admin button %r from user %s", (query.data or "")[:64], query.from_user.id)
    await query.answer(admin_texts.not_allowed(), show_alert=True)


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


MAX_USER_ID = 2**63 - 1  # Telegram user ids are kept in BIGINT columns


def _single_id(context: BotContext, limit: int = MAX_ROW_ID) -> int | None:
    """The command's one number, when it is one that the database's column can hold (`limit`)."""
    args = context.args or []
    if len(args) != 1 or not args[0].isascii() or not args[0].lstrip("-").isdigit() or len(args[0]) > 20:
        return None
    number = int(args[0])
    return number if -limit - 1 <= number <= limit else None


async def list_admins(update: Update, context: BotContext) -> None:
    """List the admins."""
    await send(update.effective_message, admin_texts.admins_list(context.services.service.admins.all()))  # type: ignore[arg-type]


async def _target(update: Update, context: BotContext, usage: str,
                  limit: int = MAX_ROW_ID) -> tuple[Message, int] | None:
    """The message and the one number (user, document or line id, at most `limit`) a command names, or None
    after saying how to use the command."""
    message = update.effective_message
    number = _single_id(context, limit)
    if message is not None and number is None:
        await send(message, usage)
    return (message, number) if message is not None and number is not None else None


async def add_admin(update: Update, context: BotContext) -> None:
    """Make a user an admin and give them the admin menu."""
    target = await _target(update, context, admin_texts.admin_usage("admin_add"), MAX_USER_ID)
    if target is None:
        return
    message, user_id = target
    by = update.effective_user.id if update.effective_user else 0
    added = await asyncio.to_thread(context.services.service.admins.add, user_id, by=by)
    if added:
        log.info("user %s made user %s an admin", by, user_id)
        await publish_admin_menu(context.bot, [user_id])
    await send(message, admin_texts.admin_added(user_id, added))


async def remove_admin(update: Update, context: BotContext) -> None:
    """Take admin rights from a user added by command."""
    target = await _target(update, context, admin_texts.admin_usage("admin_remove"), MAX_USER_ID)
    if target is None:
        return
    message, user_id = target
    try:
        removed = await asyncio.to_thread(context.services.service.admins.remove, user_id)
    except AdminError as error:
        await send(message, admin_texts.admin_refused(admin_texts.refusal(error)))
        return
    if removed:
        await publish_admin_menu(context.bot, [user_id], remove=True)
    await send(message, admin_texts.admin_removed(user_id, removed))


async def _store(message: Message, context: BotContext, record: DocumentRecord,
                 refused: Callable[[str], str] = admin_texts.document_refused, *,
                 chunks: list[ChunkSpan] | None = None, fetched_from: str | None = None) -> None:
    """Add a parsed document (`chunks`: its sentences, when read in a worker) and tell the admin what happened:
    its title, publisher, date, sentences, where a page was fetched from, and a question it answers; a refusal
    says why."""
    service = context.services.service
    user = message.from_user
    try:
        result = await asyncio.to_thread(service.add_document, record, added_by=f"telegram:{user.id if user else '?'}",
                                         chunks=chunks)
    except DocumentError as error:
        await send(message, refused(admin_texts.refusal(error)))
        return
    if result.outcome in (AddOutcome.DUPLICATE, AddOutcome.UNCHANGED):
        await send(message, admin_texts.document_duplicate(result.document_id))
        return
    suggestion = await asyncio.to_thread(service.suggest_question, result.document_id)
    document = service.knowledge.all_documents[result.document_id]
    await send(message, admin_texts.document_added(result.document_id, document, result.sentences, suggestion,
                                                fetched_from=fetched_from))


async def add_command(update: Update, context: BotContext) -> int:
    """`/add TEXT` adds the text at once; `/add` alone waits for a file or pasted text."""
    message = update.effective_message
    if message is None or message.text is None:
        return ConversationHandler.END
    _, _, pasted = message.text.partition(" ")
    if not pasted.strip() and "\n" in message.text:
        pasted = message.text.split("\n", 1)[1]
    if not pasted.strip():
        await send(message, admin_texts.add_prompt(context.services.settings.max_upload_bytes))
        return WAITING_FOR_DOCUMENT
    url = fetching.single_url(pasted)
    if url is not None:
        await _add_page(message, context, url)
    else:
        await _add_pasted(message, context, pasted)
    return ConversationHandler.END


async def _add_page(message: Message, context: BotContext, url: str) -> None:
    """Fetch a page, read its article in a worker and add it under the address actually fetched; every refusal
    says why and changes nothing."""
    services = context.services
    service, settings = services.service, services.settings
    known = await asyncio.to_thread(service.store.find_by_url, url)
    if known is not None:
        await send(message, admin_texts.url_known(known))
        return
    await send(message, admin_texts.fetching(url), quote=False)
    try:
        page = await fetching.fetch(url, max_bytes=settings.max_upload_bytes,
                                    allow_private=settings.fetch_allow_private_hosts)
        read = await asyncio.to_thread(services.reader.page, page.url, page.kind, page.body, page.encoding)
    except (fetching.FetchError, DocumentError) as error:
        await send(message, admin_texts.url_refused(admin_texts.refusal(error)))
        return
    known = await asyncio.to_thread(service.store.find_by_url, page.url) if page.url != url else None
    if known is not None:
        await send(message, admin_texts.url_known(known))
        return
    await _store(message, context, read.record, refused=admin_texts.url_refused, chunks=read.chunks,
                 fetched_from=fetching.host_of(page.url))


@dataclass(frozen=True)
class ForwardedPost:
    """A channel post an admin forwarded, waiting for the Add button."""

    text: str
    channel: str
    date: dt.date
    url: str | None
    file_id: str | None
    file_name: str | None


async def offer_post(update: Update, context: BotContext) -> None:
    """A post an admin forwarded from a channel: show what would be added, with Add / Cancel buttons."""
    message = update.effective_message
    origin = message.forward_origin if message is not None else None
    if message is None or not isinstance(origin, MessageOriginChannel):
        return
    text = (message.text or message.caption or "").strip()
    document = message.document
    if not text and document is None:
        await send(message, admin_texts.post_empty())
        return
    username = origin.chat.username
    post = ForwardedPost(text=text, channel=origin.chat.title or (f"@{username}" if username else "a channel"),
                         date=origin.date.date(), url=f"https://t.me/{username}/{origin.message_id}" if username else None,
                         file_id=document.file_id if document else None,
                         file_name=document.file_name if document else None)
    pending: dict[int, ForwardedPost] = context.user_data.setdefault("pending_posts", {})  # type: ignore[union-attr]
    number = max(pending, default=0) + 1
    pending[number] = post
    first_line = text.split("\n", 1)[0]
    await send(message, admin_texts.confirm_post(post.channel, post.date, first_line, post.file_name),
               markup=callbacks.add_page_keyboard(number, "adm:post"))


async def _add_post(message: Message, context: BotContext, post: ForwardedPost) -> None:
    """Add a forwarded post: its text, or its file, with the channel as publisher and the post's date and link."""
    if post.file_id is not None:
        limit = context.services.settings.max_upload_bytes
        telegram_file = await context.bot.get_file(post.file_id)
        if telegram_file.file_size is not None and telegram_file.file_size > limit:
            await send(message, admin_texts.file_too_large(telegram_file.file_size, limit))
            return
        data = bytes(await telegram_file.download_as_bytearray())
        try:
            read = await asyncio.to_thread(context.services.reader.upload, data, filename=post.file_name or "post.txt")
        except DocumentError as error:
            await send(message, admin_texts.document_refused(admin_texts.refusal(error)))
            return
        title, text, chunks = read.record.title, read.record.text, read.chunks
    else:
        first_line = post.text.split("\n", 1)[0]
        title, text, chunks = html.shorten(first_line, 120) or post.channel, post.text, None
    try:
        record = DocumentRecord(title=title, text=text, publisher=html.shorten(post.channel, 200),
                                date=post.date, url=post.url)
    except DocumentError as error:
        await send(message, admin_texts.document_refused(admin_texts.refusal(error)))
        return
    await _store(message, context, record, chunks=chunks)


async def offer_page(update: Update, context: BotContext) -> None:
    """A bare link from an admin in a private chat: offer to add the page, with a button."""
    message = update.effective_message
    url = fetching.single_url(message.text or "") if message is not None else None
    if message is None or url is None:
        return
    pending: dict[int, str] = context.user_data.setdefault("pending_pages", {})  # type: ignore[union-attr]
    number = max(pending, default=0) + 1
    pending[number] = url
    await send(message, admin_texts.confirm_url(url), markup=callbacks.add_page_keyboard(number))


async def _add_pasted(message: Message, context: BotContext, text: str) -> None:
    try:
        record = await asyncio.to_thread(parse_pasted, text)
    except DocumentError as error:
        await send(message, admin_texts.document_refused(admin_texts.refusal(error)))
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
        await send(message, admin_texts.file_too_large(document.file_size, limit))
        return ConversationHandler.END
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    if len(data) > limit:
        await send(message, admin_texts.file_too_large(len(data), limit))
        return ConversationHandler.END
    try:  # read in a worker process, with limits on its time, memory and text
        read = await asyncio.to_thread(context.services.reader.upload, data, filename=document.file_name or "upload.txt",
                                       caption=message.caption)
    except DocumentError as error:
        await send(message, admin_texts.document_refused(admin_texts.refusal(error)))
        return ConversationHandler.END
    await _store(message, context, read.record, chunks=read.chunks)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """Stop waiting for a document."""
    await send(update.effective_message, admin_texts.add_cancelled())  # type: ignore[arg-type]
    return ConversationHandler.END


async def add_timed_out(update: Update, context: BotContext) -> None:
    """Tell the admin that /add stopped waiting, so that their next message is read as a question again."""
    if isinstance(update, Update) and update.effective_message is not None:
        minutes = max(1, round(context.services.settings.add_timeout_seconds / 60))
        await send(update.effective_message, admin_texts.add_timed_out(minutes), quote=False)


async def list_documents(update: Update, context: BotContext) -> None:
    """List every document, removed ones too."""
    documents = await asyncio.to_thread(context.services.service.store.documents, include_inactive=True)
    await send(update.effective_message, admin_texts.documents_table(documents))  # type: ignore[arg-type]


async def ask_to_remove(update: Update, context: BotContext) -> None:
    """Ask for confirmation before a document stops being quoted."""
    target = await _target(update, context, admin_texts.id_usage("remove"))
    if target is None:
        return
    message, doc_id = target
    documents = {d.id: d for d, _, _ in await asyncio.to_thread(context.services.service.store.documents, include_inactive=True)}
    if doc_id not in documents:
        await send(message, admin_texts.no_such_document(doc_id))
        return
    await send(message, admin_texts.confirm_remove(documents[doc_id]), markup=callbacks.remove_keyboard(doc_id))


async def press_admin_button(update: Update, context: BotContext) -> None:
    """Confirm or cancel a removal (only admins' presses reach here: see AdminButtonHandler)."""
    query = update.callback_query
    if query is None:
        return
    data = callbacks.decode(query.data)
    await query.answer()
    if data is not None and data.action == "adm:post":
        posts: dict[int, ForwardedPost] = context.user_data.setdefault("pending_posts", {})  # type: ignore[union-attr]
        post = posts.pop(data.ids[0], None)
        if post is None or not isinstance(query.message, Message):
            await query.edit_message_text(admin_texts.kept())
            return
        await query.edit_message_text(admin_texts.confirm_post(post.channel, post.date, post.text.split("\n", 1)[0],
                                                            post.file_name).split("?")[0] + ": adding…")
        await _add_post(query.message, context, post)
    elif data is not None and data.action == "adm:url":
        pending: dict[int, str] = context.user_data.setdefault("pending_pages", {})  # type: ignore[union-attr]
        url = pending.pop(data.ids[0], None)
        if url is None or not isinstance(query.message, Message):
            await query.edit_message_text(admin_texts.kept())
            return
        await query.edit_message_text(admin_texts.fetching(url))
        await _add_page(query.message, context, url)
    elif data is not None and data.action == "adm:rm":
        doc_id = data.ids[0]
        done = await asyncio.to_thread(context.services.service.set_active, doc_id, False)
        log.info("user %s removed document %s", query.from_user.id, doc_id)
        await query.edit_message_text(admin_texts.removed(doc_id) if done else admin_texts.no_such_document(doc_id))
    else:
        await query.edit_message_text(admin_texts.kept())


async def restore_document(update: Update, context: BotContext) -> None:
    """Quote a removed document again."""
    target = await _target(update, context, admin_texts.id_usage("restore"))
    if target is None:
        return
    message, doc_id = target
    done = await asyncio.to_thread(context.services.service.set_active, doc_id, True)
    await send(message, admin_texts.restored(doc_id) if done else admin_texts.no_such_document(doc_id))


async def reindex(update: Update, context: BotContext) -> None:
    """Rebuild the index beside the current one and swap it in."""
    message = update.effective_message
    if message is None:
        return
    await send(message, admin_texts.reindexing(), quote=False)
    started = time.perf_counter()
    knowledge = await asyncio.to_thread(context.services.service.rebuild)
    await send(message, admin_texts.reindexed(len(knowledge), len(knowledge.documents), time.perf_counter() - started))


async def show_stats(update: Update, context: BotContext) -> None:
    """Usage figures, then the questions-per-day chart."""
    message = update.effective_message
    if message is None:
        return
    stats = await asyncio.to_thread(context.services.service.reports.stats)
    await send(message, admin_texts.stats_text(stats), quote=False)
    png = await asyncio.to_thread(charts.questions_per_day, stats.per_day)
    await message.reply_photo(InputFile(png, filename="questions-per-day.png"), caption=admin_texts.stats_caption())


async def show_unanswered(update: Update, context: BotContext) -> None:
    """Declined and 👎 questions, grouped, most frequent first."""
    items = await asyncio.to_thread(context.services.service.reports.unanswered)
    await send(update.effective_message, admin_texts.unanswered_list(items), quote=False)  # type: ignore[arg-type]


async def export_log(update: Update, context: BotContext) -> None:
    """Send the question log with votes as a CSV file."""
    csv_text = await asyncio.to_thread(context.services.service.reports.export_csv)
    rows = max(csv_text.count("\n") - 1, 0)
    await update.effective_message.reply_document(  # type: ignore[union-attr]
        InputFile(csv_text.encode("utf-8"), filename="questions.csv"), caption=admin_texts.export_caption(rows)
    )


async def threshold(update: Update, context: BotContext) -> None:
    """Show the decline threshold, or set it (kept across restarts)."""
    message = update.effective_message
    service = context.services.service
    if message is None:
        return
    args = context.args or []
    if not args:
        await send(message, admin_texts.threshold_text(service.threshold))
        return
    try:
        value = float(args[0].replace(",", "."))
        await asyncio.to_thread(service.set_threshold, value)
    except ValueError:
        await send(message, admin_texts.threshold_usage())
        return
    log.info("user %s set the decline threshold to %s", update.effective_user.id if update.effective_user else None, value)
    await send(message, admin_texts.threshold_set(value))


async def list_synonyms(update: Update, context: BotContext) -> None:
    """List the synonym table's lines with their numbers."""
    lines = await asyncio.to_thread(context.services.service.synonyms.lines)
    await send(update.effective_message, admin_texts.synonyms_list(lines), quote=False)  # type: ignore[arg-type]


async def add_synonym(update: Update, context: BotContext) -> None:
    """Add a line to the synonym table; it applies at once, here and in every instance."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    _, _, text = message.text.partition(" ")
    if not text.strip():
        await send(message, admin_texts.synonym_usage())
        return
    by = f"telegram:{update.effective_user.id if update.effective_user else '?'}"
    try:
        number, line = await asyncio.to_thread(context.services.service.add_synonym, text, added_by=by)
    except ValueError as error:
        await send(message, admin_texts.synonym_refused(admin_texts.refusal(error)))
        return
    log.info("%s added synonym line %s: %s", by, number, line)
    await send(message, admin_texts.synonym_added(number, line))


async def remove_synonym(update: Update, context: BotContext) -> None:
    """Remove a line of the synonym table by its number."""
    target = await _target(update, context, admin_texts.synonym_number_usage())
    if target is None:
        return
    message, number = target
    line = await asyncio.to_thread(context.services.service.remove_synonym, number)
    await send(message, admin_texts.synonym_removed(number, line) if line is not None else admin_texts.no_such_synonym(number))


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
    AdminCommand("admins", list_admins, "", "List admins"),
    AdminCommand("admin_add", add_admin, "ID", "Make a user an admin"),
    AdminCommand("admin_remove", remove_admin, "ID", "Take admin rights away from a user"),
    AdminCommand("cancel", cancel, "", "Stop waiting for a document", menu=False),
)
NAMES = frozenset(c.name for c in COMMANDS)


def help_text() -> str:
    return admin_texts.admin_help([(c.name, c.args, c.description) for c in COMMANDS if c.menu])


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
