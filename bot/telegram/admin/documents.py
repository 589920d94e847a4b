"""Adding and removing documents: a file, pasted text, a page's address, a post forwarded from a channel; the
document list, removal and restoring, and rebuilding the index.

Every untrusted file and page is read in the sandbox (`bot.intake.reading`); a refusal says why
(`texts.refusal`) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageOriginChannel, Update
from telegram.ext import ConversationHandler

from bot.chat import html
from bot.corpus.documents import DocumentError, DocumentRecord, parse_pasted
from bot.corpus.records import ChunkSpan
from bot.intake import fetching
from bot.storage.documents import AddOutcome
from bot.telegram import callbacks, work
from bot.telegram.admin import texts
from bot.telegram.admin.arguments import command_number
from bot.telegram.callbacks import Action, Callback
from bot.telegram.context import BotContext
from bot.telegram.replies import send

log = logging.getLogger(__name__)
WAITING_FOR_DOCUMENT = 1


async def _store(message: Message, context: BotContext, record: DocumentRecord,
                 refused: Callable[[str], str] = texts.document_refused, *,
                 chunks: list[ChunkSpan] | None = None, fetched_from: str | None = None) -> None:
    """Add a parsed document (`chunks`: its sentences, when read in a worker) and tell the admin what happened:
    its title, publisher, date, sentences, where a page was fetched from, and a question it answers; a refusal
    says why."""
    service = context.services.service
    user = message.from_user
    try:
        result = await work.admin_work(context, service.add_document, record,
                                       added_by=f"telegram:{user.id if user else '?'}", chunks=chunks)
    except DocumentError as error:
        await send(message, refused(texts.refusal(error)))
        return
    if result.outcome in (AddOutcome.DUPLICATE, AddOutcome.UNCHANGED):
        await send(message, texts.document_duplicate(result.document_id))
        return
    suggestion = await work.admin_work(context, service.suggest_question, result.document_id)
    document = service.knowledge.all_documents[result.document_id]
    await send(message, texts.document_added(result.document_id, document, result.sentences, suggestion,
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
        await send(message, texts.add_prompt(context.services.settings.max_upload_bytes))
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
    known = await work.needing_database(context, service.store.find_by_url, url)
    if known is not None:
        await send(message, texts.url_known(known))
        return
    await send(message, texts.fetching(url), quote=False)
    try:
        page = await fetching.fetch(url, max_bytes=settings.max_upload_bytes,
                                    allow_private=settings.fetch_allow_private_hosts)
        read = await work.parsing(context, "page", services.reader.page, page.url, page.kind, page.body,
                                  page.encoding)
    except (fetching.FetchError, DocumentError) as error:
        await send(message, texts.url_refused(texts.refusal(error)))
        return
    known = await work.needing_database(context, service.store.find_by_url, page.url) if page.url != url else None
    if known is not None:
        await send(message, texts.url_known(known))
        return
    await _store(message, context, read.record, refused=texts.url_refused, chunks=read.chunks,
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
        await send(message, texts.post_empty())
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
    await send(message, texts.confirm_post(post.channel, post.date, first_line, post.file_name),
               markup=add_page_keyboard(number, "adm:post"))


async def _add_post(message: Message, context: BotContext, post: ForwardedPost) -> None:
    """Add a forwarded post: its text, or its file, with the channel as publisher and the post's date and link."""
    if post.file_id is not None:
        limit = context.services.settings.max_upload_bytes
        telegram_file = await context.bot.get_file(post.file_id)
        if telegram_file.file_size is not None and telegram_file.file_size > limit:
            await send(message, texts.file_too_large(telegram_file.file_size, limit))
            return
        data = bytes(await telegram_file.download_as_bytearray())
        try:
            read = await work.parsing(context, "file", context.services.reader.upload, data,
                                      filename=post.file_name or "post.txt")
        except DocumentError as error:
            await send(message, texts.document_refused(texts.refusal(error)))
            return
        title, text, chunks = read.record.title, read.record.text, read.chunks
    else:
        first_line = post.text.split("\n", 1)[0]
        title, text, chunks = html.shorten(first_line, 120) or post.channel, post.text, None
    try:
        record = DocumentRecord(title=title, text=text, publisher=html.shorten(post.channel, 200),
                                date=post.date, url=post.url)
    except DocumentError as error:
        await send(message, texts.document_refused(texts.refusal(error)))
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
    await send(message, texts.confirm_url(url), markup=add_page_keyboard(number))


async def _add_pasted(message: Message, context: BotContext, text: str) -> None:
    try:
        record = await work.admin_work(context, parse_pasted, text)
    except DocumentError as error:
        await send(message, texts.document_refused(texts.refusal(error)))
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
        await send(message, texts.file_too_large(document.file_size, limit))
        return ConversationHandler.END
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    if len(data) > limit:
        await send(message, texts.file_too_large(len(data), limit))
        return ConversationHandler.END
    try:  # read in a worker process, with limits on its time, memory and text
        read = await work.parsing(context, "file", context.services.reader.upload, data,
                                  filename=document.file_name or "upload.txt", caption=message.caption)
    except DocumentError as error:
        await send(message, texts.document_refused(texts.refusal(error)))
        return ConversationHandler.END
    await _store(message, context, read.record, chunks=read.chunks)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """Stop waiting for a document."""
    await send(update.effective_message, texts.add_cancelled())  # type: ignore[arg-type]
    return ConversationHandler.END


async def add_timed_out(update: Update, context: BotContext) -> None:
    """Tell the admin that /add stopped waiting, so that their next message is read as a question again."""
    if isinstance(update, Update) and update.effective_message is not None:
        minutes = max(1, round(context.services.settings.add_timeout_seconds / 60))
        await send(update.effective_message, texts.add_timed_out(minutes), quote=False)


async def list_documents(update: Update, context: BotContext) -> None:
    """List every document, removed ones too."""
    documents = await work.needing_database(context, context.services.service.store.documents, include_inactive=True)
    await send(update.effective_message, texts.documents_table(documents))  # type: ignore[arg-type]


async def ask_to_remove(update: Update, context: BotContext) -> None:
    """Ask for confirmation before a document stops being quoted."""
    target = await command_number(update, context, texts.id_usage("remove"))
    if target is None:
        return
    message, doc_id = target
    listed = await work.needing_database(context, context.services.service.store.documents, include_inactive=True)
    documents = {d.id: d for d, _, _ in listed}
    if doc_id not in documents:
        await send(message, texts.no_such_document(doc_id))
        return
    await send(message, texts.confirm_remove(documents[doc_id]), markup=remove_keyboard(doc_id))


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
            await query.edit_message_text(texts.kept())
            return
        await query.edit_message_text(texts.confirm_post(post.channel, post.date, post.text.split("\n", 1)[0],
                                                            post.file_name).split("?")[0] + ": adding…")
        await _add_post(query.message, context, post)
    elif data is not None and data.action == "adm:url":
        pending: dict[int, str] = context.user_data.setdefault("pending_pages", {})  # type: ignore[union-attr]
        url = pending.pop(data.ids[0], None)
        if url is None or not isinstance(query.message, Message):
            await query.edit_message_text(texts.kept())
            return
        await query.edit_message_text(texts.fetching(url))
        await _add_page(query.message, context, url)
    elif data is not None and data.action == "adm:rm":
        doc_id = data.ids[0]
        done = await work.admin_work(context, context.services.service.set_active, doc_id, False)
        log.info("user %s removed document %s", query.from_user.id, doc_id)
        await query.edit_message_text(texts.removed(doc_id) if done else texts.no_such_document(doc_id))
    else:
        await query.edit_message_text(texts.kept())


async def restore_document(update: Update, context: BotContext) -> None:
    """Quote a removed document again."""
    target = await command_number(update, context, texts.id_usage("restore"))
    if target is None:
        return
    message, doc_id = target
    done = await work.admin_work(context, context.services.service.set_active, doc_id, True)
    await send(message, texts.restored(doc_id) if done else texts.no_such_document(doc_id))


async def reindex(update: Update, context: BotContext) -> None:
    """Rebuild the index beside the current one and swap it in."""
    message = update.effective_message
    if message is None:
        return
    await send(message, texts.reindexing(), quote=False)
    started = time.perf_counter()
    knowledge = await work.admin_work(context, context.services.service.rebuild)
    await send(message, texts.reindexed(len(knowledge), len(knowledge.documents), time.perf_counter() - started))


def add_page_keyboard(pending: int, action: Action = "adm:url") -> InlineKeyboardMarkup:
    """Add the page or post an admin sent (kept under number `pending` in their user data), or cancel."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.BUTTON_ADD_PAGE, callback_data=Callback(action, (pending,)).encode()),
        InlineKeyboardButton(texts.BUTTON_CANCEL, callback_data=Callback("adm:keep").encode()),
    ]])


def remove_keyboard(document_id: int) -> InlineKeyboardMarkup:
    """Confirm or cancel the removal of a document."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.BUTTON_CONFIRM_REMOVE, callback_data=Callback("adm:rm", (document_id,)).encode()),
        InlineKeyboardButton(texts.BUTTON_CANCEL, callback_data=Callback("adm:keep").encode()),
    ]])
