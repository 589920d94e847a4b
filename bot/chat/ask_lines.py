"""`ask --json`: one line in, one JSON object out; the interface scripts and the chat benchmark use.

A plain line is a question on its own. A JSON object `{"chat": "ID", "question": "..."}` is a message in that
chat: it gets the reply a person would get there (the same `replies.reply_to` as the terminal chat and
Telegram), read in the light of the chat's earlier messages in this run.
"""

from __future__ import annotations

import json
from typing import Any

from bot.answers.answering import Answer, EmptyQuestion
from bot.chat import replies
from bot.chat.topics import ContextStore
from bot.service import QAService


def answer_record(answer: Answer) -> dict[str, Any]:
    return answer.to_dict()


def picture_record(reply: replies.Reply) -> dict[str, Any]:
    """A brief, a timeline or an answer about sequence: `"kind": "brief"` with its passages in the order shown,
    `"kind": "timeline"` with its events, `"kind": "sequence"` with the anchor and the events after or before it."""
    if reply.kind == "brief" and reply.brief is not None:
        return reply.brief.to_dict()
    events = [e.to_dict() for e in reply.events or []]
    if reply.kind == "timeline":
        return {"kind": "timeline", "events": events, "remaining": reply.remaining}
    return {"kind": "sequence", "direction": reply.direction, "answered": bool(events),
            "anchor": reply.anchor.to_dict() if reply.anchor else None, "events": events}


def reply_record(reply: replies.Reply, question: str) -> dict[str, Any]:
    """A chat reply as JSON: `kind` says what it is; `answered` and `passages` are what was quoted (nothing for
    small talk, votes or "source?"); a follow-up adds `understood_as` and `about`, declined or not."""
    if reply.kind in ("brief", "timeline", "sequence"):
        return {"question": question, **picture_record(reply)}
    record: dict[str, Any] = {"question": question, "kind": reply.kind, "answered": False, "passages": []}
    if reply.kind == "answer" and reply.answer is not None:
        record.update(answer_record(reply.answer))
        record["question"] = question
        if reply.about is not None:
            record.update(understood_as=reply.understood, about=reply.about)
    elif reply.kind == "more":
        record.update(answered=bool(reply.passages or reply.events), passages=[p.to_dict() for p in reply.passages],
                      continues=reply.continues)
        if reply.continues == "timeline":
            record.update(events=[e.to_dict() for e in reply.events or []], remaining=reply.remaining)
    elif reply.kind == "sources_disagree" and reply.comparison is not None:
        comparison = reply.comparison
        record.update(answered=comparison.answered, passages=[p.to_dict() for p in comparison.passages],
                      differ=comparison.differ,
                      speakers=[{"who": who or None, "official": official}
                                for who, official in zip(comparison.speakers, comparison.official)])
    elif reply.kind == "source":
        record["sources"] = [d.to_dict() for d in reply.documents]
    elif reply.kind == "vote":
        record.update(vote=reply.vote, stored=reply.stored)
    elif reply.kind == "other_language":
        record["language"] = reply.language
    elif reply.kind == "empty":
        record["error"] = "empty question"
    return record


def ask_line(line: str, service: QAService, contexts: ContextStore, top: int,
             *, max_chars: int = 10**6) -> dict[str, Any]:
    """One line of `ask` input answered as JSON (see the module's doc)."""
    chat: str | None = None
    question = line
    if line.lstrip().startswith("{"):
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("question"), str):
            question, chat = data["question"], str(data.get("chat", ""))
    if chat is None:
        picture = replies.big_picture(question, service)
        if picture is not None:
            return picture_record(picture)
        try:
            return answer_record(service.answer(question, top))  # a plain line is a question as it is typed
        except EmptyQuestion:
            return {"question": question, "kind": "empty", "answered": False, "passages": [], "error": "empty question"}
    reply = replies.reply_to(question, service, max_chars=max_chars, commands=True, contexts=contexts,
                                  conversation=(chat, None), top_k=top)
    return {**reply_record(reply, question), "chat": chat}
