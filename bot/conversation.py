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

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot import smalltalk
from bot.languages import foreign_language
from bot.answers.answering import Answer, EmptyQuestion, Passage
from bot.answers.brief import Brief, brief_request
from bot.answers.chronology import Event, sequence_question
from bot.search import KnowledgeBase
from bot.search.cues import FRAME_STEMS, SPEECH_VERBS
from bot.search.textproc import STOP_WORDS, expand_informal, is_bare, is_past_form, stem, words
from bot.corpus.records import DocumentRef
from bot.service import QAService
from bot.storage.chat_state import ConversationStore
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


# --- conversation context ---------------------------------------------------------------------------------

DEFAULT_CONTEXT_SECONDS = 600.0
# Sentences before a quote that may name its subject ("he admitted ..." after "the former President said").
# Measured: 2 or 3 gain a follow-up on the dialogue sets and let an unanswerable one through.
SUBJECT_REACH = 1
PERSON_PRONOUNS = {"he": "", "him": "", "his": "'s", "she": "", "her": "", "hers": "'s", "himself": "",
                   "herself": ""}
THING_PRONOUNS = {"it": "", "its": "'s", "they": "", "them": "", "their": "'s", "theirs": "'s", "that": "",
                  "this": "", "these": "", "those": ""}
_LEADS = re.compile(r"^\s*(?:and|so|also|what about|how about|and what about|and how about)\b[\s,]*", re.IGNORECASE)
_WH = frozenset("what who whom whose when where why how which".split())
_DETERMINERS = frozenset("the his her their its this that these those".split())
# A question about a reply rather than the event: "what happened next", "and then?" continue the story.
_OPENING_WH = re.compile(r"^\s*((?:(?:by|with|from|to|for|out of|of|at|in|on|against|since|until|till) )?"
                         r"(?:how (?:many|much|long|old|often|far)|what|who|whom|whose|when|where|why|how|which))\b",
                         re.IGNORECASE)
# A question of its own after "and": "and what does he accuse atambayev of" is read as the question after "and".
_QUESTION_START = re.compile(r"^\s*(?:what|who|whom|whose|when|where|why|how|which|is|are|was|were|did|does|do|has|"
                             r"have|had|can|could|will|would)\b", re.IGNORECASE)

ConversationKey = tuple[object, object]  # (chat, sender): a chat, and a user inside a group


@dataclass(frozen=True)
class Topic:
    """What the last answered question left behind: the question as it was understood, the person a he/she
    stands for, the person, place or thing an it/they stands for, and for the next message (a vote, "more",
    "source?") the logged question and the quotes shown."""

    question: str
    person: str = ""
    subject: str = ""
    question_id: int | None = None
    chunk_ids: tuple[int, ...] = ()
    group: str = ""  # two or more people the question named ("atambayev and jeenbekov"): what a "they" may be

    def to_json(self) -> str:
        return json.dumps({"question": self.question, "person": self.person, "subject": self.subject,
                           "question_id": self.question_id, "chunk_ids": list(self.chunk_ids),
                           "group": self.group})

    @classmethod
    def from_json(cls, text: str) -> Topic:
        data = json.loads(text)
        return cls(str(data["question"]), str(data.get("person", "")), str(data.get("subject", "")),
                   data.get("question_id"), tuple(int(c) for c in data.get("chunk_ids", ())), str(data.get("group", "")))


@dataclass(frozen=True)
class Understood:
    """A question as it will be answered: `question` (with the subject filled in), `about` (what was filled in;
    None when the question stands alone), `own` (its own content words, one of which the answer must hold) and
    `needs_context` (false when the question can also be read alone: then the better reading wins)."""

    question: str
    about: str | None = None
    own: frozenset[str] = frozenset()
    needs_context: bool = False


class ContextStore(Protocol):
    """Where each conversation's topic is kept for `seconds` after its last answer: in memory (one process) or
    in the database (several instances behind one load balancer)."""

    seconds: float

    def get(self, key: ConversationKey) -> Topic | None: ...

    def set(self, key: ConversationKey, topic: Topic) -> None: ...

    def forget(self, sender: object) -> int: ...


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

    def get(self, key: ConversationKey) -> Topic | None:
        with self._lock:
            found = self._topics.get(key)
            if found is None:
                return None
            if self.clock() - found[0] > self.seconds:
                del self._topics[key]
                return None
            return found[1]

    def set(self, key: ConversationKey, topic: Topic) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._topics[key] = (self.clock(), topic)
            self._topics.move_to_end(key)
            while len(self._topics) > self.limit:
                self._topics.popitem(last=False)

    def forget(self, sender: object) -> int:
        """Drop the conversations of `sender` (/forgetme); how many were dropped."""
        with self._lock:
            gone = [key for key in self._topics if isinstance(key, tuple) and key[1] == sender]
            for key in gone:
                del self._topics[key]
            return len(gone)


class StoredContexts:
    """Topics kept in the database (`ConversationStore`) for every instance to see, with their expiry; while the
    database is briefly gone, each instance keeps them in memory."""

    def __init__(self, store: ConversationStore, seconds: float = DEFAULT_CONTEXT_SECONDS) -> None:
        self.store = store
        self.seconds = seconds
        self.fallback = Contexts(seconds)

    @staticmethod
    def _key(key: ConversationKey) -> str:
        return f"{key[0]}:{key[1]}"

    def get(self, key: ConversationKey) -> Topic | None:
        if self.seconds <= 0:
            return None
        try:
            found = self.store.get(self._key(key))
        except SQLAlchemyError:
            log.warning("conversation context unavailable; using this instance's memory meanwhile")
            return self.fallback.get(key)
        return Topic.from_json(found) if found is not None else self.fallback.get(key)

    def set(self, key: ConversationKey, topic: Topic) -> None:
        if self.seconds <= 0:
            return
        try:
            self.store.set(self._key(key), None if key[1] is None else str(key[1]), topic.to_json(), self.seconds)
        except SQLAlchemyError:
            log.warning("could not keep the conversation context; keeping it in memory meanwhile")
            self.fallback.set(key, topic)

    def forget(self, sender: object) -> int:
        dropped = self.fallback.forget(sender)
        return dropped + self.store.forget(str(sender))


# Words that only colour a follow-up ("when exactly", "why though"): no subject of their own.
_PARTICLES = frozenset("exactly though tho then else really actually now again precisely".split())


def _content(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in STOP_WORDS and t not in _WH and t not in PERSON_PRONOUNS
            and t not in THING_PRONOUNS and stem(t) not in FRAME_STEMS and t not in SPEECH_VERBS
            and t not in _PARTICLES]


def _name_phrases(text: str, names: frozenset[str]) -> list[str]:
    """Runs of name words in a text, as written ("Kursan Asanov", "Koi Tash"), in order. A text typed with
    capitals is read as typed (its capitalised words after the first are names: "What revolution did she lead?"
    names no one); an all-lowercase one ("who is jeenbekov") by the corpus's names."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'\u2019]*", text)
    cased = any(ch.isupper() for ch in text)
    phrases, current = [], []
    for at, word in enumerate(tokens):
        bare = re.sub(r"['\u2019]s?$", "", word)
        if bare.lower() in names and (not cased or (at > 0 and word[0].isupper())):
            current.append(bare)
            if bare != word:  # "Atambayev's house": the name ends at its possessive
                phrases.append(" ".join(current))
                current = []
        elif current:
            phrases.append(" ".join(current))
            current = []
    if current:
        phrases.append(" ".join(current))
    return phrases


def _people(text: str, knowledge: KnowledgeBase) -> list[str]:
    """The name phrases of a text that name people ("Kursan Asanov", not "Koi Tash" or "GKNB")."""
    people = knowledge.people
    return [p for p in _name_phrases(text, knowledge.names | people) if any(w.lower() in people for w in p.split())]


def _determiner_phrase(text: str) -> str:
    """The first "the/his/their ..." phrase of a question, up to two content words ("the officer", "his
    supporters", "the special forces"); "" when there is none. Its second word is kept only when it too is a
    word of substance ("the officer die" keeps "the officer")."""
    tokens = words(text)
    verb_follows = bool(_AUXILIARY.match(text))  # "how did the officer die": the bare word after it is the verb
    for at, token in enumerate(tokens):
        if token not in _DETERMINERS:
            continue
        phrase = [token]
        for word in tokens[at + 1: at + 4]:
            if word.isdigit() or word in _NUMBER_WORDS:
                phrase.append(word)
                continue
            if word in STOP_WORDS or word in _WH or stem(word) in FRAME_STEMS or (
                    verb_follows and is_bare(word) and len(phrase) > 1):
                break
            phrase.append(word)
            if len([w for w in phrase if w not in _DETERMINERS]) >= 2:
                break
        if len(phrase) > 1:
            return " ".join(phrase)
    return ""


_POSSESSED = re.compile(r"\b([A-Za-z][A-Za-z-]+)['\u2019]s (?=([a-z]{3,})\b)", re.IGNORECASE)
_AUXILIARY = re.compile(r"\W*(?:\w+\s+)?(?:did|does|do|will|would|can|could|should|has|have|had)\b", re.IGNORECASE)
_NUMBER_WORDS = frozenset("two three four five six seven eight nine ten dozen hundred".split())


def topic_of(question: str, answer: Answer, knowledge: KnowledgeBase, *, question_id: int | None = None) -> Topic | None:
    """The topic an answered question leaves behind; None when it was declined. The person is a person the
    question names; the subject a name of its own ("Koi Tash", whole) or its first "the ..." phrase."""
    if not answer.answered:
        return None
    people = _people(question, knowledge)
    names = _name_phrases(question, knowledge.names | knowledge.people)
    phrase = _determiner_phrase(question)
    known = knowledge.names | knowledge.people
    owned = next((m for m in _POSSESSED.finditer(question) if m.group(1).lower() in known), None)
    if owned and owned.group(2) not in STOP_WORDS:
        subject = f"{owned.group(1)}'s {owned.group(2)}"  # "atambayev's house", not "atambayev"
    elif phrase:
        subject = phrase
    elif names:
        subject = names[0]
    else:  # "hostages - who were they": a single word of substance the corpus uses
        own = [w for w in _content(words(question)) if not is_past_form(w) and stem(w) in knowledge.retriever.vocabulary_]
        subject = own[0] if len(own) == 1 else ""
    person = people[0] if people else ""
    if person and phrase and re.match(r"(his|her)\b", phrase):
        subject = f"{person}'s {phrase.split(' ', 1)[1]}"
    shown = answer.shown or answer.passages[:1]
    if not person and not phrase and shown:
        # "who was elected in 2011?" -> "Atambayev was elected ...": the one person the answer names
        quoted = {p.split()[-1].lower(): p for p in _people(shown[0].quote, knowledge)}
        person = next(iter(quoted.values())) if len(quoted) == 1 else ""
    group = " and ".join(people) if len({p.split()[-1].lower() for p in people}) >= 2 else ""
    return Topic(question, person, subject, question_id, tuple(p.chunk_id for p in shown), group)


def _rest_of(question: str) -> str:
    """A question without its opening question word: "what happened to the gate" -> "happened to the gate"."""
    return _OPENING_WH.sub("", question, count=1).strip(" ?.!")


def follow_up(question: str, topic: Topic | None, knowledge: KnowledgeBase | None = None) -> Understood:
    """The question with what it leans on filled in from `topic`, or as it stands. It is a follow-up only when
    it cannot be read well alone: a he/she with no person of its own, an it/they with too few words of its own,
    "and ...?" / "what about ...", or a bare "when?" / "why?". Anything else is a question of its own."""
    tokens = words(question)
    own = _content(tokens)
    understood = Understood(question, None, frozenset(own))
    if topic is None:
        return understood
    names = (knowledge.names | knowledge.people) if knowledge is not None else frozenset()
    names_itself = bool(_name_phrases(question, names))
    person_pronoun = None if names_itself else next((t for t in tokens if t in PERSON_PRONOUNS), None)
    thing_pronoun = None if len(own) >= 2 or names_itself else next((t for t in tokens if t in THING_PRONOUNS), None)
    leads = _LEADS.match(question)
    if leads and _QUESTION_START.match(question[leads.end():]):
        return follow_up(question[leads.end():], topic, knowledge)
    text = question
    if person_pronoun is not None and topic.person:
        return replace(understood, about=topic.person, needs_context=True,
                       question=_replace_word(text, person_pronoun, topic.person + PERSON_PRONOUNS[person_pronoun]))
    if (person_pronoun is not None and not topic.person and topic.subject.split(" ", 1)[0] in _DETERMINERS
            and not _plural(topic.subject)):
        # "how did the officer die" -> "how old was he": the officer (a place or a name is no "he")
        return replace(understood, about=topic.subject, needs_context=True,
                       question=_replace_word(text, person_pronoun, topic.subject + PERSON_PRONOUNS[person_pronoun]))
    if thing_pronoun is not None and (topic.subject or topic.person or topic.group) and (
            thing_pronoun not in ("they", "them", "their", "theirs", "these", "those") or topic.group or topic.subject):
        plural = thing_pronoun in ("they", "them", "their", "theirs", "these", "those")
        about = (topic.group or topic.subject) if plural else (topic.subject or topic.person)
        return replace(understood, about=about, needs_context=True,
                       question=_replace_word(text, thing_pronoun, about + THING_PRONOUNS[thing_pronoun]))
    if not own and person_pronoun is None and _OPENING_WH.match(_LEADS.sub("", text)):
        # "When?", "why", "how many?", "by what": the question word asks about the last question
        asked = _LEADS.sub("", text).strip(" ?.!")
        return replace(understood, about=topic.subject or topic.person or _rest_of(topic.question) or topic.question,
                       needs_context=True,
                       question=f"{asked} {_rest_of(topic.question)}")
    if leads and own:
        # "and the hostages?", "what about jeenbekov": the last question asked again of something else
        rest = _LEADS.sub("", text).strip(" ?.!")
        previous = topic.question
        swapped = None
        for old in (topic.subject, topic.person):
            if old and re.search(rf"\b{re.escape(old)}\b", previous, re.IGNORECASE):
                swapped = re.sub(rf"\b{re.escape(old)}\b", rest, previous, count=1, flags=re.IGNORECASE)
                break
        if swapped is None:
            opening = _OPENING_WH.match(previous)
            swapped = f"{opening.group(1)} {rest}" if opening else rest
        return replace(understood, question=swapped, about=_rest_of(previous) or previous)
    return understood


def _plural(phrase: str) -> bool:
    """"the soldiers", "his supporters": no "he" or "she"."""
    last = phrase.split()[-1] if phrase.split() else ""
    return last.endswith("s") and not last.endswith("ss") and stem(last) != last


def _replace_word(text: str, word: str, by: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", by, text, count=1, flags=re.IGNORECASE)


class Answers(Protocol):
    """What answering in context needs of a service (QAService, or the benchmark's bare answerer)."""

    @property
    def knowledge(self) -> KnowledgeBase: ...

    def answer(self, question: str, top_k: int | None = None) -> Answer: ...


def answer_in_context(service: Answers, question: str, topic: Topic | None,
                      top_k: int | None = None) -> tuple[Answer, Understood]:
    """Answer `question` as the conversation makes it mean. Context only ever helps: a question that stands on
    its own is answered as it is; one that can be read both ways is answered both ways and the better reading
    kept; and a follow-up whose own words the best quote does not hold is declined (the filled-in subject alone
    must not carry it)."""
    expanded = expand_informal(question)
    understood = follow_up(expanded, topic, service.knowledge)
    if understood.about is None:
        return service.answer(question, top_k), Understood(question, None, understood.own)
    answer = service.answer(understood.question, top_k)
    if answer.answered and understood.own:
        answer = _holding_own_words(service.knowledge, answer, understood.own, understood.about)
    if not understood.needs_context:
        alone = service.answer(question, top_k)
        if alone.answered and (not answer.answered or alone.passages[0].score >= answer.passages[0].score):
            return alone, Understood(question, None, understood.own)
    return replace(answer, question=question), understood


def ask_in_context(service: Answers, question: str, contexts: ContextStore | None, conversation: ConversationKey,
                   top_k: int | None = None) -> tuple[Answer, Understood]:
    """Answer `question` in the light of `conversation`'s topic and leave the answer's topic behind (with no
    `contexts`, the question stands alone and nothing is remembered)."""
    topic = contexts.get(conversation) if contexts is not None else None
    answer, understood = answer_in_context(service, question, topic, top_k)
    if contexts is not None:
        new_topic = topic_of(understood.question, answer, service.knowledge)
        if new_topic is not None:
            contexts.set(conversation, new_topic)
    return answer, understood


def _holding_own_words(knowledge: KnowledgeBase, answer: Answer, own: frozenset[str], about: str) -> Answer:
    """The answer with its best passage that holds one of the follow-up's own words (or their synonyms) and
    names what the conversation is about, in itself or in the SUBJECT_REACH sentences before it; declined when
    none does. "How old is he?" about Asanov must not find Atambayev's age."""

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
