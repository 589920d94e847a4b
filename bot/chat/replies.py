"""What the bot says to a message, decided once for every front end.

The terminal chat, `ask` and Telegram all call `reply_to` and render its `Reply` with `texts.render`;
`ask --top`, inline mode and the More button take their quotes from `quotable`. Front ends add only what is
theirs: Telegram its flood limit, buttons and chat types. A message is read here (what it asks for: `requests`,
`smalltalk`, `languages`; in the light of its conversation's topic: `topics`, `followups`), and then answered by
one call to the service, the one face for every kind of reply.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.answers.answering import Answer, EmptyQuestion, Passage
from bot.answers.brief import Brief
from bot.answers.chronology import Event
from bot.chat import smalltalk
from bot.chat.followups import topic_of, understand
from bot.chat.languages import foreign_language
from bot.chat.requests import asks_for_timeline, asks_what_next, brief_request, sequence_question
from bot.chat.topics import ContextStore, ConversationKey, Topic
from bot.corpus.records import DocumentRef
from bot.service import Asker, QAService
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
    if topic is not None and topic.chunk_ids and asks_what_next(stripped):
        # "what happened next?", "and then?": the events after the last quote, in the order of events
        anchor, events = service.next_after(topic.chunk_ids[-1])
        return Reply("sequence", events=events, direction="after", anchor=anchor)
    picture = big_picture(text, service, follow_up_possible=topic is not None, asker=asker)
    if picture is not None:
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
    try:
        logged, understood = service.answer_in_context(text, understand(text, topic, service.knowledge),
                                                       top_k=top_k, asker=asker)
    except EmptyQuestion:
        return Reply("ack")  # punctuation or symbols only, after all
    answer, question_id = logged.answer, logged.question_id
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
        return Reply("source", documents=service.sources_of(topic.chunk_ids))
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


def big_picture(text: str, service: QAService, *, follow_up_possible: bool = False,
                asker: Asker | None = None) -> Reply | None:
    """The reply to an overview question (a brief, logged when `asker` is given), a timeline request or a question
    about sequence ("what happened after the raid"); None for anything else."""
    if asks_for_timeline(text):
        return Reply("timeline", events=service.timeline())
    request = brief_request(text, follow_up_possible=follow_up_possible)
    if request is not None:
        logged = service.ask_brief(text.strip(), request, asker=asker)
        return Reply("brief", brief=logged.brief, question_id=logged.question_id)
    asked = sequence_question(text)
    if asked is not None:
        anchor, events = service.sequence(asked)
        return Reply("sequence", events=events, anchor=anchor, direction=asked.direction)
    return None


def quotable(answer: Answer, threshold: float, top: int, *, skip: int = 0) -> list[Passage]:
    """The passages worth quoting: over the threshold, of an answered question, best first, at most `top` after
    the first `skip`."""
    if not answer.answered:
        return []
    passages: Sequence[Passage] = answer.passages[skip:]
    return [p for p in passages if p.score >= threshold][:top]


def more_of(service: QAService, question_id: int, user_id: int) -> list[Passage] | None:
    """The More button: the further passages that answer the asker's logged question (for a brief, its next
    sentences); None when the question is gone, NotTheAsker when someone else pressed it."""
    question = service.asked(question_id, user_id)
    if question is None:
        return None
    return service.more(question, brief_request(question))


def inline_quotes(text: str, service: QAService, limit: int) -> tuple[Answer, list[Passage]]:
    """Inline mode (`@bot question` in any chat): the answer, and up to `limit` quotes to offer, each a result
    (a brief's quotes for an overview question). EmptyQuestion when there is nothing to ask."""
    request = brief_request(text)
    if request is not None:
        brief = service.brief(text, request)
        return Answer(text, brief.answered, brief.passages), brief.passages
    answer = service.answer(text, limit)
    return answer, quotable(answer, service.threshold, limit)
