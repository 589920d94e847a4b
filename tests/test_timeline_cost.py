"""The timeline's cost is bounded by design (issue 30, finding 3): /timeline built a dense events x events matrix
on every request (+4.0 GB at 20k dated events). It is made once per knowledge base, and telling each event once
finds the alike pairs without that matrix, the same pairs as before."""

from __future__ import annotations

import datetime as dt
import threading
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from bot.answers import chronology
from bot.corpus.dates import When
from bot.corpus.records import ChunkRow, DocumentRef
from bot.search import KnowledgeBase
from bot.search.centrality import unit_vectors
from bot.service import QAService

WORDS = [f"w{i}x" for i in range(3000)]


def _sentences(count: int, seed: int) -> list[str]:
    """Words drawn with a long tail; every fifth sentence another's with one word changed (a retelling)."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(WORDS) + 1)
    out: list[str] = []
    for i in range(count):
        if i > 10 and i % 5 == 0:
            words = out[int(rng.integers(0, i))].split()
            words[-1] = "reportedly"
            out.append(" ".join(words))
        else:
            out.append(" ".join(rng.choice(WORDS, size=int(rng.integers(4, 20)), p=weights / weights.sum())))
    return out


def _dense_pairs(vectors: sp.csr_matrix, threshold: float) -> set[tuple[int, int]]:
    similar = (vectors @ vectors.T).toarray()
    return {(i, j) for i, j in zip(*np.nonzero(similar > threshold), strict=True) if i < j}


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_alike_pairs_are_those_a_dense_product_finds(threshold: float) -> None:
    texts = _sentences(600, seed=int(threshold * 10))
    knowledge = KnowledgeBase.build([ChunkRow(i + 1, 1, i, t) for i, t in enumerate(texts)], {1: DocumentRef(1, "A")})
    vectors = unit_vectors(knowledge.retriever, texts)
    first, second = chronology.similar_pairs(vectors, threshold, block=64)
    found = set(zip(first.tolist(), second.tolist(), strict=True))
    assert found == _dense_pairs(vectors, threshold) and len(found) > 50


def _events(count: int) -> tuple[KnowledgeBase, list[chronology.Event]]:
    texts = _sentences(count, seed=7)
    documents = {d: DocumentRef(d, f"Report {d}", date=dt.date(2019, 8, 1)) for d in range(1, count // 20 + 2)}
    rows = [ChunkRow(i + 1, i // 20 + 1, i % 20, t) for i, t in enumerate(texts)]
    knowledge = KnowledgeBase.build(rows, documents)
    events = [chronology.Event(r.chunk_id, r.text, When(dt.date(2019, 8, 1 + r.chunk_id % 28)), documents[r.document_id])
              for r in rows]
    return knowledge, events


def test_telling_each_event_once_takes_no_square_matrix() -> None:
    """3,000 events: a dense matrix of their cosines alone is 72 MB; the alike pairs take a few."""
    knowledge, events = _events(3000)
    tracemalloc.start()
    try:
        kept = chronology.distinct(knowledge, events)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 2000 < len(kept) < 3000  # the retellings from other reports are left out
    assert peak < 24 * 2**20, f"{peak / 2**20:.0f} MB"


def test_the_timeline_is_made_once_per_knowledge_base(monkeypatch: pytest.MonkeyPatch,
                                                      seed_service: QAService) -> None:
    made: list[int] = []
    real = chronology.distinct

    def counted(knowledge: KnowledgeBase, events: list[chronology.Event]) -> list[chronology.Event]:
        made.append(len(events))
        return real(knowledge, events)

    monkeypatch.setattr(chronology, "distinct", counted)
    knowledge = seed_service.knowledge.with_active({}, ())  # a knowledge base of its own, nothing kept for it yet
    readers = [threading.Thread(target=chronology.timeline, args=(knowledge,)) for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    first = chronology.timeline(knowledge)
    assert chronology.timeline(knowledge) is first and len(made) == 1
    assert [e.chunk_id for e in first] == [e.chunk_id for e in seed_service.timeline()]
