"""Every piece of text a user reads, and the only place HTML is built or escaped.

Replies are Telegram HTML (see ../shared/TELEGRAM.md for the allowed tags). The
terminal chat shows the very same replies through `html_to_text`, so the wording
is one and the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import html
from html.parser import HTMLParser

from bot.answering import Answer, Passage
from bot.knowledge import DocumentRef

EVENT_LINE = (
    "the August 2019 attempt by Kyrgyz security forces to detain former president "
    "Almazbek Atambayev at his residence in Koi-Tash"
)
EXAMPLE_QUESTIONS = (
    "How many people were admitted to hospital?",
    "Why did the special forces pull out of Koi-Tash?",
    "What did Atambayev say to the troops?",
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


def passage_html(passage: Passage) -> str:
    return f"<blockquote>{esc(passage.quote)}</blockquote>\n{source_line(passage.document)}"


def answer_html(answer: Answer, *, sources: int) -> str:
    """The reply to a question: the best quote and its source, or a polite decline."""
    if answer.reason == "no_documents":
        return no_documents()
    if not answer.answered or not answer.passages:
        return decline(sources)
    return passage_html(answer.passages[0])


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
