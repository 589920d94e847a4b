"""How the bot introduces itself: /start, /help, the terminal chat's banner, and the example questions that other
replies offer."""

from __future__ import annotations

from bot.chat.html import esc


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


def welcome(first_name: str | None, sources: int) -> str:
    """What /start says."""
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
            "After an answer: <i>more</i> shows further passages, <i>source?</i> says where the quote comes from; "
            "<i>do the sources disagree?</i> shows what each says.\n\n"
            "/brief tells the story in a few quotes (<code>/brief the hostages</code>: one subject's), /timeline the "
            "events in order (<i>more</i> goes on). /sources lists my sources. An empty line quits."
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
