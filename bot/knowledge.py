"""The searchable knowledge: the active chunks, their documents, and a TF-IDF index over them.

A `KnowledgeBase` is immutable once built; a rebuild makes a new one and the
service swaps the reference in one step, so questions never see half an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.retrieval import Hit, TfidfRetriever


@dataclass(frozen=True)
class DocumentRef:
    """What a reply says about a source."""

    id: int
    title: str
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None


@dataclass(frozen=True)
class ChunkRow:
    chunk_id: int
    document_id: int
    position: int
    text: str


class KnowledgeBase:
    def __init__(self, rows: Iterable[ChunkRow], documents: Mapping[int, DocumentRef]) -> None:
        self.documents: dict[int, DocumentRef] = dict(documents)
        self._chunks: dict[int, ChunkRow] = {}
        self._by_position: dict[tuple[int, int], int] = {}
        for row in rows:
            if row.document_id not in self.documents:
                continue
            self._chunks[row.chunk_id] = row
            self._by_position[(row.document_id, row.position)] = row.chunk_id
        ids = list(self._chunks)
        self.retriever = TfidfRetriever().fit([self._chunks[i].text for i in ids], ids)

    def __len__(self) -> int:
        return len(self._chunks)

    def chunk(self, chunk_id: int) -> ChunkRow | None:
        return self._chunks.get(chunk_id)

    def search(self, query: str, k: int) -> list[Hit]:
        return self.retriever.search(query, k)

    def neighbours(self, chunk_id: int, before: int = 2, after: int = 2) -> list[ChunkRow]:
        """The chunk with up to `before`/`after` sentences of the same document around it."""
        row = self._chunks[chunk_id]
        found = []
        for position in range(row.position - before, row.position + after + 1):
            neighbour = self._by_position.get((row.document_id, position))
            if neighbour is not None:
                found.append(self._chunks[neighbour])
        return found
