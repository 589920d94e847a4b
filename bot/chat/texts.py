"""What readers read: the reply to every message, button and inline query, and `render`, which turns a `Reply`
into messages.

Wording only: escaping, quotes, source lines and packing into Telegram's messages are `html`'s, the introductions
and example questions `help`'s, and the admins' texts `bot.telegram.admin.texts`'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.answers.answering import Answer, Passage
from bot.answers.brief import Brief
from bot.answers.chronology import Event
from bot.answers.sources import Comparison
from bot.chat.help import EVENT_LINE, EXAMPLE_QUESTIONS, help_text
from bot.chat.html import (MESSAGE_LIMIT, QUESTION_SHOWN, QUOTE_PIECE, TITLE_SHOWN, count, esc, esc_attr, format_date,
                           lines, pack, passage_blocks, passage_html, quote_html, shorten, source_details, source_line,
                           source_title, split_plain, visible_length)
from bot.corpus.dates import When
from bot.corpus.records import ChunkRow, DocumentRef

if TYPE_CHECKING:
    from bot.chat.replies import Reply


MAX_ANSWER_MESSAGES = 3  # one answer never sends more than this many messages


TIMELINE_MESSAGES = 5  # a timeline longer than this many messages ends with how many events were left out


TIMELINE_QUOTE = 200  # characters of a sentence shown on a timeline line


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
        return timeline_messages(reply.events or [], remaining=reply.remaining)
    if reply.kind == "sequence":
        return sequence_messages(reply.anchor, reply.events or [], reply.direction or "after", sources=len(documents))
    if reply.kind == "sources":
        return sources_list(documents)
    if reply.kind == "help":
        return [help_text(max_chars, terminal=terminal) + (f"\n\n{admin_help}" if admin_help else "")]
    if reply.kind == "more":
        if reply.continues == "timeline":
            return timeline_messages(reply.events or [], remaining=reply.remaining, more=True)
        return more_passages(reply.passages) if reply.answer is not None else [more_of_nothing()]
    if reply.kind == "sources_disagree" and reply.comparison is not None:
        return comparison_messages(reply.comparison, sources=len(documents))
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


def timeline_messages(events: Sequence[Event], *, remaining: int = 0, more: bool = False) -> list[str]:
    """A page of the dated events in order, one line each (at most TIMELINE_MESSAGES messages), saying how many
    later events "more" shows."""
    if not events:
        return ["That was the whole timeline." if more else "None of my sources says when things happened."]
    heading = "<b>Timeline, continued</b>" if more else "<b>Timeline</b> (from my sources, earliest first)"
    rows = [heading, *(event_line(e) for e in events)]
    messages_out = lines(rows)
    if len(messages_out) > TIMELINE_MESSAGES:
        messages_out = messages_out[:TIMELINE_MESSAGES]
        shown = sum(m.count("\n") + 1 for m in messages_out) - 1
        remaining += len(events) - shown
    if remaining:
        messages_out[-1] += f"\n… and {count(remaining, 'later event')}: say <i>more</i> for them."
        messages_out[-1:] = lines(messages_out[-1].split("\n"))
    return messages_out


def comparison_messages(comparison: Comparison, *, sources: int) -> list[str]:
    """A question about the sources: what each source says on it and who it says says so, and whether their figures
    differ. The bot takes no side: it says which speakers are official bodies and leaves the rest to the reader."""
    if not comparison.passages:
        return [decline(sources)]
    if comparison.differ:
        head = "My sources give different figures, and I can't tell which is right. Here is who says what:"
    elif len({p.document.id for p in comparison.passages}) > 1:
        head = "Here is what each of my sources says about it:"
    else:
        head = "Only one of my sources speaks to it:"
    blocks = [head]
    for passage, who, official in zip(comparison.passages, comparison.speakers, comparison.official):
        said = (f"According to <b>{esc(who)}</b>{' (official)' if official else ''}, as "
                f"{esc(passage.document.publisher or 'this source')} reports it:") if who else \
            f"{esc(passage.document.publisher or 'This source')} says so itself, naming no one:"
        blocks.append(said + "\n" + "\n".join(passage_blocks(passage)))
    return pack(blocks)[:MAX_ANSWER_MESSAGES]


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


BUTTON_MORE = "More"


BUTTON_CONTEXT = "Context"


BUTTON_UP = "👍"


BUTTON_DOWN = "👎"


def sources_list(documents: Sequence[DocumentRef]) -> list[str]:
    if not documents:
        return [no_documents()]
    rows = ["<b>My sources</b>"]
    for doc in documents:
        details = source_details(doc)
        rows.append(f"• {source_title(doc)}" + (f" — {details}" if details else ""))
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


def group_slow_down(seconds: float) -> str:
    wait = max(1, round(seconds))
    return (f"I have sent this group as many messages as I should for now. Please wait {wait} "
            f"second{'s' if wait != 1 else ''} and ask again.")


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
        own = split_plain(next(r.text for r in rows if r.chunk_id == chunk_id), QUOTE_PIECE)
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


def only_the_asker() -> str:
    return "Only the person who asked can use these buttons."


def forgotten(questions: int, votes: int) -> str:
    return (f"Done: I deleted {count(questions, 'question')} and {count(votes, 'vote')} of yours, and forgot what we were "
            "talking about.")


def temporarily_unavailable() -> str:
    return "Sorry, that is temporarily unavailable. Please try again in a minute."
