"""What the bot says to a message, decided once for every front end.

The terminal chat, `ask` and Telegram all call `reply_to` and render its `Reply` with `texts.render`;
`ask --top`, inline mode and the More button take their quotes from `quotable`. Front ends add only what is
theirs: Telegram its flood limit, buttons and chat types. A message is read in the light of its conversation's
topic (`topics`, `followups`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.answers.answering import Answer, EmptyQuestion, Passage
from bot.answers.brief import Brief, brief_request
from bot.answers.chronology import Event, sequence_question
from bot.chat import smalltalk
from bot.chat.followups import answer_in_context, topic_of
from bot.chat.languages import foreign_language
from bot.chat.topics import ContextStore, ConversationKey, Topic
from bot.corpus.records import DocumentRef
from bot.service import QAService
from bot.storage.questions import VoteResult

log = logging.getLogger(__name__)
Kind = Literal["answer", "greeting", "thanks", "ack", "confused", "vote", "more", "source", "other_language",
               "too_long", "empty", "help", "sources", "unknown_command", "brief", "timeline", "sequence"]
COMMANDS: dict[str, Kind] = {"/start": "help", "/help": "help", "/sources": "sources"}


@dataclass(frozen=True)
class Reply:
    """The kind of reply, and what it shows: for an answer the answer, the id it was logged under (None: not
    logged), `about` (what the conversation filled in) and `understood` (the question as answered, when that
    differs from what was typed); for "more" the further `passages`; for "source?" the `documents` of the last
    answer; for a message in another language its `language`; for a vote its `vote` (+1/-1) and whether it was
    stored on a logged answer (`stored`)."""

    kind: Kind
    answer: Answer | None = None
    question_id: int | None = None
    about: str | None = None
    understood: str | None = None
    passages: tuple[Passage, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
    language: str | None = None
    vote: int = 0
    stored: bool = False
    brief: Brief | None = None  # "brief": the sentences in the order shown
    events: list[Event] | None = None  # "timeline": every dated event; "sequence": those after/before `anchor`
    anchor: Passage | None = None  # "sequence": the sentence taken for the event the question names
    direction: str | None = None  # "sequence": "after" or "before"


# --- the reply ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Asker:
    """Who asks, for the question log; None logs nothing (the terminal chat, `ask`)."""

    chat_type: str
    chat_id: int | None
    user_id: int | None


def reply_to(text: str, service: QAService, *, max_chars: int, asker: Asker | None = None,
             commands: bool = False, contexts: ContextStore | None = None, conversation: ConversationKey = (None, None),
             top_k: int | None = None) -> Reply:
    """The reply to one message: too long, a command (when `commands`: the terminal chat has no command
    handlers), another language, small talk, what people type after an answer (a vote, "more", "source?"), or an
    answer (logged when `asker` is given). With `contexts`, the message is read in the light of `conversation`'s
    topic, and an answer leaves its own topic behind."""
    stripped = text.strip()
    if len(text) > max_chars:
        return Reply("too_long")
    if not stripped:
        return Reply("empty")
    topic = contexts.get(conversation) if contexts is not None else None  # read once: a database read when shared
    if topic is not None and topic.chunk_ids and _NEXT.match(stripped):
        # "what happened next?", "and then?": the events after the last quote, in the order of events
        last = topic.chunk_ids[-1]
        return Reply("sequence", events=service.next_after(last), direction="after", anchor=_passage(service, last))
    picture = big_picture(text, service, follow_up_possible=topic is not None)
    if picture is not None:
        picture = _logged(picture, service, asker)
        if contexts is not None and picture.brief is not None and picture.brief.passages:
            contexts.set(conversation, Topic(picture.brief.question, question_id=picture.question_id,
                                             chunk_ids=tuple(p.chunk_id for p in picture.brief.passages)))
        return picture
    if commands and stripped.startswith("/"):
        return Reply(COMMANDS.get(stripped.split()[0].lower(), "unknown_command"))
    language = foreign_language(stripped)
    if language is not None:
        return Reply("other_language", language=language)
    kind = smalltalk.classify(stripped)
    if kind in smalltalk.AFTER_AN_ANSWER:
        return _after_an_answer(kind, service, topic, asker, contexts, conversation, top_k)  # type: ignore[arg-type]
    if kind is not None:
        return Reply(kind)
    started = time.perf_counter()
    try:
        answer, understood = answer_in_context(service, text, topic, top_k)
    except EmptyQuestion:
        return Reply("ack")  # punctuation or symbols only, after all
    latency_ms = (time.perf_counter() - started) * 1000
    question_id = None
    if asker is not None:
        question_id = service.record(answer, chat_type=asker.chat_type, chat_id=asker.chat_id,
                                     user_id=asker.user_id, latency_ms=latency_ms).question_id
    if contexts is not None:
        new_topic = topic_of(understood.question, answer, service.knowledge, question_id=question_id)
        if new_topic is not None:
            contexts.set(conversation, new_topic)
    shown_as = understood.question if understood.about is not None else None
    return Reply("answer", answer, question_id, understood.about, shown_as)


def _after_an_answer(kind: smalltalk.Kind, service: QAService, topic: Topic | None, asker: Asker | None,
                     contexts: ContextStore | None, conversation: ConversationKey, top_k: int | None) -> Reply:
    """👍/👎, "more" and "source?" refer to the last answer; with none to refer to, they are small talk (a vote),
    a hint to ask first ("more"), or the list of sources ("who said that?")."""
    if kind in ("vote_up", "vote_down"):
        if topic is None:
            return Reply("ack")
        value = 1 if kind == "vote_up" else -1
        stored = False
        if asker is not None and asker.user_id is not None and topic.question_id is not None:
            stored = service.vote(topic.question_id, asker.user_id, value) is VoteResult.RECORDED
        return Reply("vote", vote=value, stored=stored, question_id=topic.question_id)
    if topic is None:
        return Reply("more" if kind == "more" else "sources")
    if kind == "source":
        knowledge = service.knowledge
        rows = [knowledge.chunk(c) for c in topic.chunk_ids]
        documents = tuple(dict.fromkeys(knowledge.documents[r.document_id] for r in rows
                                        if r is not None and r.document_id in knowledge.documents))
        return Reply("source", documents=documents)
    request = brief_request(topic.question)
    if request is not None:  # after a brief: its next sentences, in the order of events
        brief = service.brief(topic.question, request, skip=len(topic.chunk_ids))
        further = tuple(p for p in brief.passages if p.chunk_id not in topic.chunk_ids)
        if contexts is not None and further:
            contexts.set(conversation, replace(topic, chunk_ids=topic.chunk_ids + tuple(p.chunk_id for p in further)))
        return Reply("more", Answer(topic.question, True, list(further)), topic.question_id, passages=further)
    wanted = top_k or service.top_k
    answer = service.answer(topic.question, len(topic.chunk_ids) + wanted + 1)
    further = tuple(p for p in quotable(answer, service.threshold, len(answer.passages))
                    if p.chunk_id not in topic.chunk_ids)[:wanted]
    if contexts is not None and further:
        contexts.set(conversation, replace(topic, chunk_ids=topic.chunk_ids + tuple(p.chunk_id for p in further)))
    return Reply("more", answer, topic.question_id, passages=further, understood=topic.question)


_TIMELINE = re.compile(r"^\s*(?:/timeline(?:@\w+)?|(?:the\s+|a\s+)?timeline(?:\s+of\s+(?:the\s+)?events)?|"
                       r"(?:the\s+)?(?:order|sequence|chronology)\s+of\s+(?:the\s+)?events)\s*[?.!]*\s*$", re.IGNORECASE)


_NEXT = re.compile(r"^\W*(?:and\s+)?(?:what\s+happened\s+(?:next|then|after(?:\s+that)?|afterwards)|what\s+next|"
                   r"then\s+what|and\s+then(?:\s+what)?|what\s+then|what\s+came\s+next|after(?:\s+that)?|"
                   r"afterwards)\W*$", re.IGNORECASE)


def _passage(service: QAService, chunk_id: int) -> Passage | None:
    knowledge = service.knowledge
    row = knowledge.chunk(chunk_id)
    if row is None or row.document_id not in knowledge.documents:
        return None
    return Passage(knowledge.readable(row), 1.0, chunk_id, knowledge.documents[row.document_id])


def big_picture(text: str, service: QAService, *, follow_up_possible: bool = False) -> Reply | None:
    """The reply to an overview question (a brief), a timeline request or a question about sequence ("what
    happened after the raid"); None for anything else."""
    if _TIMELINE.match(text):
        return Reply("timeline", events=service.timeline())
    request = brief_request(text, follow_up_possible=follow_up_possible)
    if request is not None:
        return Reply("brief", brief=service.brief(text.strip(), request))
    asked = sequence_question(text)
    if asked is not None:
        anchor, events = service.sequence(asked)
        return Reply("sequence", events=events, anchor=anchor, direction=asked.direction)
    return None


def _logged(reply: Reply, service: QAService, asker: Asker | None) -> Reply:
    """A brief logged like an answer, so that More, the votes and /stats work on it."""
    if asker is None or reply.brief is None:
        return reply
    brief = reply.brief
    logged = service.record(Answer(brief.question, brief.answered, brief.passages), chat_type=asker.chat_type,
                            chat_id=asker.chat_id, user_id=asker.user_id, latency_ms=0.0)
    return replace(reply, question_id=logged.question_id)


def quotable(answer: Answer, threshold: float, top: int, *, skip: int = 0) -> list[Passage]:
    """The passages worth quoting: over the threshold, of an answered question, best first, at most `top` after
    the first `skip`."""
    if not answer.answered:
        return []
    passages: Sequence[Passage] = answer.passages[skip:]
    return [p for p in passages if p.score >= threshold][:top]
