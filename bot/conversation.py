"""What the bot says to a message, decided once for every front end.

The terminal chat and Telegram both call `reply_to` and render its `Reply` with `messages.render`; `ask --top`,
inline mode and the More button take their quotes from `quotable`. Front ends add only what is theirs:
Telegram its flood limit, buttons and chat types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot import smalltalk
from bot.answering import Answer, EmptyQuestion, Passage
from bot.service import QAService

Kind = Literal["answer", "greeting", "thanks", "too_long", "empty", "help", "sources", "unknown_command"]
COMMANDS: dict[str, Kind] = {"/start": "help", "/help": "help", "/sources": "sources"}


@dataclass(frozen=True)
class Reply:
    """The kind of reply, and for an answer the answer and the id it was logged under (None: not logged)."""

    kind: Kind
    answer: Answer | None = None
    question_id: int | None = None


@dataclass(frozen=True)
class Asker:
    """Who asks, for the question log; None logs nothing (the terminal chat, `ask`)."""

    chat_type: str
    chat_id: int | None
    user_id: int | None


def reply_to(text: str, service: QAService, *, max_chars: int, asker: Asker | None = None,
             commands: bool = False) -> Reply:
    """The reply to one message: too long, a command (when `commands`: the terminal chat has no command
    handlers), small talk, or an answer (logged when `asker` is given)."""
    stripped = text.strip()
    if commands and stripped.startswith("/"):
        return Reply(COMMANDS.get(stripped.split()[0].lower(), "unknown_command"))
    if len(text) > max_chars:
        return Reply("too_long")
    kind = smalltalk.classify(text)
    if kind is not None:
        return Reply(kind)
    try:
        if asker is None:
            return Reply("answer", service.answer(text))
        logged = service.ask(text, chat_type=asker.chat_type, chat_id=asker.chat_id, user_id=asker.user_id)
    except EmptyQuestion:
        return Reply("empty")
    return Reply("answer", logged.answer, logged.question_id)


def quotable(answer: Answer, threshold: float, top: int, *, skip: int = 0) -> list[Passage]:
    """The passages worth quoting: over the threshold, of an answered question, best first, at most `top` after
    the first `skip`."""
    if not answer.answered:
        return []
    passages: Sequence[Passage] = answer.passages[skip:]
    return [p for p in passages if p.score >= threshold][:top]
