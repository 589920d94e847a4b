"""The only place HTML is built or escaped: escaping, quotes, source lines, and packing blocks into messages.

Replies are Telegram HTML (see ../shared/TELEGRAM.md for the allowed tags). Every text module (`texts`, `help`,
`bot.telegram.admin.texts`) writes its wording with these helpers and escapes nothing itself. The terminal chat
shows the very same replies through `html_to_text`, so the wording is one and the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from html.parser import HTMLParser

from bot.answers.answering import Passage
from bot.corpus.records import DocumentRef


MESSAGE_LIMIT = 4096


TITLE_SHOWN = 300  # characters of a title or publisher shown in a source line


QUESTION_SHOWN = 150  # characters of a user's question shown in admin reports


def esc(text: str) -> str:
    """Escape untrusted text (documents, user input) for Telegram HTML."""
    return html.escape(text, quote=False)


def esc_attr(text: str) -> str:
    return html.escape(text, quote=True)


def format_date(date: dt.date | None) -> str:
    return f"{date.day} {date.strftime('%B %Y')}" if date else ""


def count(number: int, noun: str, plural: str | None = None) -> str:
    """ "1 sentence", "3 sentences": every count agrees in number."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def shorten(text: str, limit: int) -> str:
    """`text` whole, or its first `limit` characters at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit // 2, limit)
    return text[: cut if cut > 0 else limit - 1].rstrip() + "…"


def source_title(doc: DocumentRef) -> str:
    """A source's title, linked when it has a URL."""
    title = esc(shorten(doc.title, TITLE_SHOWN))
    return f'<a href="{esc_attr(doc.url)}">{title}</a>' if doc.url else title


def source_details(doc: DocumentRef) -> str:
    """A source's publisher and date, as far as they are known."""
    return ", ".join(part for part in (esc(shorten(doc.publisher or "", TITLE_SHOWN)), format_date(doc.date)) if part)


def source_line(doc: DocumentRef) -> str:
    """Title (linked when the document has a URL), then publisher and date."""
    details = source_details(doc)
    return f"— <i>{source_title(doc)}</i>" + (f", {details}" if details else "")


QUOTE_PIECE = 3300


def split_plain(text: str, limit: int) -> list[str]:
    """Cut plain text into pieces of at most `limit` characters as Telegram counts them (UTF-16 units), at
    spaces where possible."""
    if len(text.encode("utf-16-le")) > 2 * len(text):
        limit //= 2  # a character outside the Basic Multilingual Plane counts twice (one test, in C)
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return [p for p in pieces if p.strip()]


def quote_html(text: str) -> str:
    """A blockquote of untrusted text (one piece; see passage_blocks for long text)."""
    return f"<blockquote>{esc(text)}</blockquote>"


def highlighted_quote_html(text: str, start: int, end: int) -> str:
    """A blockquote with `text[start:end]` (the part that answers the question) in bold."""
    return f"<blockquote>{esc(text[:start])}<b>{esc(text[start:end])}</b>{esc(text[end:])}</blockquote>"


def passage_blocks(passage: Passage) -> list[str]:
    """The quote in blockquotes of at most QUOTE_PIECE characters each (the part that answers in bold), the source
    line under the last one."""
    span = passage.answer
    if span is not None and len(passage.quote) <= QUOTE_PIECE and passage.quote[span.start: span.end] == span.text:
        blocks = [highlighted_quote_html(passage.quote, span.start, span.end)]
    else:
        blocks = [quote_html(piece) for piece in split_plain(passage.quote, QUOTE_PIECE)] or [quote_html("…")]
    blocks[-1] += "\n" + source_line(passage.document)
    return blocks


def passage_html(passage: Passage) -> str:
    return "\n".join(passage_blocks(passage))


ANSI_BOLD, ANSI_RESET = "\x1b[1m", "\x1b[22m"


class _TextRenderer(HTMLParser):
    def __init__(self, bold: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.bold = bold
        self.parts: list[str] = []
        self.quote_depth = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self.quote_depth += 1
            self.parts.append("> ")
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag == "b" and self.bold:
            self.parts.append(ANSI_BOLD)

    def handle_endtag(self, tag: str) -> None:
        if tag == "b" and self.bold:
            self.parts.append(ANSI_RESET)
        if tag == "blockquote":
            self.quote_depth -= 1
        elif tag == "a" and self.href:
            self.parts.append(f" <{self.href}>")
            self.href = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data.replace("\n", "\n> ") if self.quote_depth else data)


def html_to_text(markup: str, *, bold: bool = False) -> str:
    """The terminal form of a reply: tags dropped, entities decoded, quoted lines marked with "> "; with `bold`
    (a terminal), bold text in ANSI bold."""
    renderer = _TextRenderer(bold)
    renderer.feed(markup)
    renderer.close()
    return "".join(renderer.parts)


_TAGS = re.compile(r"<[^>]+>")


def visible_length(markup: str) -> int:
    """Characters Telegram counts against its limit: text after entity parsing, in UTF-16 code units."""
    return len(html.unescape(_TAGS.sub("", markup)).encode("utf-16-le")) // 2


def pack(blocks: Sequence[str], limit: int = MESSAGE_LIMIT, *, separator: str = "\n\n") -> list[str]:
    """Join complete HTML blocks into as few messages as fit within Telegram's limit, never splitting a tag.

    Every reply goes through here. A block that cannot fit on its own (which the renderers avoid) is sent as
    its plain text, cut at spaces, rather than cut inside a tag or refused by Telegram.
    """
    pieces: list[str] = []
    for block in blocks:
        if visible_length(block) <= limit:
            pieces.append(block)
        else:
            pieces.extend(esc(piece) for piece in split_plain(html_to_text(block), limit))
    messages_out: list[str] = []
    current = ""
    for block in pieces:
        candidate = f"{current}{separator}{block}" if current else block
        if visible_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages_out.append(current)
        current = block
    if current:
        messages_out.append(current)
    return messages_out


def lines(rows: Sequence[str]) -> list[str]:
    """A list reply (one self-contained HTML line each) as messages within the limit."""
    return pack(rows, separator="\n")
