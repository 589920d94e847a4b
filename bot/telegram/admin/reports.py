"""What admins read and tune about answering: usage figures and their chart, unanswered questions, the question
log, the decline threshold and the synonym table."""

from __future__ import annotations

import logging

from telegram import InputFile, Update

from bot.telegram import charts, work
from bot.telegram.admin import texts
from bot.telegram.admin.arguments import command_number
from bot.telegram.context import BotContext
from bot.telegram.replies import send

log = logging.getLogger(__name__)


async def show_stats(update: Update, context: BotContext) -> None:
    """Usage figures, then the questions-per-day chart."""
    message = update.effective_message
    if message is None:
        return
    stats = await work.needing_database(context, context.services.service.stats)
    await send(message, texts.stats_text(stats), quote=False)
    png = await work.admin_work(context, charts.questions_per_day, stats.per_day)
    await message.reply_photo(InputFile(png, filename="questions-per-day.png"), caption=texts.stats_caption())


async def show_unanswered(update: Update, context: BotContext) -> None:
    """Declined and 👎 questions, grouped, most frequent first."""
    items = await work.needing_database(context, context.services.service.reports.unanswered)
    await send(update.effective_message, texts.unanswered_list(items), quote=False)  # type: ignore[arg-type]


async def export_log(update: Update, context: BotContext) -> None:
    """Send the question log with votes as a CSV file."""
    csv_text = await work.needing_database(context, context.services.service.reports.export_csv)
    rows = max(csv_text.count("\n") - 1, 0)
    await update.effective_message.reply_document(  # type: ignore[union-attr]
        InputFile(csv_text.encode("utf-8"), filename="questions.csv"), caption=texts.export_caption(rows)
    )


async def threshold(update: Update, context: BotContext) -> None:
    """Show the decline threshold, or set it (kept across restarts)."""
    message = update.effective_message
    service = context.services.service
    if message is None:
        return
    args = context.args or []
    if not args:
        await send(message, texts.threshold_text(service.threshold))
        return
    try:
        value = float(args[0].replace(",", "."))
        await work.needing_database(context, service.set_threshold, value)
    except ValueError:
        await send(message, texts.threshold_usage())
        return
    log.info("user %s set the decline threshold to %s", update.effective_user.id if update.effective_user else None, value)
    await send(message, texts.threshold_set(value))


async def list_synonyms(update: Update, context: BotContext) -> None:
    """List the synonym table's lines with their numbers."""
    lines = await work.needing_database(context, context.services.service.synonyms.lines)
    await send(update.effective_message, texts.synonyms_list(lines), quote=False)  # type: ignore[arg-type]


async def list_loanwords(update: Update, context: BotContext) -> None:
    """List the loanword table: the words of other languages readers mix into questions, and what they mean."""
    table = context.services.service.loanwords
    await send(update.effective_message, texts.loanwords_list(table.lines), quote=False)  # type: ignore[arg-type]


async def add_synonym(update: Update, context: BotContext) -> None:
    """Add a line to the synonym table; it applies at once, here and in every instance."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    _, _, text = message.text.partition(" ")
    if not text.strip():
        await send(message, texts.synonym_usage())
        return
    by = f"telegram:{update.effective_user.id if update.effective_user else '?'}"
    try:
        number, line = await work.admin_work(context, context.services.service.add_synonym, text, added_by=by)
    except ValueError as error:
        await send(message, texts.synonym_refused(texts.refusal(error)))
        return
    log.info("%s added synonym line %s: %s", by, number, line)
    await send(message, texts.synonym_added(number, line))


async def remove_synonym(update: Update, context: BotContext) -> None:
    """Remove a line of the synonym table by its number."""
    target = await command_number(update, context, texts.synonym_number_usage())
    if target is None:
        return
    message, number = target
    line = await work.admin_work(context, context.services.service.remove_synonym, number)
    await send(message, texts.synonym_removed(number, line) if line is not None else texts.no_such_synonym(number))
