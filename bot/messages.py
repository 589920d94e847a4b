"""Every piece of text a user reads, and the only place HTML is built or escaped.

Replies are Telegram HTML (see ../shared/TELEGRAM.md for the allowed tags). The
terminal chat shows the very same replies through `html_to_text`, so the wording
is one and the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser

from collections.abc import Sequence

from bot.answering import Answer, Passage
from bot.knowledge import ChunkRow, DocumentRef

MESSAGE_LIMIT = 4096

EVENT_LINE = (
    "the August 2019 attempt by Kyrgyz security forces to detain former president "
    "Almazbek Atambayev at his residence in Koi-Tash"
)
EXAMPLE_QUESTIONS = (
    "How many people were admitted to hospital?",
    "What is Atambayev accused of?",
    "How many hostages were taken?",
)


def esc(text: str) -> str:
    """Escape untrusted text (documents, user input) for Telegram HTML."""
    return html.escape(text, quote=False)


def esc_attr(text: str) -> str:
    return html.escape(text, quote=True)


def format_date(date: dt.date | None) -> str:
    return f"{date.day} {date.strftime('%B %Y')}" if date else ""


def source_line(doc: DocumentRef) -> str:
    """Title (linked when the document has a URL), then publisher and date."""
    title = esc(doc.title)
    if doc.url:
        title = f'<a href="{esc_attr(doc.url)}">{title}</a>'
    details = ", ".join(part for part in (esc(doc.publisher or ""), format_date(doc.date)) if part)
    return f"— <i>{title}</i>" + (f", {details}" if details else "")


QUOTE_PIECE = 3300


def _split_plain(text: str, limit: int) -> list[str]:
    """Cut plain text into pieces of at most `limit` characters, at spaces where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return [p for p in pieces if p]


def quote_html(text: str) -> str:
    """A blockquote of untrusted text (one piece; see passage_blocks for long text)."""
    return f"<blockquote>{esc(text)}</blockquote>"


def passage_blocks(passage: Passage) -> list[str]:
    """The quote in blockquotes of at most QUOTE_PIECE characters each, the source line under the last one."""
    blocks = [quote_html(piece) for piece in _split_plain(passage.quote, QUOTE_PIECE)]
    blocks[-1] += "\n" + source_line(passage.document)
    return blocks


def passage_html(passage: Passage) -> str:
    return "\n".join(passage_blocks(passage))


def answer_messages(answer: Answer, *, sources: int) -> list[str]:
    """The reply to a question as Telegram messages: the best quote and its source, or a polite decline."""
    if answer.reason == "no_documents":
        return [no_documents()]
    if not answer.answered or not answer.passages:
        return [decline(sources)]
    shown = answer.shown or answer.passages[:1]
    blocks = [block for passage in shown for block in passage_blocks(passage)]
    if answer.sources_differ:
        blocks.insert(0, "My sources give different figures:")
    elif len(shown) > 1:
        blocks.insert(0, f"{len(shown)} of my sources answer this:")
    return pack(blocks)


def answer_html(answer: Answer, *, sources: int) -> str:
    """The reply as one text (the terminal's form of answer_messages)."""
    return "\n\n".join(answer_messages(answer, sources=sources))


def no_documents() -> str:
    return "I don't have any documents yet, so I can't answer questions. An admin needs to add some first."


def decline(sources: int) -> str:
    return (
        "Sorry, I couldn't find anything about that in my sources.\n"
        f"I only know about {EVENT_LINE} ({sources} news {'source' if sources == 1 else 'sources'}).\n"
        f"You could ask, for example: <i>{esc(EXAMPLE_QUESTIONS[0])}</i>"
    )


def empty_question() -> str:
    return "Please type a question, for example: " + f"<i>{esc(EXAMPLE_QUESTIONS[0])}</i>"


def chat_banner(sources: int, *, token_configured: bool) -> str:
    lines = [
        f"Ask me about {EVENT_LINE}. I answer by quoting my {sources} news "
        f"{'source' if sources == 1 else 'sources'}. Type a question, or an empty line to quit.",
    ]
    if not token_configured:
        lines.append(
            "(No Telegram token is set: this is the terminal chat. Put TELEGRAM_BOT_TOKEN=... in .env to run it on Telegram.)"
        )
    return "\n".join(lines)


class _TextRenderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.quote_depth = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self.quote_depth += 1
            self.parts.append("> ")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.quote_depth -= 1
        elif tag == "a" and self.href:
            self.parts.append(f" <{self.href}>")
            self.href = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data.replace("\n", "\n> ") if self.quote_depth else data)


def html_to_text(markup: str) -> str:
    """The terminal form of a reply: tags dropped, entities decoded, quoted lines marked with "> "."""
    renderer = _TextRenderer()
    renderer.feed(markup)
    renderer.close()
    return "".join(renderer.parts)


_TAGS = re.compile(r"<[^>]+>")


def visible_length(markup: str) -> int:
    """Characters Telegram counts against its limit: text after entity parsing, in UTF-16 code units."""
    return len(html.unescape(_TAGS.sub("", markup)).encode("utf-16-le")) // 2


def pack(blocks: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join complete HTML blocks into as few messages as fit within Telegram's limit, never splitting a block.

    Each block must itself fit (passage_blocks guarantees that for document text), so no tag is ever cut.
    """
    messages_out: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if visible_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages_out.append(current)
        current = block
    if current:
        messages_out.append(current)
    return messages_out


# --- Telegram conversation -------------------------------------------------------------------------------

BUTTON_MORE = "More"
BUTTON_CONTEXT = "Context"
BUTTON_UP = "👍"
BUTTON_DOWN = "👎"


def start(first_name: str | None, sources: int) -> str:
    name = f", {esc(first_name)}" if first_name else ""
    return (
        f"Hello{name}! I answer questions about {EVENT_LINE}.\n\n"
        f"I quote my {sources} news {'source' if sources == 1 else 'sources'} word for word and say where each "
        "quote comes from. Ask me anything about the event, or tap an example:"
    )


def help_text(max_chars: int) -> str:
    return (
        "<b>How to ask</b>\n"
        "Write a question in plain words, e.g. <i>Who was killed during the raid?</i> "
        f"(up to {max_chars} characters). In a group, use <code>/ask your question</code>, mention me, "
        "or reply to one of my messages. In any chat you can also type my @username and a question.\n\n"
        "<b>What I can answer</b>\n"
        f"Only what my sources say about {EVENT_LINE}. I quote them word for word and name the source; "
        "when they disagree I show both.\n\n"
        "<b>What I can't</b>\n"
        "Anything my sources don't cover: then I say so rather than guess.\n\n"
        "Under each answer: <b>More</b> shows further passages, <b>Context</b> the sentences around the quote, "
        "and 👍/👎 tell us whether it helped.\n\n"
        "/sources lists my sources."
    )


def sources_list(documents: Sequence[DocumentRef]) -> str:
    if not documents:
        return no_documents()
    lines = ["<b>My sources</b>"]
    for doc in documents:
        title = f'<a href="{esc_attr(doc.url)}">{esc(doc.title)}</a>' if doc.url else esc(doc.title)
        details = ", ".join(part for part in (esc(doc.publisher or ""), format_date(doc.date)) if part)
        lines.append(f"• {title}" + (f" — {details}" if details else ""))
    return "\n".join(lines)


def greeting(first_name: str | None) -> str:
    name = f", {esc(first_name)}" if first_name else ""
    return f"Hi{name}! Ask me anything about {EVENT_LINE}. For example: <i>{esc(EXAMPLE_QUESTIONS[1])}</i>"


def thanks() -> str:
    return "You're welcome! Ask me anything else about the event."


def non_text() -> str:
    return "I can only answer text questions. Please type your question."


def too_long(max_chars: int) -> str:
    return f"That message is too long for me. Please ask a shorter question (up to {max_chars} characters)."


def slow_down(seconds: float) -> str:
    wait = max(1, round(seconds))
    return f"You're asking faster than I can keep up. Please wait {wait} second{'s' if wait != 1 else ''} and ask again."


def group_usage() -> str:
    return "Write your question after the command, e.g. <code>/ask Who was killed during the raid?</code>"


def something_went_wrong() -> str:
    return "Sorry, something went wrong on my side. Please try again in a moment."


def more_passages(passages: Sequence[Passage]) -> list[str]:
    if not passages:
        return ["I have no other passages that answer this question."]
    return pack([block for p in passages for block in passage_blocks(p)])


def context_html(rows: Sequence[ChunkRow], chunk_id: int, document: DocumentRef) -> list[str]:
    """The sentences around a quote, the quote itself in bold, then the source."""
    sentences = [f"<b>{esc(row.text)}</b>" if row.chunk_id == chunk_id else esc(row.text) for row in rows]
    body = " ".join(sentences)
    if visible_length(body) > QUOTE_PIECE:
        body = "<b>" + esc(_split_plain(next(r.text for r in rows if r.chunk_id == chunk_id), QUOTE_PIECE)[0]) + "</b>"
    return [f"<b>Context</b>\n{body}\n{source_line(document)}"]


def context_gone() -> str:
    return "That passage is no longer in my sources."


def question_gone() -> str:
    return "I can't find that question any more. Please ask it again."


def vote_thanks(value: int) -> str:
    return "Thanks, glad it helped!" if value > 0 else "Thanks for telling us. We'll use it to improve the answers."


def vote_failed() -> str:
    return "Sorry, I couldn't record your vote just now."


def inline_title(passage: Passage) -> str:
    return passage.quote if len(passage.quote) <= 120 else passage.quote[:117].rstrip() + "…"


def inline_description(doc: DocumentRef) -> str:
    return ", ".join(part for part in (doc.title, doc.publisher or "", format_date(doc.date)) if part)


def inline_nothing() -> str:
    return "No answer in my sources"
