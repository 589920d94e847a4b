"""The searchable knowledge: the active chunks, their documents, and a TF-IDF index over them.

A `KnowledgeBase` is immutable once built; a rebuild makes a new one and the
service swaps the reference in one step, so questions never see half an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.fuzzy import FuzzyVocabulary
from bot.query import QueryBuilder
from bot.retrieval import Hit, Query, TfidfRetriever
from bot.synonyms import SynonymTable
from bot.textproc import STOP_WORDS, stem, words


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
    def __init__(
        self,
        rows: Iterable[ChunkRow],
        documents: Mapping[int, DocumentRef],
        *,
        synonyms: SynonymTable | None = None,
        retriever: TfidfRetriever | None = None,
    ) -> None:
        self.documents: dict[int, DocumentRef] = dict(documents)
        self.synonyms = synonyms or SynonymTable()
        self._chunks: dict[int, ChunkRow] = {}
        self._by_position: dict[tuple[int, int], int] = {}
        for row in rows:
            if row.document_id not in self.documents:
                continue
            self._chunks[row.chunk_id] = row
            self._by_position[(row.document_id, row.position)] = row.chunk_id
        ids = list(self._chunks)
        surface: set[str] = set()

        def analyze(text: str) -> list[str]:
            tokens = [w for w in words(text) if w not in STOP_WORDS]
            surface.update(tokens)
            return [stem(w) for w in tokens]

        chunks = [self._chunks[i] for i in ids]
        self.retriever = retriever or TfidfRetriever()
        self.retriever.analyzer = analyze
        self.retriever.fit(
            [c.text for c in chunks], ids, groups=[c.document_id for c in chunks]
        )
        self.queries = QueryBuilder(self.retriever, FuzzyVocabulary(surface), self.synonyms)

    def __len__(self) -> int:
        return len(self._chunks)

    def chunk(self, chunk_id: int) -> ChunkRow | None:
        return self._chunks.get(chunk_id)

    def parse(self, question: str) -> Query:
        return self.queries.build(question)

    def search(self, question: str | Query, k: int) -> list[Hit]:
        query = self.parse(question) if isinstance(question, str) else question
        return self.retriever.search(query, k)

    def chunks_of(self, document_id: int) -> list[ChunkRow]:
        return [row for row in self._chunks.values() if row.document_id == document_id]

    def neighbours(self, chunk_id: int, before: int = 2, after: int = 2) -> list[ChunkRow]:
        """The chunk with up to `before`/`after` sentences of the same document around it."""
        row = self._chunks[chunk_id]
        found = []
        for position in range(row.position - before, row.position + after + 1):
            neighbour = self._by_position.get((row.document_id, position))
            if neighbour is not None:
                found.append(self._chunks[neighbour])
        return found
