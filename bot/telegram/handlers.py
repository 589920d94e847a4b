"""Readers' handlers: read the update, ask the chat layer for the reply, render it with `bot.chat.texts`, send it.

Every way to make the bot reply (a message, /ask, an example button, More, Context, a vote, an inline query, and
the commands, registered behind `throttle.flood_limited`) passes the same flood limit, keyed by `flood_keys`, once
per update and before any work, and a reply's every message counts (`send_counted`); the answering is done off the
event loop.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineQueryResultArticle, InputTextMessageContent, Message, MessageEntity, Update
from telegram.error import BadRequest, TelegramError

from bot.answers.answering import EmptyQuestion
from bot.chat import html, replies, texts
from bot.chat.help import EXAMPLE_QUESTIONS, welcome
from bot.chat.replies import Reply
from bot.service import Asker, NotTheAsker
from bot.storage.questions import VoteResult
from bot.telegram import admin, callbacks, work
from bot.telegram.context import BotContext
from bot.telegram.replies import send
from bot.telegram.flood import FloodKeys
from bot.telegram.throttle import admitted, flood_keys, send_counted, sender_key, verdict

log = logging.getLogger(__name__)
INLINE_RESULTS = 5


async def start(update: Update, context: BotContext) -> None:
    """Greet the user, say what the bot knows, and offer example questions as buttons."""
    user = update.effective_user
    sources = len(context.services.service.knowledge.documents)
    await send(update.effective_message, welcome(user.first_name if user else None, sources),  # type: ignore[arg-type]
               markup=callbacks.examples_keyboard(), quote=False)


def _render(context: BotContext, reply: Reply, *, first_name: str | None = None, admin_help: str | None = None) -> list[str]:
    service, settings = context.services.service, context.services.settings
    return texts.render(reply, documents=list(service.knowledge.documents.values()),
                           max_chars=settings.max_question_chars, first_name=first_name, admin_help=admin_help)


async def show_help(update: Update, context: BotContext) -> None:
    """Explain how to ask and what can and cannot be answered."""
    user = update.effective_user
    is_admin = context.services.service.admins.is_admin(user.id if user else None)
    parts = _render(context, Reply("help"), admin_help=admin.help_text() if is_admin else None)
    await send(update.effective_message, parts, quote=False)  # type: ignore[arg-type]


async def forget_me(update: Update, context: BotContext) -> None:
    """Delete the sender's logged questions and votes, and say how many."""
    sender = sender_key(update)
    message = update.effective_message
    if sender is None or message is None:
        return
    questions, votes = await work.needing_database(context, context.services.service.reports.forget, sender)
    await work.answering(context, context.services.contexts.forget, sender)
    await send(message, texts.forgotten(questions, votes))


async def show_sources(update: Update, context: BotContext) -> None:
    """List the documents the bot quotes."""
    await send_counted(update.effective_message, context, flood_keys(update), _render(context, Reply("sources")),  # type: ignore[arg-type]
                       quote=False)


async def answer_question(message: Message, context: BotContext, text: str, *, sender: int | None,
                          keys: FloodKeys) -> None:
    """The one path every question takes: flood limit, then `_answer`."""
    if await admitted(message, context, keys):
        await _answer(message, context, text, sender=sender, keys=keys)


async def _answer(message: Message, context: BotContext, text: str, *, sender: int | None, keys: FloodKeys) -> None:
    """Length, small talk, answer, reply with buttons (the flood limit already passed)."""
    services = context.services
    asker = Asker(message.chat.type, message.chat_id, sender)
    reply = await work.answering(context, replies.reply_to, text, services.service,
                                    max_chars=services.settings.max_question_chars, asker=asker,
                                    contexts=services.contexts, conversation=(message.chat_id, sender))
    answer = reply.answer if reply.brief is None else None
    shown = reply.brief.passages if reply.brief is not None else answer.passages if answer and answer.answered else []
    markup = callbacks.answer_keyboard(reply.question_id, shown[0].chunk_id) if shown else None
    first_name = message.from_user.first_name if message.from_user and not message.from_user.is_bot else None
    await send_counted(message, context, keys, _render(context, reply, first_name=first_name), markup=markup,
                       quote=reply.kind not in ("greeting", "thanks", "ack", "vote"))


async def ask_private(update: Update, context: BotContext) -> None:
    """Answer a text message in a private chat."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await answer_question(message, context, message.text, sender=sender_key(update), keys=flood_keys(update))


async def ask_command(update: Update, context: BotContext) -> None:
    """Answer `/ask QUESTION` in any chat."""
    message = update.effective_message
    keys = flood_keys(update)
    if message is None or not await admitted(message, context, keys):
        return
    text = " ".join(context.args or [])
    if not text.strip():
        await send(message, texts.group_usage())
        return
    await _answer(message, context, text, sender=sender_key(update), keys=keys)


async def brief_command(update: Update, context: BotContext) -> None:
    """Tell the story in a few quotes (`/brief SUBJECT`: one subject's), in the order things happened."""
    message = update.effective_message
    if message is None:
        return
    text = " ".join(["/brief", *(context.args or [])])
    await answer_question(message, context, text, sender=sender_key(update), keys=flood_keys(update))


async def timeline_command(update: Update, context: BotContext) -> None:
    """List the dated events across sources in order."""
    message = update.effective_message
    if message is None:
        return
    await answer_question(message, context, "/timeline", sender=sender_key(update), keys=flood_keys(update))


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
    if message is None:
        return
    text = _addressed_text(message, context.bot.id, context.bot.username)
    keys = flood_keys(update)
    if text is None or not await admitted(message, context, keys):
        return
    if not text.strip():
        await send(message, texts.group_usage())
        return
    await _answer(message, context, text, sender=sender_key(update), keys=keys)


async def refuse_non_text(update: Update, context: BotContext) -> None:
    """Tell the sender of a sticker, photo, voice note etc. that only text questions are answered."""
    message = update.effective_message
    if message is not None and await admitted(message, context, flood_keys(update)):
        await send(message, texts.non_text())


def _pressed(update: Update) -> tuple[callbacks.Callback | None, Message | None]:
    query = update.callback_query
    if query is None:
        return None, None
    message = query.message if isinstance(query.message, Message) else None
    return callbacks.decode(query.data), message


async def _answer_press(update: Update, context: BotContext) -> bool:
    """Answer the button press (stopping the client's spinner); False when the presser is over the flood limit."""
    query = update.callback_query
    assert query is not None
    allowed, notice = await verdict(context, flood_keys(update))
    await query.answer(notice)
    return allowed


async def press_example(update: Update, context: BotContext) -> None:
    """Ask the example question whose button was pressed."""
    data, message = _pressed(update)
    query = update.callback_query
    assert query is not None
    await query.answer()
    if data is None or message is None or data.ids[0] >= len(EXAMPLE_QUESTIONS):
        return
    await answer_question(message, context, EXAMPLE_QUESTIONS[data.ids[0]], sender=query.from_user.id,
                          keys=flood_keys(update))


async def press_context(update: Update, context: BotContext) -> None:
    """Show the sentences around a quote."""
    data, message = _pressed(update)
    if not await _answer_press(update, context) or data is None or message is None:
        return
    found = context.services.service.context(data.ids[0])
    if found is None:  # gone, or its document was removed
        await send(message, texts.context_gone())
        return
    await send_counted(message, context, flood_keys(update), texts.context_html(found.rows, found.chunk_id,
                                                                                 found.document))


async def press_more(update: Update, context: BotContext) -> None:
    """Show the further passages that answer the asker's question."""
    data, message = _pressed(update)
    query = update.callback_query
    assert query is not None
    if data is None or message is None:
        await query.answer()
        return
    keys = flood_keys(update)
    allowed, notice = await verdict(context, keys)  # before any work: a press costs a re-answer
    if not allowed:
        await query.answer(notice)
        return
    try:
        further = await work.answering(context, replies.more_of, context.services.service, data.ids[0],
                                       query.from_user.id)
    except NotTheAsker:
        await query.answer(texts.only_the_asker(), show_alert=True)
        return
    await query.answer()
    await send_counted(message, context, keys, texts.question_gone() if further is None
                       else texts.more_passages(further))


async def press_vote(update: Update, context: BotContext) -> None:
    """Record the asker's 👍 or 👎 and tick the chosen button."""
    data, message = _pressed(update)
    query = update.callback_query
    assert query is not None
    if data is None or message is None:
        await query.answer()
        return
    allowed, notice = await verdict(context, flood_keys(update))  # a vote edits a message: it counts too
    if not allowed:
        await query.answer(notice)
        return
    question_id, value = data.ids
    try:
        result = await work.answering(context, context.services.service.vote, question_id, query.from_user.id, value)
    except Exception:  # noqa: BLE001 - a vote is never worth an error reply; the log keeps the reason
        log.warning("could not store a vote", exc_info=True)
        await query.answer(texts.vote_failed())
        return
    if result is VoteResult.NOT_ASKER:
        await query.answer(texts.only_the_asker(), show_alert=True)
        return
    if result is VoteResult.NO_QUESTION:
        await query.answer(texts.question_gone())
        return
    await query.answer(texts.vote_thanks(value))
    chunk_id = _context_chunk(message)
    ticked = callbacks.answer_keyboard(question_id, chunk_id, value) if chunk_id is not None else None
    if ticked is not None and ticked != message.reply_markup:  # the same vote again changes nothing to show
        try:
            await query.edit_message_reply_markup(ticked)
        except BadRequest:
            pass  # "message is not modified": pressed twice before the first edit showed


async def press_unknown(update: Update, context: BotContext) -> None:
    """Answer a press whose data no handler knows (forged or from an old version), so the client stops waiting."""
    if update.callback_query is not None:
        await update.callback_query.answer()


def _context_chunk(message: Message) -> int | None:
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            data = callbacks.decode(button.callback_data)
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
    if not text or len(text) > services.settings.max_question_chars or not (await verdict(context, flood_keys(update)))[0]:
        await query.answer([], cache_time=5)
        return
    try:  # a brief inline: its quotes, each a result
        answer, passages = await work.answering(context, replies.inline_quotes, text, services.service, INLINE_RESULTS)
    except EmptyQuestion:
        await query.answer([], cache_time=5)
        return
    sources = len(services.service.knowledge.documents)
    if passages:
        results = [
            InlineQueryResultArticle(
                id=str(p.chunk_id),
                title=texts.inline_title(p),
                description=texts.inline_description(p.document),
                input_message_content=InputTextMessageContent(html.pack(html.passage_blocks(p))[0]),
            )
            for p in passages
        ]
    else:
        results = [
            InlineQueryResultArticle(
                id=uuid.uuid4().hex[:16],
                title=texts.inline_nothing(),
                description=html.html_to_text(texts.decline(sources)).splitlines()[0],
                input_message_content=InputTextMessageContent(texts.answer_messages(answer, sources=sources)[0]),
            )
        ]
    await query.answer(results, cache_time=30)


async def report_error(update: object, context: BotContext) -> None:
    """Log the error with its traceback first, then tell the user something went wrong."""
    log.error("Exception while handling an update", exc_info=context.error)
    text = (texts.temporarily_unavailable() if isinstance(context.error, SQLAlchemyError)
            else texts.something_went_wrong())
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_html(text)
        except TelegramError:
            log.warning("could not tell the user about the error")
