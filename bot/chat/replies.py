"""What the bot says to a message, decided once for every front end.

The terminal chat, `ask` and Telegram all call `reply_to` and render its `Reply` with `texts.render`;
`ask --top`, inline mode and the More button take their quotes from `quotable`. Front ends add only what is
theirs: Telegram its flood limit, buttons and chat types.

A message is read here and answered by one call to the service, the one face for every kind of reply. What kind of
message it is, the message-kind classifier decides (`kinds`: learned from labelled examples, reading the message's
spelling and its meaning): a question, an overview, the timeline, what came next, "source?", "more", thanks, an
acknowledgement, a vote, a question about the sources themselves, another language, a greeting. A question is read
in the light of its conversation (`followups`: the readings the answer model chooses among).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from bot.answers.answering import Answer, EmptyQuestion, Passage
from bot.answers.brief import Brief, BriefRequest
from bot.answers.chronology import Event
from bot.answers.in_context import Reading
from bot.answers.sources import Comparison
from bot.chat import kinds
from bot.chat.followups import english, readings, topic_after
from bot.chat.languages import foreign_language
from bot.chat.requests import brief_request, overview_subject, sequence_question, sources_readings
from bot.chat.topics import ContextStore, ConversationKey, Topic
from bot.corpus.records import DocumentRef
from bot.service import Asker, QAService
from bot.storage.questions import VoteResult

log = logging.getLogger(__name__)
Kind = Literal["answer", "greeting", "thanks", "ack", "confused", "vote", "more", "source", "other_language",
               "too_long", "empty", "help", "sources", "unknown_command", "brief", "timeline", "sequence",
               "sources_disagree"]
COMMANDS: dict[str, Kind] = {"/start": "help", "/help": "help", "/sources": "sources"}
TIMELINE_PAGE = 12  # events a timeline shows at a time; "more" shows the next ones
_UP = frozenset("👍 👌 💯 ✅ ❤ ♥ 🙏 👏 🔥".split())
_DOWN = frozenset("👎 ❌ 💩".split())
_PUZZLED = frozenset("? ¿ ⁉ ❓ ❔".split())
# A vote's words are read by their meaning: the closer of these two, with the meaning layer.
_GOOD, _BAD = "good answer, thanks, that is right and helpful", "wrong answer, that is not what I asked, useless"


@dataclass(frozen=True)
class Reply:
    """The kind of reply, and what it shows: for an answer the answer, the id it was logged under (None: not
    logged), `about` (the person, group or thing the conversation filled in) and `understood` (the question as
    answered, when that differs from what was typed); for "more" the further `passages` (or `events`) and what they
    continue (`continues`: an answer, a brief, the timeline); for "source?" the `documents` of the last answer; for
    a message in another language its `language`; for a vote its `vote` (+1/-1) and whether it was stored on a logged
    answer (`stored`); for a question about the sources the `comparison`."""

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
    events: list[Event] | None = None  # "timeline": its events (a page); "sequence": those after/before `anchor`
    anchor: Passage | None = None  # "sequence": the sentence taken for the event the question names
    direction: str | None = None  # "sequence": "after" or "before"
    continues: str | None = None  # "more": "answer", "brief" or "timeline"
    remaining: int = 0  # "timeline": events after this page
    comparison: Comparison | None = None  # "sources_disagree"


def reply_to(text: str, service: QAService, *, max_chars: int, asker: Asker | None = None,
             commands: bool = False, contexts: ContextStore | None = None, conversation: ConversationKey = (None, None),
             top_k: int | None = None) -> Reply:
    """The reply to one message: too long, a command (when `commands`: the terminal chat has no command handlers),
    or what its kind asks for (see the module's doc), logged when `asker` is given. With `contexts`, the message is
    read in the light of `conversation`'s topic, and the reply leaves its own topic behind."""
    stripped = text.strip()
    if len(text) > max_chars:
        return Reply("too_long")
    if not stripped:
        return Reply("empty")
    topic = contexts.get(conversation) if contexts is not None else None  # read once: a database read when shared
    chat = _Chat(service, topic, asker, contexts, conversation, top_k)
    if commands and stripped.startswith("/"):
        command = stripped.split()[0].lower()
        if command in ("/brief", "/timeline"):
            return chat.overview(stripped) if command == "/brief" else chat.timeline()
        return Reply(COMMANDS.get(command, "unknown_command"))
    if not any(ch.isalnum() for ch in stripped):
        return chat.symbols(stripped)
    verdict = kinds.shared().classify(stripped, service.meaning_of(stripped))
    return chat.reply(verdict.kind, stripped)


@dataclass
class _Chat:
    """One message's reply in its conversation: the service, the topic read, who asks, and where topics are kept."""

    service: QAService
    topic: Topic | None
    asker: Asker | None
    contexts: ContextStore | None
    conversation: ConversationKey
    top_k: int | None

    def keep(self, topic: Topic) -> None:
        if self.contexts is not None:
            self.contexts.set(self.conversation, topic)

    def reply(self, kind: kinds.MessageKind, text: str) -> Reply:
        if kind in ("greeting", "thanks", "ack"):
            return Reply(kind)
        if kind == "other-language":
            return Reply("other_language", language=foreign_language(text) or "")
        if kind == "vote":
            return self.vote(text)
        if kind == "overview":
            return self.overview(text)
        if kind == "timeline":
            return self.timeline()
        if kind == "next":
            return self.next(text)
        if kind == "source":
            if self.topic is None or not self.topic.chunk_ids:
                return Reply("sources")
            return Reply("source", documents=self.service.sources_of(self.topic.chunk_ids))
        if kind == "more":
            return self.more()
        if kind == "sources-question":
            return self.sources_question(text)
        return self.question(text)

    # --- a question -------------------------------------------------------------------------------------------

    def question(self, text: str) -> Reply:
        service = self.service
        read = english(text, service.loanwords)
        try:
            logged, reading = service.answer_in_context(
                text, readings(read, self.topic, service.knowledge, event=lambda: _event(service)),
                top_k=self.top_k, asker=self.asker, shown=self.topic.chunk_ids if self.topic is not None else ())
        except EmptyQuestion:
            return Reply("ack")  # punctuation or symbols only, after all
        answer = logged.answer
        self.keep(topic_after(reading, answer, service.knowledge, self.topic, question_id=logged.question_id))
        leaned = reading.question != read
        return Reply("answer", answer, logged.question_id, reading.about if leaned else None,
                     reading.question if leaned else None)

    # --- the big picture --------------------------------------------------------------------------------------

    def overview(self, text: str) -> Reply:
        service = self.service
        subject = overview_subject(english(text, service.loanwords), service.knowledge)
        logged = service.ask_brief(text, BriefRequest(subject), asker=self.asker)
        brief = logged.brief
        if brief.passages:
            turn = self.topic.turn + 1 if self.topic is not None else 1
            mentions = self.topic.mentions if self.topic is not None else ()
            self.keep(Topic(brief.question, logged.question_id, tuple(p.chunk_id for p in brief.passages), "brief",
                            0, turn, mentions))
        return Reply("brief", brief=brief, question_id=logged.question_id)

    def timeline(self) -> Reply:
        events = self.service.timeline()
        page = events[:TIMELINE_PAGE]
        turn = self.topic.turn + 1 if self.topic is not None else 1
        mentions = self.topic.mentions if self.topic is not None else ()
        self.keep(Topic("/timeline", None, tuple(e.chunk_id for e in page[-1:]), "timeline", len(page), turn,
                        mentions))
        return Reply("timeline", events=page, remaining=len(events) - len(page))

    def next(self, text: str) -> Reply:
        asked = sequence_question(english(text, self.service.loanwords))
        if asked is not None:
            anchor, events = self.service.sequence(asked)
            return Reply("sequence", events=events, anchor=anchor, direction=asked.direction)
        if self.topic is None or not self.topic.chunk_ids:
            return Reply("more")  # nothing to go on from: ask a question first
        anchor, events = self.service.next_after(self.topic.chunk_ids[-1])
        if events:
            self.keep(replace(self.topic, chunk_ids=(events[-1].chunk_id,), shown="sequence"))
        return Reply("sequence", events=events, direction="after", anchor=anchor)

    # --- after a reply ------------------------------------------------------------------------------------------

    def more(self) -> Reply:
        """More of whatever was shown last: the timeline's next events, a brief's next sentences, an answer's
        further passages."""
        topic, service = self.topic, self.service
        if topic is None:
            return Reply("more")
        if topic.shown == "timeline":
            events = service.timeline()
            page = events[topic.page: topic.page + TIMELINE_PAGE]
            self.keep(replace(topic, page=topic.page + len(page)))
            return Reply("more", Answer(topic.question, bool(page)), events=page, continues="timeline",
                         remaining=max(len(events) - topic.page - len(page), 0))
        if topic.shown == "brief":
            request = brief_request(topic.question) or BriefRequest()
            brief = service.brief(topic.question, request, skip=len(topic.chunk_ids))
            further = tuple(p for p in brief.passages if p.chunk_id not in topic.chunk_ids)
            if further:
                self.keep(replace(topic, chunk_ids=topic.chunk_ids + tuple(p.chunk_id for p in further)))
            return Reply("more", Answer(topic.question, True, list(further)), topic.question_id, passages=further,
                         continues="brief")
        wanted = self.top_k or service.top_k
        answer = service.answer(topic.question, len(topic.chunk_ids) + wanted + 1)
        further = tuple(p for p in quotable(answer, service.threshold, len(answer.passages))
                        if p.chunk_id not in topic.chunk_ids)[:wanted]
        if further:
            self.keep(replace(topic, chunk_ids=topic.chunk_ids + tuple(p.chunk_id for p in further)))
        return Reply("more", answer, topic.question_id, passages=further, understood=topic.question,
                     continues="answer")

    def vote(self, text: str) -> Reply:
        """👍/👎 or "wrong answer" on the last answer (with none to vote on, an acknowledgement)."""
        topic = self.topic
        if topic is None:
            return Reply("ack")
        value = self._polarity(text)
        stored = False
        if self.asker is not None and self.asker.user_id is not None and topic.question_id is not None:
            stored = self.service.vote(topic.question_id, self.asker.user_id, value) is VoteResult.RECORDED
        return Reply("vote", vote=value, stored=stored, question_id=topic.question_id)

    def _polarity(self, text: str) -> int:
        """+1 or -1: by its emoji, or by which of a good and a bad verdict its meaning is closer to."""
        symbols = set(text)
        if symbols & _DOWN:
            return -1
        if symbols & _UP:
            return 1
        vector = self.service.meaning_of(text)
        if vector is None:
            return 1
        good, bad = self.service.meaning_of(_GOOD), self.service.meaning_of(_BAD)
        return 1 if float(np.dot(vector, good)) >= float(np.dot(vector, bad)) else -1  # type: ignore[arg-type]

    def symbols(self, text: str) -> Reply:
        """A message of emoji or punctuation alone: 👍/👎 vote on the last answer, "?" asks what was meant."""
        marks = {ch for ch in text if not ch.isspace() and ch != "\ufe0f"}
        if marks and marks <= _UP | _DOWN:
            return self.vote(text)
        if marks and marks <= _PUZZLED:
            return Reply("confused")
        return Reply("ack")

    def sources_question(self, text: str) -> Reply:
        """"do the sources disagree on the injured?", "which number is correct", "who gave the 36 figure": each
        source's quote on it, and who says it."""
        service = self.service
        read = english(text, service.loanwords)
        asked = sources_readings(read, service.knowledge, self.topic.question if self.topic is not None else None)
        comparison = service.compare_sources(text, [Reading(q) for q in asked])
        if comparison.answered:
            turn = self.topic.turn + 1 if self.topic is not None else 1
            mentions = self.topic.mentions if self.topic is not None else ()
            self.keep(Topic(asked[0] if asked else text, None, tuple(p.chunk_id for p in comparison.passages),
                            "answer", 0, turn, mentions))
        return Reply("sources_disagree", comparison=comparison)


def _event(service: QAService) -> str:
    """The event itself, as a reading of "this" or "it" puts it in: the opening words of the sentence a brief would
    lead with (the most central, a story's first sentences counting more: "A Kyrgyz officer was killed Wednesday
    when special forces stormed the compound ...")."""
    knowledge = service.knowledge
    if len(knowledge) == 0 or not len(knowledge.centrality):
        return ""
    lead = knowledge.centrality * (1 + 0.5 / (1 + knowledge.table.positions))
    text = knowledge.table.text(int(np.argmax(lead)))
    return " ".join(re.findall(r"[\w'\u2019-]+", text)[:12])


def big_picture(text: str, service: QAService) -> Reply | None:
    """A plain question (`ask`, one line): the brief, the timeline or the events before or after one, when it asks
    for one of them (the message-kind classifier says so); None for a question to answer."""
    verdict = kinds.shared().classify(text, service.meaning_of(text))
    chat = _Chat(service, None, None, None, (None, None), None)
    if verdict.kind == "overview":
        return chat.overview(text)
    if verdict.kind == "timeline":
        return Reply("timeline", events=service.timeline())
    if verdict.kind == "next" and sequence_question(english(text, service.loanwords)) is not None:
        return chat.next(text)
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
    kind = kinds.shared().classify(question, service.meaning_of(question)).kind
    request = BriefRequest(overview_subject(english(question, service.loanwords), service.knowledge)) \
        if kind == "overview" or question.startswith("/brief") else None
    return service.more(question, request)


def inline_quotes(text: str, service: QAService, limit: int) -> tuple[Answer, list[Passage]]:
    """Inline mode (`@bot question` in any chat): the answer, and up to `limit` quotes to offer, each a result
    (a brief's quotes for an overview question). EmptyQuestion when there is nothing to ask."""
    verdict = kinds.shared().classify(text, service.meaning_of(text))
    if verdict.kind == "overview":
        brief = service.brief(text, BriefRequest(overview_subject(english(text, service.loanwords),
                                                                  service.knowledge)))
        return Answer(text, brief.answered, brief.passages), brief.passages
    answer = service.answer(english(text, service.loanwords), limit)
    return replace(answer, question=text), quotable(answer, service.threshold, limit)
