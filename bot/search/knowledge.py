"""The searchable knowledge: the chunks of the indexed documents, their sources, and the index over them.

A `KnowledgeBase` is immutable: a rebuild, a new document (`extend`) or a removal
(`with_active`) makes a new one, and the service swaps the reference in one step,
so questions never see half an index. Chunk texts live in one UTF-8 blob with
offsets, so a million sentences cost little memory and load from disk at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from bot.corpus.records import ChunkRow, DocumentRef
from bot.search import centrality, proximity
from bot.search.centrality import SegmentShape
from bot.search.commonness import is_english_word
from bot.search.fuzzy import FuzzyVocabulary
from bot.search.query import QueryBuilder
from bot.search.retrieval import Hit, Query, TfidfRetriever
from bot.search.synonyms import SynonymTable
from bot.search.textproc import STOP_WORDS, content_words, stem


def text_key(text: bytes) -> int:
    """A sentence's text as a 64-bit number (BLAKE2b): what its sentence vector is kept under, so that a vector is
    only ever used for the very text it was made from (a chunk id is reused when a document is updated)."""
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little", signed=True)


class ChunkTable:
    """Chunks as arrays, in document and position order: ids, documents, positions, texts (one blob), and each
    text's `text_key` (made on first use, saved with the index)."""

    def __init__(self, ids: np.ndarray, documents: np.ndarray, positions: np.ndarray, blob: bytes,
                 offsets: np.ndarray, keys: np.ndarray | None = None) -> None:
        self.ids, self.documents, self.positions = ids, documents, positions
        self.blob, self.offsets = blob, offsets
        self._keys = keys
        self._order = np.argsort(ids, kind="stable")
        self._sorted_ids = ids[self._order]

    @classmethod
    def from_rows(cls, rows: Iterable[ChunkRow]) -> ChunkTable:
        ids, documents, positions, encoded = [], [], [], []
        for row in rows:
            ids.append(row.chunk_id)
            documents.append(row.document_id)
            positions.append(row.position)
            encoded.append(row.text.encode("utf-8"))
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(np.array(ids, dtype=np.int64), np.array(documents, dtype=np.int64),
                   np.array(positions, dtype=np.int32), b"".join(encoded), offsets)

    def __len__(self) -> int:
        return len(self.ids)

    def concat(self, other: ChunkTable) -> ChunkTable:
        return ChunkTable(
            np.concatenate([self.ids, other.ids]), np.concatenate([self.documents, other.documents]),
            np.concatenate([self.positions, other.positions]), self.blob + other.blob,
            np.concatenate([self.offsets, other.offsets[1:] + self.offsets[-1]]),
            np.concatenate([self.keys, other.keys]),
        )

    @property
    def keys(self) -> np.ndarray:
        """Each row's `text_key` (int64), in table order."""
        if self._keys is None:
            blob, offsets = memoryview(self.blob), self.offsets.tolist()
            self._keys = np.fromiter((text_key(blob[offsets[i]: offsets[i + 1]]) for i in range(len(self.ids))),
                                     dtype=np.int64, count=len(self.ids))
        return self._keys

    def keys_of(self, chunk_ids: Sequence[int]) -> np.ndarray | None:
        """The `text_key`s of these chunks, or None when any of them is not in the table."""
        found = [self.index_of(int(c)) for c in chunk_ids]
        if any(i is None for i in found):
            return None
        return self.keys[np.asarray(found, dtype=np.int64)]

    def text(self, index: int) -> str:
        return self.blob[self.offsets[index]: self.offsets[index + 1]].decode("utf-8")

    def index_of(self, chunk_id: int) -> int | None:
        at = int(np.searchsorted(self._sorted_ids, chunk_id))
        if at < len(self._sorted_ids) and self._sorted_ids[at] == chunk_id:
            return int(self._order[at])
        return None

    def row(self, index: int) -> ChunkRow:
        return ChunkRow(int(self.ids[index]), int(self.documents[index]), int(self.positions[index]), self.text(index))


class KnowledgeBase:
    """Chunks (as a `ChunkTable`), the documents they come from and the index over them, answering as one.

    Make one with `build` (index rows) or the constructor (an index already built or loaded: nothing is
    recomputed); `extend` and `with_active` make new ones from it. Documents in `inactive` stay in the index but
    are never quoted."""

    def __init__(
        self,
        table: ChunkTable,
        retriever: TfidfRetriever,
        documents: Mapping[int, DocumentRef],
        *,
        synonyms: SynonymTable | None = None,
        inactive: Iterable[int] = (),
        surface: Iterable[str] = (),
        shapes: Sequence[SegmentShape] | None = None,
    ) -> None:
        self.table, self.retriever, self.surface = table, retriever, frozenset(surface)
        self.all_documents: dict[int, DocumentRef] = dict(documents)
        self.inactive = frozenset(inactive)
        self.documents = {i: d for i, d in self.all_documents.items() if i not in self.inactive}
        self.synonyms = synonyms or SynonymTable()
        self.fuzzy = FuzzyVocabulary().fit(self.surface)
        self.queries = QueryBuilder(self.retriever, self.fuzzy, self.synonyms)
        self._allowed = self._masks()
        self._quotable = len(self.table) if not self.inactive else int(
            sum(m.sum() if m is not None else 0 for m in self._allowed)
        )
        self.shapes = list(shapes) if shapes is not None else self._shapes()
        # Centrality of each sentence among the quotable ones (table order): made here, once per knowledge base,
        # so a brief never computes it per question.
        self.centrality = centrality.scores(self.retriever, self.shapes, self._allowed)

    @classmethod
    def build(
        cls,
        rows: Iterable[ChunkRow],
        documents: Mapping[int, DocumentRef],
        *,
        synonyms: SynonymTable | None = None,
        inactive: Iterable[int] = (),
        retriever: TfidfRetriever | None = None,
    ) -> KnowledgeBase:
        """Index `rows` (in document and position order) of `documents`; rows of other documents are left out."""
        kept = [r for r in rows if r.document_id in documents]
        table = ChunkTable.from_rows(kept)
        surface: set[str] = set()
        tokens = [_analyse(r.text, surface) for r in kept]
        fitted = (retriever or TfidfRetriever()).fit([r.text for r in kept], table.ids, groups=table.documents,
                                                     tokens=tokens)
        return cls(table, fitted, documents, synonyms=synonyms, inactive=inactive, surface=surface)

    def _shapes(self) -> list[SegmentShape]:
        shapes, start = [], 0
        for segment in self.retriever.segments_:
            end = start + len(segment.ids)
            shapes.append(centrality.segment_shape(segment, self.table.documents[start:end]))
            start = end
        return shapes

    def _masks(self) -> list[np.ndarray | None]:
        """One mask per index segment: which rows may be quoted (None: all)."""
        masks: list[np.ndarray | None] = []
        start = 0
        for segment in self.retriever.segments_:
            end = start + len(segment.ids)
            if self.inactive:
                masks.append(~np.isin(self.table.documents[start:end], np.fromiter(self.inactive, dtype=np.int64)))
            else:
                masks.append(None)
            start = end
        return masks

    def __len__(self) -> int:
        """Sentences that can be quoted (counted once, at construction: answering asks on every question)."""
        return self._quotable

    def extend(self, rows: Iterable[ChunkRow], documents: Mapping[int, DocumentRef]) -> KnowledgeBase:
        """A new knowledge base with these documents added as a new index segment (milliseconds, not a rebuild)."""
        kept = list(rows)
        added = ChunkTable.from_rows(kept)
        seen: set[str] = set()
        tokens = [_analyse(r.text, seen) for r in kept]
        retriever = self.retriever.extend([r.text for r in kept], added.ids, groups=added.documents, tokens=tokens)
        shapes = [*self.shapes, centrality.segment_shape(retriever.segments_[-1], added.documents)]
        return KnowledgeBase(
            self.table.concat(added), retriever, {**self.all_documents, **documents}, synonyms=self.synonyms,
            inactive=self.inactive - set(documents), surface=self.surface | seen, shapes=shapes,
        )

    def with_active(self, documents: Mapping[int, DocumentRef], inactive: Iterable[int]) -> KnowledgeBase:
        """The same index with other documents quotable (removal and restore cost no re-indexing)."""
        return KnowledgeBase(self.table, self.retriever, {**self.all_documents, **documents},
                             synonyms=self.synonyms, inactive=inactive, surface=self.surface, shapes=self.shapes)

    @property
    def segments(self) -> int:
        return len(self.retriever.segments_)

    def chunk(self, chunk_id: int) -> ChunkRow | None:
        index = self.table.index_of(chunk_id)
        return self.table.row(index) if index is not None else None

    def chunks_of(self, document_id: int) -> list[ChunkRow]:
        return [self.table.row(int(i)) for i in np.flatnonzero(self.table.documents == document_id)]

    def parse(self, question: str) -> Query:
        return self.queries.build(question)

    def search(self, question: str | Query, k: int) -> list[Hit]:
        """The `k` best quotable chunks: TF-IDF candidates, the best of them re-scored by term proximity."""
        query = self.parse(question) if isinstance(question, str) else question
        hits = self.retriever.search(query, max(k, proximity.DEPTH), allowed=self._allowed)
        return proximity.rerank(hits, query, self._text, self.retriever.term, self.retriever.bound(query))[:k]

    def _text(self, chunk_id: int) -> str | None:
        index = self.table.index_of(chunk_id)
        return self.table.text(index) if index is not None else None

    def readable(self, row: ChunkRow, reach: int = 2) -> str:
        """The chunk's text as a quote that reads on its own: a sentence that closes a quotation opened before
        it (`Despite resuscitation attempts, he died," it said.`) gets the sentences from the opening on, and
        one that opens a quotation gets those up to its close; at most `reach` each way, same document only."""
        text = row.text
        if '"' not in text and "\u201c" not in text and "\u201d" not in text:
            return text  # most sentences: nothing to balance (and no second look-up)
        index = self.table.index_of(row.chunk_id)
        if index is None:
            return text
        document = self.table.documents[index]
        first = last = index
        while _unopened_closings(self._span(first, last)) and first > index - reach and first > 0 \
                and self.table.documents[first - 1] == document:
            first -= 1
        while _unclosed_openings(self._span(first, last)) and last < index + reach and last + 1 < len(self.table) \
                and self.table.documents[last + 1] == document:
            last += 1
        if _unopened_closings(self._span(first, last)) or _unclosed_openings(self._span(first, last)):
            return text  # the quotation reaches further: the sentence alone, as it stands
        return self._span(first, last)

    def _span(self, first: int, last: int) -> str:
        return " ".join(self.table.text(i) for i in range(first, last + 1))

    @property
    def names(self) -> frozenset[str]:
        """Words the corpus writes capitalised inside a sentence (names: "asanov", "gknb", "koi"), lower-cased;
        found once, on first use, with one pass over the text blob."""
        found = getattr(self, "_names", None)
        if found is None:
            capitalised = _CAPITALISED.findall(self.table.blob)
            found = frozenset(part for w in capitalised for part in w.decode("utf-8", "replace").lower().split("-")
                              if part) - STOP_WORDS
            self._names = found
        return found

    @property
    def people(self) -> frozenset[str]:
        """Words of the people the corpus names, lower-cased: those of a run of two or more capitalised words that
        are no everyday English words ("Kursan Asanov", "Deputy Interior Minister Kursan Asanov" -> kursan,
        asanov). A place ("Koi-Tash", "outside Bishkek") or an organisation ("GKNB") is named alone."""
        found = getattr(self, "_people", None)
        if found is None:
            people: set[str] = set()
            for run in _CAPITALISED_RUN.findall(self.table.blob):
                rare = [w for w in run.decode("utf-8", "replace").lower().split() if not is_english_word(w)]
                if len(rare) >= 2:
                    people.update(rare)
            found = self._people = frozenset(people)
        return found

    def neighbours(self, chunk_id: int, before: int = 2, after: int = 2) -> list[ChunkRow]:
        """The chunk with up to `before`/`after` sentences of the same document around it."""
        index = self.table.index_of(chunk_id)
        if index is None:
            return []
        document = self.table.documents[index]
        lo, hi = max(index - before, 0), min(index + after + 1, len(self.table))
        return [self.table.row(i) for i in range(lo, hi) if self.table.documents[i] == document]


_CAPITALISED_RUN = re.compile(rb"[A-Z][a-z]+(?: [A-Z][a-z]+)+")
_CAPITALISED = re.compile(rb"(?<=[a-z0-9,;:)] )[A-Z][A-Za-z]+(?:-[A-Z][A-Za-z]+)*")  # "Koi-Tash": koi, tash


def _quotation_marks(text: str) -> tuple[int, int]:
    """(closing marks with no opening before them, opening marks with no closing after them). A straight double
    quote opens at the start of a word and closes elsewhere."""
    depth = unopened = 0
    for i, ch in enumerate(text):
        if ch == "\u201c" or (ch == '"' and (i == 0 or text[i - 1].isspace() or text[i - 1] in "([")):
            depth += 1
        elif ch in ('"', "\u201d"):
            if depth:
                depth -= 1
            else:
                unopened += 1
    return unopened, depth


def _unopened_closings(text: str) -> int:
    return _quotation_marks(text)[0]


def _unclosed_openings(text: str) -> int:
    return _quotation_marks(text)[1]


def _analyse(text: str, surface: set[str]) -> list[str]:
    """Index terms of a text, noting its surface words for the fuzzy vocabulary."""
    tokens = content_words(text)
    surface.update(tokens)
    return [stem(w) for w in tokens]
