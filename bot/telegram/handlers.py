"""User-facing handlers: read the update, call the service, format with `messages`, reply."""

from __future__ import annotations

import asyncio
import logging
import uuid

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from sqlalchemy.exc import SQLAlchemyError
from telegram.error import BadRequest, TelegramError

from bot import messages, smalltalk
from bot.answering import EmptyQuestion
from bot.telegram import callbacks
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)
INLINE_RESULTS = 5


async def start(update: Update, context: BotContext) -> None:
    """Greet the user, say what the bot knows, and offer example questions as buttons."""
    user = update.effective_user
    sources = len(context.services.service.knowledge.documents)
    await update.effective_message.reply_html(  # type: ignore[union-attr]
        messages.start(user.first_name if user else None, sources), reply_markup=callbacks.examples_keyboard()
    )


async def show_help(update: Update, context: BotContext) -> None:
    """Explain how to ask and what can and cannot be answered."""
    text = messages.help_text(context.services.settings.max_question_chars)
    user = update.effective_user
    if context.services.service.admins.is_admin(user.id if user else None):
        text += "\n\n" + messages.ADMIN_HELP
    await update.effective_message.reply_html(text)  # type: ignore[union-attr]


async def forget_me(update: Update, context: BotContext) -> None:
    """Delete the sender's logged questions and votes, and say how many."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    questions, votes = await asyncio.to_thread(context.services.service.reports.forget, user.id)
    await message.reply_html(messages.forgotten(questions, votes))


async def show_sources(update: Update, context: BotContext) -> None:
    """List the documents the bot quotes."""
    documents = list(context.services.service.knowledge.documents.values())
    await update.effective_message.reply_html(messages.sources_list(documents))  # type: ignore[union-attr]


async def answer_question(message: Message, context: BotContext, text: str, *, user_id: int | None) -> None:
    """The one path every question takes: flood limit, length, small talk, answer, reply with buttons."""
    services = context.services
    if user_id is not None:
        wait = services.flood.check(user_id)
        if wait:
            await message.reply_html(messages.slow_down(wait), do_quote=True)
            return
    if len(text) > services.settings.max_question_chars:
        await message.reply_html(messages.too_long(services.settings.max_question_chars), do_quote=True)
        return
    kind = smalltalk.classify(text)
    if kind == "greeting":
        await message.reply_html(messages.greeting(message.from_user.first_name if message.from_user else None))
        return
    if kind == "thanks":
        await message.reply_html(messages.thanks())
        return
    try:
        logged = await asyncio.to_thread(
            services.service.ask, text, chat_type=message.chat.type, chat_id=message.chat_id, user_id=user_id
        )
    except EmptyQuestion:
        await message.reply_html(messages.empty_question(), do_quote=True)
        return
    answer = logged.answer
    sources = len(services.service.knowledge.documents)
    parts = messages.answer_messages(answer, sources=sources)
    markup = callbacks.answer_keyboard(logged.question_id, answer.passages[0].chunk_id) if answer.answered else None
    for i, part in enumerate(parts):
        await message.reply_html(part, reply_markup=markup if i == len(parts) - 1 else None, do_quote=True)


async def ask_private(update: Update, context: BotContext) -> None:
    """Answer a text message in a private chat."""
    message = update.effective_message
    user = update.effective_user
    if message is None or message.text is None:
        return
    await answer_question(message, context, message.text, user_id=user.id if user else None)


async def ask_command(update: Update, context: BotContext) -> None:
    """Answer `/ask QUESTION` in any chat."""
    message = update.effective_message
    user = update.effective_user
    if message is None:
        return
    text = " ".join(context.args or [])
    if not text.strip():
        await message.reply_html(messages.group_usage(), do_quote=True)
        return
    await answer_question(message, context, text, user_id=user.id if user else None)


def _addressed_text(message: Message, bot_id: int, username: str | None) -> str | None:
    """The question in a group message that mentions the bot or replies to it; None for other chatter."""
    text = message.text or ""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    if not username:
        return None
    handle = f"@{username}".casefold()
    mentions = message.parse_entities([MessageEntity.MENTION])
    if not any(value.casefold() == handle for value in mentions.values()):
        return None
    for entity in sorted(mentions, key=lambda e: e.offset, reverse=True):
        if mentions[entity].casefold() == handle:
            text = text[: entity.offset] + text[entity.offset + entity.length:]
    return " ".join(text.split())


async def ask_in_group(update: Update, context: BotContext) -> None:
    """Answer group messages that mention the bot or reply to it; stay silent on the rest."""
    message = update.effective_message
    user = update.effective_user
    if message is None:
        return
    text = _addressed_text(message, context.bot.id, context.bot.username)
    if text is None:
        return
    if not text.strip():
        await message.reply_html(messages.group_usage(), do_quote=True)
        return
    await answer_question(message, context, text, user_id=user.id if user else None)


async def refuse_non_text(update: Update, context: BotContext) -> None:
    """Tell the sender of a sticker, photo, voice note etc. that only text questions are answered."""
    await update.effective_message.reply_html(messages.non_text(), do_quote=True)  # type: ignore[union-attr]


async def press_button(update: Update, context: BotContext) -> None:
    """Handle the inline buttons: example questions, More, Context and votes."""
    query = update.callback_query
    if query is None:
        return
    data = callbacks.decode(query.data)
    message = query.message if isinstance(query.message, Message) else None
    if data is None or message is None:
        await query.answer()
        return
    service = context.services.service
    if data.action == "ex":
        await query.answer()
        index = data.ids[0]
        if 0 <= index < len(messages.EXAMPLE_QUESTIONS):
            await answer_question(message, context, messages.EXAMPLE_QUESTIONS[index], user_id=query.from_user.id)
        return
    if data.action == "ctx":
        await query.answer()
        row = service.knowledge.chunk(data.ids[0])
        if row is None:
            await message.reply_html(messages.context_gone())
            return
        document = service.knowledge.documents[row.document_id]
        for part in messages.context_html(service.knowledge.neighbours(row.chunk_id), row.chunk_id, document):
            await message.reply_html(part, do_quote=True)
        return
    if data.action == "more":
        await query.answer()
        logged = await asyncio.to_thread(service.questions.get, data.ids[0])
        if logged is None:
            await message.reply_html(messages.question_gone())
            return
        answer = service.answer(logged.text, service.top_k + 1)
        further = [p for p in answer.passages[1:] if p.score >= service.threshold]
        for part in messages.more_passages(further):
            await message.reply_html(part, do_quote=True)
        return
    question_id, value = data.ids
    try:
        stored = await asyncio.to_thread(service.questions.vote, question_id, query.from_user.id, value)
    except Exception:  # noqa: BLE001 - a vote is never worth an error reply; the log keeps the reason
        log.warning("could not store a vote", exc_info=True)
        stored = False
    await query.answer(messages.vote_thanks(value) if stored else messages.vote_failed())
    if stored:
        chunk_id = _context_chunk(message)
        if chunk_id is not None:
            try:
                await query.edit_message_reply_markup(callbacks.answer_keyboard(question_id, chunk_id, value))
            except BadRequest:
                pass  # "message is not modified": the same vote pressed twice


def _context_chunk(message: Message) -> int | None:
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            data = callbacks.decode(button.callback_data if isinstance(button.callback_data, str) else None)
            if data is not None and data.action == "ctx":
                return data.ids[0]
    return None


async def answer_inline(update: Update, context: BotContext) -> None:
    """Offer up to five quotes with their sources for `@bot question` in any chat."""
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    services = context.services
    if not text or len(text) > services.settings.max_question_chars:
        await query.answer([], cache_time=5)
        return
    try:
        answer = services.service.answer(text, INLINE_RESULTS)
    except EmptyQuestion:
        await query.answer([], cache_time=5)
        return
    passages = [p for p in answer.passages if p.score >= services.service.threshold] if answer.answered else []
    sources = len(services.service.knowledge.documents)
    if passages:
        results = [
            InlineQueryResultArticle(
                id=str(p.chunk_id),
                title=messages.inline_title(p),
                description=messages.inline_description(p.document),
                input_message_content=InputTextMessageContent(messages.pack(messages.passage_blocks(p))[0]),
            )
            for p in passages[:INLINE_RESULTS]
        ]
    else:
        results = [
            InlineQueryResultArticle(
                id=uuid.uuid4().hex[:16],
                title=messages.inline_nothing(),
                description=messages.html_to_text(messages.decline(sources)).splitlines()[0],
                input_message_content=InputTextMessageContent(messages.answer_messages(answer, sources=sources)[0]),
            )
        ]
    await query.answer(results, cache_time=30)


async def report_error(update: object, context: BotContext) -> None:
    """Log the error with its traceback first, then tell the user something went wrong."""
    log.error("Exception while handling an update", exc_info=context.error)
    text = (messages.temporarily_unavailable() if isinstance(context.error, SQLAlchemyError)
            else messages.something_went_wrong())
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_html(text)
        except TelegramError:
            log.warning("could not tell the user about the error")
