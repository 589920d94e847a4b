"""The order of events: every quotable sentence placed in time, the timeline, and what came before or after.

Each sentence takes the time it speaks of (`dates.sentence_when`), or its document's date. The order is by that
time, then by document date and position, so a source's own narrative order breaks ties. It is made once per
knowledge base, on first use, and kept beside it (a knowledge base never changes in place).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.answers.answering import Passage
from bot.corpus.dates import When, sentence_when
from bot.corpus.records import DocumentRef
from bot.search import KnowledgeBase
from bot.search.centrality import unit_vectors

SAME_EVENT = 0.5  # cosine above which two sentences of the timeline from different sources tell the same thing


@dataclass(frozen=True)
class Event:
    """A sentence placed in time: its chunk, its quote, when, and its source."""

    chunk_id: int
    quote: str
    when: When
    document: DocumentRef

    def to_dict(self) -> dict[str, object]:
        return {"when": self.when.iso(), "part": self.when.part, "stated": self.when.stated, "quote": self.quote,
                "chunk_id": self.chunk_id, "document": self.document.to_dict()}


@dataclass(frozen=True)
class Chronology:
    """Every quotable sentence with a known time, earliest first; `at` maps a chunk id to its place."""

    events: list[Event]
    at: dict[int, int]

    def timeline(self) -> list[Event]:
        """The events whose sentence says when they happened, earliest first."""
        return [e for e in self.events if e.when.stated]

    def after(self, chunk_id: int, count: int = 3) -> list[Event]:
        """What happened after the chunk's event: the first events that begin after it is over (the chunk's own
        document's next sentences when nothing is later)."""
        place = self.at.get(chunk_id)
        if place is None:
            return []
        anchor = self.events[place].when
        later = [e for e in self.events[place + 1:] if anchor.before(e.when)]
        return later[:count] or self.events[place + 1: place + 1 + count]

    def before(self, chunk_id: int, count: int = 3) -> list[Event]:
        """What happened before the chunk's event: the latest events over before it begins, latest first."""
        place = self.at.get(chunk_id)
        if place is None:
            return []
        anchor = self.events[place].when
        earlier = [e for e in reversed(self.events[:place]) if e.when.before(anchor)]
        return earlier[:count] or list(reversed(self.events[max(place - count, 0): place]))


_CACHE: weakref.WeakKeyDictionary[KnowledgeBase, Chronology] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def chronology(knowledge: KnowledgeBase) -> Chronology:
    """The knowledge base's events in order (made on first use, then kept while the knowledge base lives)."""
    with _LOCK:
        found = _CACHE.get(knowledge)
    if found is not None:
        return found
    table = knowledge.table
    placed: list[tuple[tuple[object, ...], Event]] = []
    for index in range(len(table)):
        document = knowledge.documents.get(int(table.documents[index]))
        if document is None:
            continue
        text = table.text(index)
        when = sentence_when(text, document.date)
        if when is None:
            continue
        key = (when.key(), document.date, document.id, int(table.positions[index]))
        placed.append((key, Event(int(table.ids[index]), text, when, document)))
    placed.sort(key=lambda item: item[0])
    events = [event for _, event in placed]
    made = Chronology(events, {e.chunk_id: i for i, e in enumerate(events)})
    with _LOCK:
        _CACHE[knowledge] = made
    return made


def distinct(knowledge: KnowledgeBase, events: Sequence[Event]) -> list[Event]:
    """The events less those another source already told (cosine over SAME_EVENT with one kept before it)."""
    if len(events) < 2:
        return list(events)
    vectors = unit_vectors(knowledge.retriever, [e.quote for e in events])
    similar = (vectors @ vectors.T).toarray()
    kept: list[int] = []
    for i, event in enumerate(events):
        if not any(similar[i, j] > SAME_EVENT and events[j].document.id != event.document.id for j in kept):
            kept.append(i)
    return [events[i] for i in kept]


# --- questions about sequence ------------------------------------------------------------------------------

Direction = Literal["after", "before"]


@dataclass(frozen=True)
class SequenceQuestion:
    """A question about sequence, as `bot.chat.requests.sequence_question` reads it: "what happened after the raid"
    is (after, "the raid")."""

    direction: Direction
    anchor: str


def anchor_chunk(knowledge: KnowledgeBase, anchor: str, threshold: float) -> int | None:
    """The sentence that best tells of the event a sequence question names ("the raid"), if one clears `threshold`."""
    hits = knowledge.search(anchor, 1)
    if not hits or hits[0].score < threshold:
        return None
    return hits[0].chunk_id


def around(knowledge: KnowledgeBase, chunk_id: int, direction: Direction, count: int = 3) -> list[Event]:
    """What happened after (or before) the chunk's event, other sources' retellings left out."""
    order = chronology(knowledge)
    found = order.after(chunk_id, count * 3) if direction == "after" else order.before(chunk_id, count * 3)
    return distinct(knowledge, found)[:count]


def timeline(knowledge: KnowledgeBase) -> list[Event]:
    """The dated events across sources, earliest first, each told once."""
    return distinct(knowledge, chronology(knowledge).timeline())


def sequence(knowledge: KnowledgeBase, asked: SequenceQuestion, threshold: float) -> tuple[Passage | None, list[Event]]:
    """What happened after (or before) the event a question names: the sentence taken for that event, and the
    events that followed (or preceded) it; (None, []) when the sources do not tell of it."""
    chunk_id = anchor_chunk(knowledge, asked.anchor, threshold)
    anchor = _quote(knowledge, chunk_id) if chunk_id is not None else None
    if anchor is None:
        return None, []
    return anchor, around(knowledge, anchor.chunk_id, asked.direction)


def next_after(knowledge: KnowledgeBase, chunk_id: int, count: int = 3) -> tuple[Passage | None, list[Event]]:
    """What happened next after a quoted sentence: the sentence itself (None when it is gone), and the events
    after it."""
    events = around(knowledge, chunk_id, "after", count)
    return _quote(knowledge, chunk_id), events


def _quote(knowledge: KnowledgeBase, chunk_id: int) -> Passage | None:
    """A sentence as a quote of its own (score 1), or None when it is gone or its document was removed."""
    row = knowledge.chunk(chunk_id)
    if row is None or row.document_id not in knowledge.documents:
        return None
    return Passage(knowledge.readable(row), 1.0, chunk_id, knowledge.documents[row.document_id])
