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
from typing import TYPE_CHECKING

from bot.answers.answering import Answer, Passage
from bot.answers.brief import Brief
from bot.answers.chronology import Event
from bot.corpus.dates import When
from bot.corpus.records import ChunkRow, DocumentRef
from bot.storage.questions import Stats, Unanswered

if TYPE_CHECKING:
    from bot.chat.replies import Reply

MESSAGE_LIMIT = 4096
MAX_ANSWER_MESSAGES = 3  # one answer never sends more than this many messages
TITLE_SHOWN = 300  # characters of a title or publisher shown in a source line
QUESTION_SHOWN = 150  # characters of a user's question shown in admin reports

EVENT_LINE = (
    "the August 2019 attempt by Kyrgyz security forces to detain former president "
    "Almazbek Atambayev at his residence in Koi-Tash"
)
EXAMPLE_QUESTIONS = (
    "How many people were admitted to hospital?",
    "What is Atambayev accused of?",
    "How many hostages were taken?",
    "What happened?",
)
TIMELINE_MESSAGES = 5  # a timeline longer than this many messages ends with how many events were left out
TIMELINE_QUOTE = 200  # characters of a sentence shown on a timeline line


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


def _title(doc: DocumentRef) -> str:
    title = esc(shorten(doc.title, TITLE_SHOWN))
    return f'<a href="{esc_attr(doc.url)}">{title}</a>' if doc.url else title


def _details(doc: DocumentRef) -> str:
    return ", ".join(part for part in (esc(shorten(doc.publisher or "", TITLE_SHOWN)), format_date(doc.date)) if part)


def source_line(doc: DocumentRef) -> str:
    """Title (linked when the document has a URL), then publisher and date."""
    details = _details(doc)
    return f"— <i>{_title(doc)}</i>" + (f", {details}" if details else "")


QUOTE_PIECE = 3300


def _split_plain(text: str, limit: int) -> list[str]:
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
        blocks = [quote_html(piece) for piece in _split_plain(passage.quote, QUOTE_PIECE)] or [quote_html("…")]
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
    return pack(blocks)[:MAX_ANSWER_MESSAGES]


def render(reply: Reply, *, documents: Sequence[DocumentRef], max_chars: int, first_name: str | None = None,
           admin_help: str | None = None, terminal: bool = False) -> list[str]:
    """A reply as messages (Telegram HTML; the terminal shows them through `html_to_text`, and its help lists only
    what works there)."""
    if reply.kind == "answer" and reply.answer is not None:
        if reply.answer.answered or reply.answer.reason == "no_documents":
            parts = answer_messages(reply.answer, sources=len(documents))
            if reply.about:
                parts[0] = f"<i>About {esc(shorten(reply.about, QUESTION_SHOWN))}:</i>\n{parts[0]}"
            return pack(parts)
        if reply.understood:
            return [read_as_decline(reply.understood, len(documents))]
        return answer_messages(reply.answer, sources=len(documents))
    if reply.kind == "brief" and reply.brief is not None:
        return brief_messages(reply.brief, sources=len(documents))
    if reply.kind == "timeline":
        return timeline_messages(reply.events or [])
    if reply.kind == "sequence":
        return sequence_messages(reply.anchor, reply.events or [], reply.direction or "after", sources=len(documents))
    if reply.kind == "sources":
        return sources_list(documents)
    if reply.kind == "help":
        return [help_text(max_chars, terminal=terminal) + (f"\n\n{admin_help}" if admin_help else "")]
    if reply.kind == "more":
        return more_passages(reply.passages) if reply.answer is not None else [more_of_nothing()]
    if reply.kind == "source":
        return source_of_answer(reply.documents)
    if reply.kind == "vote":
        return [vote_thanks(reply.vote)]
    if reply.kind == "other_language":
        return [other_language(reply.language or "")]
    single = {"greeting": lambda: greeting(first_name), "thanks": thanks, "too_long": lambda: too_long(max_chars),
              "empty": empty_question, "unknown_command": unknown_command, "ack": ack, "confused": confused}
    return [single[reply.kind]()]


def read_as_decline(understood: str, sources: int) -> str:
    """A follow-up declined: how it was read, so that a wrong guess shows."""
    return (f"I read this as <i>“{esc(shorten(understood, QUESTION_SHOWN))}”</i>. My sources don't say.\n"
            f"If you meant something else, ask it in full. I only know about {EVENT_LINE} "
            f"({sources} news {'source' if sources == 1 else 'sources'}).")


def ack() -> str:
    return "🙂 Ask me anything else about the raid on Koi-Tash."


def confused() -> str:
    return ("Sorry if that wasn't clear. Try asking in other words, or say <i>more</i> for other passages "
            "and <i>source?</i> for where the quote comes from.")


def more_of_nothing() -> str:
    return f"Ask me a question first, for example: <i>{esc(EXAMPLE_QUESTIONS[0])}</i>"


def source_of_answer(documents: Sequence[DocumentRef]) -> list[str]:
    """Where the last answer's quotes come from: title, publisher, date, and the link, or that there is none."""
    if not documents:
        return ["That passage is no longer in my sources."]
    rows = ["That comes from:" if len(documents) == 1 else "Those quotes come from:"]
    for doc in documents:
        details = ", ".join(part for part in (esc(shorten(doc.publisher or "", TITLE_SHOWN)), format_date(doc.date))
                            if part)
        link = (f'\n<a href="{esc_attr(doc.url)}">{esc(shorten(doc.url, TITLE_SHOWN))}</a>' if doc.url
                else "\n(I have no link for it.)")
        rows.append(f"• <b>{esc(shorten(doc.title, TITLE_SHOWN))}</b>" + (f" — {details}" if details else "") + link)
    return lines(rows)


OTHER_LANGUAGE = {
    "ru": ("Мои источники — новости на английском языке, поэтому я отвечаю только на вопросы по-английски. "
           "Например:"),
    "ky": ("Менин булактарым — англис тилиндеги жаңылыктар, ошондуктан мен суроолорго англисче гана жооп берем. "
           "Мисалы:"),
    "de": "Meine Quellen sind englischsprachige Nachrichten, deshalb beantworte ich nur Fragen auf Englisch. Zum Beispiel:",
    "fr": ("Mes sources sont des articles de presse en anglais : je ne réponds qu'aux questions posées en anglais. "
           "Par exemple :"),
    "es": "Mis fuentes son noticias en inglés, así que solo respondo preguntas en inglés. Por ejemplo:",
    "tr": "Kaynaklarım İngilizce haberler, bu yüzden yalnızca İngilizce soruları yanıtlıyorum. Örneğin:",
    "zh": "我的资料来源是英文新闻，所以我只能回答英文问题。例如：",
    "ar": "مصادري أخبار باللغة الإنجليزية، لذلك أجيب فقط عن الأسئلة المكتوبة بالإنجليزية. مثلاً:",
}


def other_language(language: str) -> str:
    """A question in another language: in that language where we can, that the sources are English-language
    news, with an example question in English."""
    lead = OTHER_LANGUAGE.get(language, "My sources are English-language news, so I answer questions in English only. "
                                        "For example:")
    return f"{esc(lead)} <i>{esc(EXAMPLE_QUESTIONS[0])}</i>"


def brief_messages(brief: Brief, *, sources: int) -> list[str]:
    """A brief as one message: a heading, then each quote with its source, in the order of events. Quotes that
    would not fit in one message are left for More."""
    if not brief.passages:
        return [decline(sources) if brief.subject else no_documents()]
    heading = (f"<b>About {esc(shorten(brief.subject, QUESTION_SHOWN))}</b>, in the order it happened:" if brief.subject
               else "<b>What happened</b>, in my sources' words and in the order it happened:")
    passages = list(brief.passages)
    while True:
        message = "\n\n".join([heading, *(passage_html(p) for p in passages)])
        if visible_length(message) <= MESSAGE_LIMIT or len(passages) == 1:
            return pack([message])[:1]
        passages.pop()


def format_when(when: When) -> str:
    """"Wed 7 August 2019, evening", "June 2019", "2011"."""
    if when.precision == "year":
        return str(when.date.year)
    if when.precision == "month":
        return when.date.strftime("%B %Y")
    text = f"{when.date.strftime('%a')} {format_date(when.date)}"
    return f"{text}, {when.part}" if when.part else text


def _publisher(doc: DocumentRef) -> str:
    return esc(shorten(doc.publisher or doc.title, 60))


def event_line(event: Event) -> str:
    return (f"<b>{format_when(event.when)}</b> — “{esc(shorten(event.quote, TIMELINE_QUOTE))}” "
            f"— <i>{_publisher(event.document)}</i>")


def timeline_messages(events: Sequence[Event]) -> list[str]:
    """The dated events in order, one line each, over as many messages as they need (at most TIMELINE_MESSAGES)."""
    if not events:
        return ["None of my sources says when things happened."]
    rows = ["<b>Timeline</b> (from my sources, earliest first)", *(event_line(e) for e in events)]
    messages_out = lines(rows)
    if len(messages_out) > TIMELINE_MESSAGES:
        messages_out = messages_out[:TIMELINE_MESSAGES]
        shown = sum(m.count("\n") + 1 for m in messages_out) - 1
        messages_out[-1] += f"\n… and {count(len(events) - shown, 'later event')}."
        messages_out[-1:] = lines(messages_out[-1].split("\n"))
    return messages_out


def sequence_messages(anchor: Passage | None, events: Sequence[Event], direction: str, *, sources: int) -> list[str]:
    """What happened after (or before) an event: which sentence was taken for the event, then what followed."""
    if anchor is None or not events:
        return [decline(sources)]
    word = "After" if direction == "after" else "Before"
    head = f"{word} this: <i>“{esc(shorten(anchor.quote, TIMELINE_QUOTE))}”</i>"
    blocks = [head, *(f"<b>{format_when(e.when)}</b>\n{quote_html(shorten(e.quote, QUOTE_PIECE))}\n"
                      f"{source_line(e.document)}" for e in events)]
    return pack(blocks)[:MAX_ANSWER_MESSAGES]


def unknown_command() -> str:
    return "I don't know that command. /help says what I can do."


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
            pieces.extend(esc(piece) for piece in _split_plain(html_to_text(block), limit))
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


def help_text(max_chars: int, *, terminal: bool = False) -> str:
    """How to ask; the terminal chat's help lists only what works there (no buttons, votes, groups or /forgetme)."""
    if terminal:
        return (
            "<b>How to ask</b>\n"
            "Write a question in plain words, e.g. <i>Who was killed during the raid?</i> "
            f"(up to {max_chars} characters). Follow-ups work: <i>what did he say?</i>, <i>and the hostages?</i>, "
            "<i>when?</i>\n\n"
            f"<b>What I can answer</b>\nOnly what my sources say about {EVENT_LINE}. I quote them word for word and "
            "name the source; when they disagree I show both. When they don't cover something I say so.\n\n"
            "After an answer: <i>more</i> shows further passages, <i>source?</i> says where the quote comes from.\n\n"
            "/sources lists my sources. An empty line quits."
        )
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
        "and 👍/👎 tell us whether it helped (typing <i>more</i>, <i>source?</i>, 👍 or 👎 works too).\n\n"
        "/brief tells the story in a few quotes (<code>/brief the hostages</code>: one subject's), /timeline the "
        "events in order; ask <i>what happened after the raid?</i> for what came next. In a quote, the part that "
        "answers your question is in bold.\n\n"
        "/sources lists my sources. /forgetme deletes the questions and votes you sent me."
    )


def sources_list(documents: Sequence[DocumentRef]) -> list[str]:
    if not documents:
        return [no_documents()]
    rows = ["<b>My sources</b>"]
    for doc in documents:
        details = _details(doc)
        rows.append(f"• {_title(doc)}" + (f" — {details}" if details else ""))
    return lines(rows)


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
        own = _split_plain(next(r.text for r in rows if r.chunk_id == chunk_id), QUOTE_PIECE)
        body = "<b>" + esc(own[0] if own else "…") + "</b>"
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
    parts = (shorten(doc.title, TITLE_SHOWN), shorten(doc.publisher or "", TITLE_SHOWN), format_date(doc.date))
    return ", ".join(part for part in parts if part)


def inline_nothing() -> str:
    return "No answer in my sources"


# --- Administration ---------------------------------------------------------------------------------------

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


def only_the_asker() -> str:
    return "Only the person who asked can use these buttons."


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
    details = _details(doc)
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
        details = _details(doc)
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
    return (f"The decline threshold is <b>{value:.3f}</b>: I decline when the best passage matches less than that "
            "share of a question (and when half of a question is words my sources never use). "
            "Set it with <code>/threshold 0.25</code>.")


def threshold_set(value: float) -> str:
    return f"The decline threshold is now <b>{value:.3f}</b>."


def threshold_usage() -> str:
    return "Please give a number from 0 to 1, e.g. <code>/threshold 0.25</code>."


def forgotten(questions: int, votes: int) -> str:
    return (f"Done: I deleted {count(questions, 'question')} and {count(votes, 'vote')} of yours, and forgot what we were "
            "talking about.")


def temporarily_unavailable() -> str:
    return "Sorry, that is temporarily unavailable. Please try again in a minute."
