"""What a conversation is about: the `Topic` an answer leaves behind, and where each conversation's topic is kept.

People do not repeat themselves ("Who is Kursan Asanov?" -> "What did he say?"). After an answer, a short-lived
`Topic` is kept per conversation (a chat; a user inside a group): in memory (`Contexts`, one process) or in the
database (`StoredContexts`, several instances behind one load balancer). `followups` reads a message in its light.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.storage.chat_state import ConversationStore

log = logging.getLogger(__name__)
DEFAULT_CONTEXT_SECONDS = 600.0
ConversationKey = tuple[object, object]  # (chat, sender): a chat, and a user inside a group


@dataclass(frozen=True)
class Mention:
    """A person, group or thing the conversation named: as written ("Kursan Asanov", "the hostages", "Atambayev's
    immunity"), what it is (`kind`), he or she (`gender`, "" when unknown or no person), whether it is a they, the
    turn it was last named in, how many turns named it, and whether a question named it (`asked`) or only an
    answer's quote did."""

    text: str
    kind: Literal["person", "group", "thing"]
    gender: str = ""
    plural: bool = False
    turn: int = 0
    count: int = 1
    asked: bool = True

    def to_list(self) -> list[object]:
        return [self.text, self.kind, self.gender, self.plural, self.turn, self.count, self.asked]

    @classmethod
    def from_list(cls, data: list[object]) -> Mention:
        text, kind, gender, plural, turn, count, asked = data
        return cls(str(text), kind, str(gender), bool(plural), int(turn), int(count), bool(asked))  # type: ignore[arg-type]


Shown = Literal["answer", "brief", "timeline", "sequence"]


@dataclass(frozen=True)
class Topic:
    """What the conversation left behind: the last question as it was understood, the logged question and the
    quotes shown (for the next message: a vote, "more", "source?"), what was shown last (`shown`: an answer, a
    brief, the timeline, what came next) and how far "more" has gone into it (`page`: the timeline's events shown),
    the turn count, and the people, groups and things named so far, with how salient each is (`mentions`)."""

    question: str
    question_id: int | None = None
    chunk_ids: tuple[int, ...] = ()
    shown: Shown = "answer"
    page: int = 0
    turn: int = 0
    mentions: tuple[Mention, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"question": self.question, "question_id": self.question_id,
                           "chunk_ids": list(self.chunk_ids), "shown": self.shown, "page": self.page,
                           "turn": self.turn, "mentions": [m.to_list() for m in self.mentions]})

    @classmethod
    def from_json(cls, text: str) -> Topic:
        """A topic as kept; one kept by an older version (a person and a subject, no mentions) reads as a topic
        with no mentions."""
        data = json.loads(text)
        mentions = []
        for item in data.get("mentions", ()):
            try:
                mentions.append(Mention.from_list(item))
            except (TypeError, ValueError):
                continue
        shown = data.get("shown", "answer")
        return cls(str(data["question"]), data.get("question_id"), tuple(int(c) for c in data.get("chunk_ids", ())),
                   shown if shown in ("answer", "brief", "timeline", "sequence") else "answer",
                   int(data.get("page", 0)), int(data.get("turn", 0)), tuple(mentions))


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

    def drop(self, key: ConversationKey) -> None:
        with self._lock:
            self._topics.pop(key, None)

    def forget(self, sender: object) -> int:
        """Drop the conversations of `sender` (/forgetme); how many were dropped."""
        with self._lock:
            gone = [key for key in self._topics if isinstance(key, tuple) and key[1] == sender]
            for key in gone:
                del self._topics[key]
            return len(gone)


class StoredContexts:
    """Topics kept in the database (`ConversationStore`) for every instance to see, with their expiry. A reply
    waits for the database at most DATABASE_WAIT_SECONDS (through its `Gate`); while it is slow or gone, each
    instance keeps the topics in memory, and a topic kept there meanwhile is newer than the database's."""

    def __init__(self, store: ConversationStore, seconds: float = DEFAULT_CONTEXT_SECONDS) -> None:
        self.store = store
        self.seconds = seconds
        self.fallback = Contexts(seconds)
        self.gate, self.wait = store.db.gate, store.db.timeouts.wait

    @staticmethod
    def _key(key: ConversationKey) -> str:
        return f"{key[0]}:{key[1]}"

    def get(self, key: ConversationKey) -> Topic | None:
        if self.seconds <= 0:
            return None
        kept = self.fallback.get(key)
        if kept is not None:
            return kept
        try:
            found = self.gate.call(self.store.get, self._key(key), wait=self.wait)
        except SQLAlchemyError:
            log.warning("conversation context unavailable; using this instance's memory meanwhile")
            return None
        return Topic.from_json(found) if found is not None else None

    def set(self, key: ConversationKey, topic: Topic) -> None:
        if self.seconds <= 0:
            return
        try:
            self.gate.call(self.store.set, self._key(key), None if key[1] is None else str(key[1]), topic.to_json(),
                           self.seconds, wait=self.wait)
        except SQLAlchemyError:
            log.warning("could not keep the conversation context; keeping it in memory meanwhile")
            self.fallback.set(key, topic)
        else:
            self.fallback.drop(key)

    def forget(self, sender: object) -> int:
        dropped = self.fallback.forget(sender)
        return dropped + self.gate.call(self.store.forget, str(sender), wait=self.store.db.timeouts.statement,
                                        optional=False)
