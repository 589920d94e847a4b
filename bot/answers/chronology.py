"""The order of events: every quotable sentence placed in time, the timeline, and what came before or after.

Each sentence takes the time it speaks of (`dates.sentence_when`), or its document's date. The order is by that
time, then by document date and position, so a source's own narrative order breaks ties. It, and the timeline, are
made once per knowledge base (one index version), on first use, and kept beside it (a knowledge base never changes
in place); readers are shown the timeline a page at a time (`bot.chat.replies.TIMELINE_PAGE`).

Telling each event once compares every dated sentence with every other, but only the pairs that can be alike are
ever looked at (`similar_pairs`), so the cost grows with the events and their shared rare words, not their square.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
import scipy.sparse as sp

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
_TIMELINES: weakref.WeakKeyDictionary[KnowledgeBase, list[Event]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_MAKING = threading.RLock()  # one maker at a time: four readers asking at once wait for one timeline, not make four
Made = TypeVar("Made")


def _kept(cache: weakref.WeakKeyDictionary[KnowledgeBase, Made], knowledge: KnowledgeBase,
          make: Callable[[KnowledgeBase], Made]) -> Made:
    """What `make` makes of the knowledge base, made once and kept while the knowledge base lives."""
    with _LOCK:
        found = cache.get(knowledge)
    if found is not None:
        return found
    with _MAKING:
        with _LOCK:
            found = cache.get(knowledge)
        if found is None:
            found = make(knowledge)
            with _LOCK:
                cache[knowledge] = found
    return found


def chronology(knowledge: KnowledgeBase) -> Chronology:
    """The knowledge base's events in order (made on first use, then kept while the knowledge base lives)."""
    return _kept(_CACHE, knowledge, _chronology)


def _chronology(knowledge: KnowledgeBase) -> Chronology:
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
    return Chronology(events, {e.chunk_id: i for i, e in enumerate(events)})


def distinct(knowledge: KnowledgeBase, events: Sequence[Event]) -> list[Event]:
    """The events less those another source already told (cosine over SAME_EVENT with one kept before it)."""
    if len(events) < 2:
        return list(events)
    vectors = unit_vectors(knowledge.retriever, [e.quote for e in events])
    first, second = similar_pairs(vectors, SAME_EVENT)
    documents = np.array([e.document.id for e in events])
    other = documents[first] != documents[second]
    told_before: dict[int, list[int]] = {}
    for i, j in zip(first[other].tolist(), second[other].tolist(), strict=True):
        told_before.setdefault(j, []).append(i)
    kept = np.zeros(len(events), dtype=bool)
    for j in range(len(events)):
        kept[j] = not any(kept[i] for i in told_before.get(j, ()))
    return [events[i] for i in np.flatnonzero(kept)]


def similar_pairs(vectors: sp.csr_matrix, threshold: float, *, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows (i < j) of unit `vectors` whose cosine is over `threshold`, without a rows x rows matrix.

    All-pairs search with prefix filtering (Bayardo, Ma and Srikant, 2007). With every row's terms taken in one
    order, rarest first, a row's prefix is its terms up to where the rest has a norm under `threshold`. Two rows that
    alike share a term of both prefixes (the first term they share: were it past either prefix, what they share
    from there on would be under `threshold`), so only such pairs are looked at, `block` rows at a time. Of each,
    what the prefixes share is known; what else the rows share lies past the earlier prefix's end, which bounds it by
    the two rows' norms from there; only pairs that can still pass are scored in full. Exact: the pairs a dense
    product finds, in memory that grows with the pairs looked at in one block."""
    vectors = sp.csr_matrix(vectors, dtype=np.float64)
    vectors.sum_duplicates()
    rows, width = vectors.shape
    none = np.zeros(0, dtype=np.int64)
    if rows < 2 or vectors.nnz == 0:
        return none, none
    row_of = np.repeat(np.arange(rows), np.diff(vectors.indptr))
    rarity = np.bincount(vectors.indices, minlength=width)
    rank = np.empty(width, dtype=np.int64)
    rank[np.lexsort((np.arange(width), rarity))] = np.arange(width)
    order = np.lexsort((rank[vectors.indices], row_of))  # by row, then rarest term first
    squares = vectors.data[order] ** 2
    running = np.cumsum(squares)
    before = running - squares - np.concatenate(([0.0], running))[vectors.indptr[:-1]][row_of]
    rest = np.maximum(np.bincount(row_of, weights=squares, minlength=rows)[row_of] - before, 0.0)  # from here on
    margin = 1e-9
    in_prefix = np.sqrt(rest) >= threshold - margin
    keys = row_of * width + rank[vectors.indices[order]]  # ascending: the entries in that order, found by rank
    cut = np.full(rows, -1, dtype=np.int64)  # each row's prefix ends at this rank
    np.maximum.at(cut, row_of[in_prefix], rank[vectors.indices[order[in_prefix]]])
    beyond = np.sqrt(np.maximum(np.bincount(row_of, weights=np.where(in_prefix, 0.0, squares), minlength=rows), 0.0))

    def norm_past(row: np.ndarray, at_rank: np.ndarray) -> np.ndarray:
        place = np.searchsorted(keys, row * width + at_rank, side="right")
        inside = place < vectors.indptr[row + 1]
        return np.where(inside, np.sqrt(rest[np.minimum(place, len(rest) - 1)]), 0.0)

    picked = order[in_prefix]
    prefixes = sp.csr_matrix((vectors.data[picked], (row_of[picked], vectors.indices[picked])), shape=vectors.shape)
    transposed = sp.csr_matrix(prefixes.T)
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, rows, block):
        shared = sp.coo_matrix(prefixes[start: start + block] @ transposed)
        first, second, both = shared.row.astype(np.int64) + start, shared.col.astype(np.int64), shared.data
        later = first < second
        first, second, both = first[later], second[later], both[later]
        earlier = cut[first] <= cut[second]
        past = np.where(earlier, beyond[first], beyond[second])
        hopeful = both + past > threshold - margin  # the other row's norm from there on is at most 1
        first, second, both, past, earlier = first[hopeful], second[hopeful], both[hopeful], past[hopeful], earlier[hopeful]
        ends = np.minimum(cut[first], cut[second])
        hopeful = both + past * norm_past(np.where(earlier, second, first), ends) > threshold - margin
        first, second = first[hopeful], second[hopeful]
        if len(first):
            scores = np.asarray(vectors[first].multiply(vectors[second]).sum(axis=1)).ravel()
            alike = scores > threshold
            found.append((first[alike], second[alike]))
    if not found:
        return none, none
    return np.concatenate([f for f, _ in found]), np.concatenate([s for _, s in found])


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
    """The dated events across sources, earliest first, each told once (made once per knowledge base: the list is
    shared, not to be changed)."""
    return _kept(_TIMELINES, knowledge, lambda k: distinct(k, chronology(k).timeline()))


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
