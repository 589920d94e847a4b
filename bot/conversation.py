"""What the bot says to a message, decided once for every front end, and what it remembers of the conversation.

The terminal chat, `ask` and Telegram all call `reply_to` and render its `Reply` with `messages.render`;
`ask --top`, inline mode and the More button take their quotes from `quotable`. Front ends add only what is
theirs: Telegram its flood limit, buttons and chat types.

Conversations: people do not repeat themselves ("Who is Kursan Asanov?" -> "What did he say?"). After an
answer, a short-lived `Topic` is kept per conversation (a chat; a user inside a group) in memory only. A
question that leans on it (a pronoun, "and ...", "what about ...", too few words of its own to stand alone) is
answered with the missing subject filled in, and the reply says what it took the question to mean. A
self-contained question is left as it is, and a follow-up whose own words the answer does not hold is
declined: context never makes the bot quote what the sources do not say.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from bot import smalltalk
from bot.answering import Answer, EmptyQuestion, Passage
from bot.brief import Brief, brief_request
from bot.chronology import Event, sequence_question
from bot.search import KnowledgeBase
from bot.search.cues import FRAME_STEMS, SPEECH_VERBS
from bot.search.textproc import STOP_WORDS, expand_informal, stem, words
from bot.service import QAService

Kind = Literal["answer", "greeting", "thanks", "too_long", "empty", "help", "sources", "unknown_command", "brief",
               "timeline", "sequence"]
COMMANDS: dict[str, Kind] = {"/start": "help", "/help": "help", "/sources": "sources"}


@dataclass(frozen=True)
class Reply:
    """The kind of reply, and for an answer the answer and the id it was logged under (None: not logged).
    `about` is what the question was taken to be about when the conversation filled it in."""

    kind: Kind
    answer: Answer | None = None
    question_id: int | None = None
    about: str | None = None
    brief: Brief | None = None  # "brief": the sentences in the order shown
    events: list[Event] | None = None  # "timeline": every dated event; "sequence": those after/before `anchor`
    anchor: Passage | None = None  # "sequence": the sentence taken for the event the question names
    direction: str | None = None  # "sequence": "after" or "before"


# --- conversation context ---------------------------------------------------------------------------------

DEFAULT_CONTEXT_SECONDS = 600.0
# Sentences before a quote that may name its subject ("he admitted ..." after "the former President said").
# Measured: 2 or 3 gain a follow-up on the dialogue sets and let an unanswerable one through.
SUBJECT_REACH = 1
PERSON_PRONOUNS = {"he": "", "him": "", "his": "'s", "she": "", "her": "", "hers": "'s", "himself": "",
                   "herself": ""}
THING_PRONOUNS = {"it": "", "its": "'s", "they": "", "them": "", "their": "'s", "theirs": "'s", "that": "",
                  "this": "", "these": "", "those": ""}
_LEADS = re.compile(r"^\s*(?:and|so|also|what about|how about|and what about)\b[\s,]*", re.IGNORECASE)
_WH = frozenset("what who whom whose when where why how which".split())


@dataclass(frozen=True)
class Topic:
    """What the last answered question was about: the names it used ("Kursan Asanov"), the person a he/she
    refers to (its first name, or failing that its subject), and its subject words for it/they and for
    questions too short to stand alone."""

    person: str
    subject: str
    names: str = ""


@dataclass(frozen=True)
class Understood:
    """A question as it will be answered: `question` (with the subject filled in), `about` (what was filled in;
    None when the question stood alone) and `own` (its own content words, one of which the answer must hold)."""

    question: str
    about: str | None = None
    own: frozenset[str] = frozenset()


class Contexts:
    """The topic of each conversation, kept in memory for `seconds` after its last answer (never written to the
    database); at most `limit` conversations, the least recently used forgotten first."""

    def __init__(self, seconds: float = DEFAULT_CONTEXT_SECONDS, *, limit: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.limit = limit
        self.clock = clock
        self._topics: OrderedDict[Hashable, tuple[float, Topic]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Topic | None:
        with self._lock:
            found = self._topics.get(key)
            if found is None:
                return None
            if self.clock() - found[0] > self.seconds:
                del self._topics[key]
                return None
            return found[1]

    def set(self, key: Hashable, topic: Topic) -> None:
        with self._lock:
            self._topics[key] = (self.clock(), topic)
            self._topics.move_to_end(key)
            while len(self._topics) > self.limit:
                self._topics.popitem(last=False)

    def forget(self, matches: Callable[[Hashable], bool]) -> int:
        """Drop the conversations whose key `matches` (/forgetme); how many were dropped."""
        with self._lock:
            gone = [key for key in self._topics if matches(key)]
            for key in gone:
                del self._topics[key]
            return len(gone)


def _content(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in STOP_WORDS and t not in _WH and t not in PERSON_PRONOUNS
            and t not in THING_PRONOUNS and stem(t) not in FRAME_STEMS and t not in SPEECH_VERBS]


def _name_phrases(text: str, names: frozenset[str]) -> list[str]:
    """Runs of name words in a text, as written ("Kursan Asanov"), in order. A text typed with capitals is read
    as typed (its capitalised words after the first are names: "What revolution did she lead?" names no one);
    an all-lowercase one ("who is jeenbekov") by the corpus's names."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    cased = any(ch.isupper() for ch in text)
    phrases, current = [], []
    for at, word in enumerate(tokens):
        bare = word.removesuffix("'s")
        if bare.lower() in names and (not cased or (at > 0 and word[0].isupper())):
            current.append(bare)
        elif current:
            phrases.append(" ".join(current))
            current = []
    if current:
        phrases.append(" ".join(current))
    return phrases


def topic_of(question: str, answer: Answer, names: frozenset[str]) -> Topic | None:
    """The topic an answered question leaves behind; None when it was declined."""
    if not answer.answered:
        return None
    subject = " ".join(_content(words(question)))
    people = _name_phrases(question, names)
    person = people[0] if people else subject  # the first name is most often the one the question is about
    return Topic(person=person, subject=subject, names=" ".join(people)) if subject or person else None


def follow_up(question: str, topic: Topic | None, names: frozenset[str] = frozenset()) -> Understood:
    """The question with the subject it leans on filled in from `topic`, or as it stands. A question that names
    someone itself keeps its pronouns ("Atambayev ... his immunity"); it/they are filled in only when the question
    has too few words of its own to be about something else."""
    tokens = words(question)
    own = _content(tokens)
    understood = Understood(question, None, frozenset(own))
    if topic is None:
        return understood
    names_itself = bool(_name_phrases(question, names))
    person_pronoun = None if names_itself else next((t for t in tokens if t in PERSON_PRONOUNS), None)
    thing_pronoun = None if len(own) >= 2 else next((t for t in tokens if t in THING_PRONOUNS), None)
    leads = _LEADS.match(question)
    if person_pronoun is None and thing_pronoun is None and not leads and len(own) >= 2:
        return understood  # a question of its own: context must not pull it off course
    text = question
    if person_pronoun is not None and topic.person:
        about = topic.person
        text = _replace_word(text, person_pronoun, topic.person + PERSON_PRONOUNS[person_pronoun])
    elif thing_pronoun is not None and topic.subject:
        about = topic.subject
        text = _replace_word(text, thing_pronoun, topic.subject + THING_PRONOUNS[thing_pronoun])
    elif not own:  # "When?", "how many": all but the question word comes from the topic
        about = topic.subject
        text = f"{_LEADS.sub('', text).rstrip(' ?.!')} {about}"
    elif topic.names:  # "and the corruption charges?": its own subject, about the same people
        about = topic.names
        text = f"{_LEADS.sub('', text).rstrip(' ?.!')} {about}"
    else:
        return replace(understood, question=_LEADS.sub("", text))
    return replace(understood, question=text, about=about)


def _replace_word(text: str, word: str, by: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", by, text, count=1, flags=re.IGNORECASE)


class Answers(Protocol):
    """What answering in context needs of a service (QAService, or the benchmark's bare answerer)."""

    @property
    def knowledge(self) -> KnowledgeBase: ...

    def answer(self, question: str, top_k: int | None = None) -> Answer: ...


def answer_in_context(service: Answers, question: str, topic: Topic | None,
                      top_k: int | None = None) -> tuple[Answer, Understood]:
    """Answer `question` as the conversation makes it mean; a follow-up whose own words the best quote does not
    hold is declined (the filled-in subject alone must not carry it)."""
    understood = follow_up(expand_informal(question), topic, service.knowledge.names)
    answer = service.answer(understood.question, top_k)
    if understood.about is not None and answer.answered and understood.own:
        answer = _holding_own_words(service.knowledge, answer, understood.own, understood.about)
    return replace(answer, question=question), understood


def ask_in_context(service: Answers, question: str, contexts: Contexts | None, conversation: Hashable,
                   top_k: int | None = None) -> tuple[Answer, Understood]:
    """Answer `question` in the light of `conversation`'s topic and leave the answer's topic behind (with no
    `contexts`, the question stands alone and nothing is remembered)."""
    topic = contexts.get(conversation) if contexts is not None else None
    answer, understood = answer_in_context(service, question, topic, top_k)
    if contexts is not None:
        new_topic = topic_of(understood.question, answer, service.knowledge.names)
        if new_topic is not None:
            contexts.set(conversation, new_topic)
    return answer, understood


def _holding_own_words(knowledge: KnowledgeBase, answer: Answer, own: frozenset[str], about: str) -> Answer:
    """The answer with its best passage that holds one of the follow-up's own words (or their synonyms) and
    names what the conversation is about, in itself or in the SUBJECT_REACH sentences before it; declined when
    none does. "How old is he?" about Asanov must not find Atambayev's
    age."""

    def terms(text: str) -> set[str]:
        return {knowledge.retriever.term(t) for c in knowledge.parse(text).concepts for t, _ in c.alternatives}

    wanted, subject = terms(" ".join(sorted(own))), terms(about)

    def fits(passage: Passage) -> bool:
        if wanted.isdisjoint(knowledge.retriever.analyzer(passage.quote)):
            return False
        around = " ".join(row.text for row in knowledge.neighbours(passage.chunk_id, before=SUBJECT_REACH, after=0))
        return not subject or not subject.isdisjoint(knowledge.retriever.analyzer(around))

    floor = answer.passages[0].score * 0.8
    fitting = [p for p in answer.passages if fits(p) and p.score >= floor]
    if not fitting:
        return Answer(answer.question, False, answer.passages, "no_match")
    first = fitting[0]
    shown = [p for p in answer.shown if p is first or fits(p)] if first in answer.shown else [first]
    passages = [first, *(p for p in answer.passages if p is not first)]
    return replace(answer, passages=passages, shown=shown, sources_differ=answer.sources_differ and len(shown) > 1)


# --- the reply ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Asker:
    """Who asks, for the question log; None logs nothing (the terminal chat, `ask`)."""

    chat_type: str
    chat_id: int | None
    user_id: int | None


def reply_to(text: str, service: QAService, *, max_chars: int, asker: Asker | None = None,
             commands: bool = False, contexts: Contexts | None = None, conversation: Hashable = None) -> Reply:
    """The reply to one message: too long, a command (when `commands`: the terminal chat has no command
    handlers), small talk, or an answer (logged when `asker` is given). With `contexts`, the message is read in
    the light of `conversation`'s topic, and an answer leaves its own topic behind."""
    stripped = text.strip()
    if len(text) <= max_chars:
        topic = contexts.get(conversation) if contexts is not None else None
        picture = big_picture(text, service, follow_up_possible=topic is not None)
        if picture is not None:
            return _logged(picture, service, asker)
    if commands and stripped.startswith("/"):
        return Reply(COMMANDS.get(stripped.split()[0].lower(), "unknown_command"))
    if len(text) > max_chars:
        return Reply("too_long")
    kind = smalltalk.classify(text)
    if kind is not None:
        return Reply(kind)
    started = time.perf_counter()
    try:
        answer, understood = ask_in_context(service, text, contexts, conversation)
    except EmptyQuestion:
        return Reply("empty")
    latency_ms = (time.perf_counter() - started) * 1000
    question_id = None
    if asker is not None:
        question_id = service.record(answer, chat_type=asker.chat_type, chat_id=asker.chat_id,
                                     user_id=asker.user_id, latency_ms=latency_ms).question_id
    return Reply("answer", answer, question_id, understood.about)


_TIMELINE = re.compile(r"^\s*(?:/timeline(?:@\w+)?|(?:the\s+|a\s+)?timeline(?:\s+of\s+(?:the\s+)?events)?|"
                       r"(?:the\s+)?(?:order|sequence|chronology)\s+of\s+(?:the\s+)?events)\s*[?.!]*\s*$", re.IGNORECASE)


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
