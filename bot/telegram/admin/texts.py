"""What admins read: the replies to admin commands, uploads and pages, and why a document was refused.

They exist only on Telegram, so they live here; the wording is theirs, the escaping and packing
`bot.chat.html`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.chat.html import QUESTION_SHOWN, TITLE_SHOWN, count, esc, format_date, lines, shorten, source_details
from bot.corpus.records import DocumentRef
from bot.intake.reading import ReadError
from bot.storage.questions import Stats, Unanswered


def admin_help(commands: Sequence[tuple[str, str, str]]) -> str:
    """The admin part of /help, from the admin command table: (command, arguments, what it does)."""
    rows = ["<b>Admin commands</b> (in a private chat with me)"]
    rows += [f"/{name}{' ' + esc(args) if args else ''} — {esc(description)}" for name, args, description in commands]
    rows.append("Send a .txt, .md, .html, .pdf or .docx file (caption: <code>title: … | publisher: … | date: 2019-08-08 | url: …</code>) "
                "to add it, or <code>/add</code> followed by pasted text whose first line may carry the same.")
    return "\n".join(rows)


def not_allowed() -> str:
    return "Sorry, that is only for the bot's admins."


def admin_private_only() -> str:
    return "Admin commands work only in a private chat with me, so that their output stays private."


def add_timed_out(minutes: int) -> str:
    return f"I stopped waiting for the document after {minutes} minutes; nothing was added. Send /add to try again."


def admins_list(admins: Sequence[tuple[int, bool]]) -> list[str]:
    if not admins:
        return ["There are no admins. Set ADMIN_IDS in the configuration to add the first."]
    rows = ["<b>Admins</b>"]
    rows += [f"• <code>{user_id}</code>" + (" (from ADMIN_IDS)" if bootstrap else "") for user_id, bootstrap in admins]
    return lines(rows)


def admin_usage(command: str) -> str:
    return f"Please give a numeric Telegram user id, e.g. <code>/{esc(command)} 123456789</code>"


def admin_added(user_id: int, added: bool) -> str:
    return f"<code>{user_id}</code> is now an admin." if added else f"<code>{user_id}</code> already is an admin."


def admin_removed(user_id: int, removed: bool) -> str:
    return f"<code>{user_id}</code> is no longer an admin." if removed else f"<code>{user_id}</code> was not an admin."


def admin_refused(reason: str) -> str:
    return f"I can't do that: {esc(reason)}."


def add_prompt(max_bytes: int) -> str:
    return (
        f"Send me the document: a .txt, .md, .html, .pdf or .docx file up to {max_bytes // (1024 * 1024) or 1} MB, or paste its "
        "text. A first line like <code>title: … | publisher: … | date: 2019-08-08</code> sets its details. "
        "/cancel to stop."
    )


def add_cancelled() -> str:
    return "Cancelled; nothing was added."


def fetching(url: str) -> str:
    return f"Fetching {esc(shorten(url, 200))} …"


def document_added(doc_id: int, doc: DocumentRef, sentences: int, suggestion: str | None,
                   fetched_from: str | None = None) -> str:
    """What was added; for a fetched page, the host it was actually fetched from (which a page cannot fake)."""
    details = source_details(doc)
    text = (f"Added document <b>#{doc_id}</b> “{esc(shorten(doc.title, TITLE_SHOWN))}”"
            + (f" ({details})" if details else "") + f" with {count(sentences, 'sentence')}"
            + (f", fetched from <b>{esc(shorten(fetched_from, 200))}</b>" if fetched_from else "")
            + ". It is answerable now.")
    if suggestion:
        text += f"\nTry asking: <i>{esc(suggestion)}</i>"
    return text


def url_known(doc_id: int) -> str:
    return f"I already have that page, as document #{doc_id}. Nothing was added."


def url_refused(reason: str) -> str:
    return f"I couldn't add that page: {esc(reason)}. Nothing was changed."


def confirm_url(url: str) -> str:
    return f"Add the article at {esc(shorten(url, 300))} as a document?"


BUTTON_ADD_PAGE = "Add as document"


def confirm_post(channel: str, date: dt.date | None, first_line: str, file_name: str | None) -> str:
    source = esc(shorten(channel, TITLE_SHOWN)) + (f", {format_date(date)}" if date else "")
    what = f"the file <i>{esc(shorten(file_name, 100))}</i>" if file_name else f"“{esc(shorten(first_line, 150))}”"
    return f"Add this post from <b>{source}</b> as a document?\n{what}"


def post_empty() -> str:
    return "That post has no text I can add (and no .txt, .md, .html, .pdf or .docx file)."


def document_duplicate(doc_id: int) -> str:
    return f"I already have that text, as document #{doc_id}. Nothing was added."


# Reasons a document or page was not read (they follow "I couldn't add that document: " or "… page: ").
# `kind` is "file" or "page".


def refusal(error: Exception) -> str:
    """Why a document was refused: the reader's facts (a `ReadError`) in words, or the reason the error gives."""
    if not isinstance(error, ReadError):
        return str(error)
    if error.refusal == "took_too_long":
        return took_too_long(error.kind, error.limit)
    if error.refusal == "too_much_memory":
        return needs_too_much_memory(error.kind, int(error.limit))
    if error.refusal == "text_too_large":
        return text_too_large(error.kind, int(error.limit))
    if error.refusal == "too_many_sentences":
        return too_many_sentences(error.kind, error.found, int(error.limit))
    if error.refusal == "reader_stopped":
        return reader_stopped()
    if error.refusal == "reader_busy":
        return reader_busy(int(error.limit))
    return reader_failed(error.kind)


def took_too_long(kind: str, seconds: float) -> str:
    return f"the {kind} took too long to read (over {seconds:g} seconds)"


def needs_too_much_memory(kind: str, megabytes: int) -> str:
    return f"reading the {kind} needs more memory than the {megabytes:,} MB I allow"


def reader_failed(kind: str) -> str:
    return f"the {kind} made my document reader fail"


def text_too_large(kind: str, limit: int) -> str:
    return f"the {kind}'s text is larger than the limit of {limit:,} characters"


def too_many_sentences(kind: str, sentences: int, limit: int) -> str:
    return f"the {kind} has {sentences:,} sentences; the limit is {limit:,}"


def reader_stopped() -> str:
    return "I am shutting down; send it again in a minute"


def reader_busy(workers: int) -> str:
    return f"I am reading as many documents as I can take ({workers} at once, and more waiting); send it again in a minute"


def document_refused(reason: str) -> str:
    return f"I couldn't add that document: {esc(reason)}. Nothing was changed."


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{max(count // 1024, 1)} KB"


def file_too_large(size: int, limit: int) -> str:
    return f"That file is {_size(size)}; the limit is {_size(limit)}. Nothing was changed."


def documents_table(documents: Sequence[tuple[DocumentRef, int, bool]]) -> list[str]:
    if not documents:
        return ["There are no documents yet. Use /add to add one."]
    rows = ["<b>Documents</b>"]
    for doc, sentences, active in documents:
        details = source_details(doc)
        state = "" if active else " — <i>removed</i>"
        rows.append(f"<b>#{doc.id}</b> {esc(shorten(doc.title, TITLE_SHOWN))}" + (f" ({details})" if details else "")
                    + f", {count(sentences, 'sentence')}{state}")
    return lines(rows)


def id_usage(command: str) -> str:
    return f"Please give the document's number, e.g. <code>/{esc(command)} 3</code> (see /docs)."


def no_such_document(doc_id: int) -> str:
    return f"There is no document #{doc_id}. /docs lists them."


def confirm_remove(doc: DocumentRef) -> str:
    return f"Remove document <b>#{doc.id}</b> “{esc(shorten(doc.title, TITLE_SHOWN))}”? It will no longer be quoted (/restore brings it back)."


BUTTON_CONFIRM_REMOVE = "Yes, remove it"


BUTTON_CANCEL = "Cancel"


def removed(doc_id: int) -> str:
    return f"Document #{doc_id} is removed and no longer quoted."


def restored(doc_id: int) -> str:
    return f"Document #{doc_id} is back and quoted again."


def kept() -> str:
    return "Kept; nothing was changed."


def reindexing() -> str:
    return "Rebuilding the index; questions are answered from the current one meanwhile…"


def reindexed(sentences: int, documents: int, seconds: float) -> str:
    return f"Index rebuilt: {count(sentences, 'sentence')} from {count(documents, 'document')} in {seconds:.1f} s."


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def stats_text(stats: Stats) -> list[str]:
    rows = [
        "<b>Usage</b>",
        f"Questions: {stats.total} in all, {stats.today} today, {stats.last_7_days} in the last 7 days",
        f"Answered: {_share(stats.answered_share)}",
        f"👍 among votes: {_share(stats.upvote_share)} of {stats.votes}",
        f"Median answer time: {'—' if stats.median_ms is None else f'{stats.median_ms:.1f} ms'}",
    ]
    if stats.waiting or stats.lost:
        rows.append(f"Not logged (database unavailable): {stats.waiting} waiting to be logged, {stats.lost} lost")
    if stats.top_questions:
        rows.append("\n<b>Most asked</b>")
        rows += [f"{n}× {esc(shorten(text, QUESTION_SHOWN))}" for text, n in stats.top_questions]
    return lines(rows)


def stats_caption() -> str:
    return "Questions per day, answered and declined (last 30 days)"


def unanswered_list(items: Sequence[Unanswered]) -> list[str]:
    if not items:
        return ["Nothing unanswered in the last 30 days."]
    rows = ["<b>Unanswered and 👎 questions</b> (last 30 days, most frequent first)"]
    for item in items:
        kinds = ", ".join(k for k in (f"{item.declined} declined" if item.declined else "",
                                        f"{item.downvoted} 👎" if item.downvoted else "") if k)
        rows.append(f"{item.count}× {esc(shorten(item.text, QUESTION_SHOWN))} <i>({kinds})</i>")
    return lines(rows)


def export_caption(rows: int) -> str:
    return f"The question log: {count(rows, 'question')} with their votes."


def synonyms_list(numbered: Sequence[tuple[int, str]]) -> list[str]:
    if not numbered:
        return ["The synonym table is empty. Add a line with <code>/synonym_add raid = storm = assault</code>."]
    rows = ["<b>Synonyms</b> (words and phrases that mean the same in questions)"]
    rows += [f"<b>{number}</b>. {esc(line)}" for number, line in numbered]
    rows.append("<code>/synonym_add A = B</code> adds a line, <code>/synonym_remove N</code> removes one.")
    return lines(rows)


def loanwords_list(table: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """The loanword table as corpus/loanwords.txt gives it: each meaning with the words read as it."""
    if not table:
        return ["The loanword table is empty: put lines like <code>how many = skolko = сколько</code> in "
                "corpus/loanwords.txt."]
    rows = ["<b>Loanwords</b> (words of other languages readers mix into questions, read as the English first; "
            "~ marks one read so only beside another)"]
    rows += [f"<b>{esc(english)}</b> = {esc(' = '.join(words))}" for english, words in table]
    rows.append("They come from corpus/loanwords.txt, read when the bot starts.")
    return lines(rows)


def synonym_usage() -> str:
    return "Please write the words that mean the same, e.g. <code>/synonym_add death toll = killed = died</code>."


def synonym_refused(reason: str) -> str:
    return f"I can't add that line: {esc(reason)}. Nothing was changed."


def synonym_added(number: int, line: str) -> str:
    return f"Added line <b>{number}</b>: {esc(line)}. Questions use it from now on."


def synonym_removed(number: int, line: str) -> str:
    return f"Removed line <b>{number}</b>: {esc(line)}."


def no_such_synonym(number: int) -> str:
    return f"There is no line {number}. /synonyms lists them."


def synonym_number_usage() -> str:
    return "Please give the line's number, e.g. <code>/synonym_remove 3</code> (see /synonyms)."


def threshold_text(value: float) -> str:
    return (f"The decline threshold is <b>{value:.3f}</b>: I decline when no sentence answers a question with at "
            "least that probability, as the answer model reckons it (higher: fewer wrong answers, more questions "
            "declined). Set it with <code>/threshold 0.3</code>.")


def threshold_set(value: float) -> str:
    return f"The decline threshold is now <b>{value:.3f}</b>."


def threshold_usage() -> str:
    return "Please give a number from 0 to 1, e.g. <code>/threshold 0.3</code>."
