"""The meaning layer: what a small trained model adds to TF-IDF, which stays the retriever.

What it gives the answer model (`bot.answers`):
- word neighbours: a question word the corpus never uses ("cops", "jail", "hurt") is matched to the corpus words
  closest to it in meaning ("police", "prison", "injuries"), so it counts in the lexical score (the model also
  sees how much of the question only a neighbour matched);
- the sentences closest in meaning to a question (`closest`), which join the lexical candidates;
- the cosine between the question and each candidate, one of the model's strongest features.

Sentence and word vectors are made when documents are indexed or added (by `Vectors.add`, in the background
for a large corpus: until a candidate has its vector, its question is answered lexically) and kept beside the
saved index. The model itself is `encoder.SentenceEncoder`; this module sees only vectors.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.search.encoder import DIMENSIONS, SentenceEncoder
from bot.search.retrieval import Concept, Query
from bot.search.textproc import STOP_WORDS, stem

log = logging.getLogger(__name__)

# A corpus word at least this close in meaning to an unknown question word stands in for it ("cops" -> "police"
# 0.93, "hurt" -> "injuries" 0.70, "commandos" -> "soldiers" 0.58); tuned on the development sets.
NEIGHBOUR_FLOOR = 0.6
NEIGHBOURS = 3
# A neighbour counts this share of its similarity (a synonym-table line counts 0.7, the word itself 1.0).
NEIGHBOUR_FACTOR = 0.8
BATCH = 64
# Up to this many sentences, the ones closest in meaning to a question join its candidates (a float32 copy of their
# vectors, 1.5 KB each, and one product per question: 4 ms at 250,000).
DENSE_LIMIT = 250_000
QUESTIONS_KEPT = 512
MERGE_AT_LEAST = 1024


@dataclass
class _Matrix:
    """Unit vectors (float16) by key, kept sorted for look-ups."""

    keys: np.ndarray
    vectors: np.ndarray

    @classmethod
    def empty(cls, dtype: type = np.int64) -> _Matrix:
        return cls(np.empty(0, dtype=dtype), np.empty((0, DIMENSIONS), dtype=np.float16))

    def merged(self, keys: np.ndarray, vectors: np.ndarray) -> _Matrix:
        keys = np.concatenate([self.keys, keys])
        vectors = np.concatenate([self.vectors, vectors.astype(np.float16)])
        order = np.argsort(keys, kind="stable")
        return _Matrix(keys[order], vectors[order])

    def rows(self, keys: np.ndarray) -> np.ndarray | None:
        """The vectors of `keys`, or None when any is missing."""
        at = np.searchsorted(self.keys, keys)
        if len(self.keys) == 0 or (at >= len(self.keys)).any() or (self.keys[np.minimum(at, len(self.keys) - 1)] != keys).any():
            return None
        return self.vectors[at].astype(np.float32)


class Vectors:
    """Sentence vectors by chunk id and word vectors for the corpus vocabulary, filled as documents come in."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self.encoder = encoder
        self._sentences = _Matrix.empty()
        self._words: list[str] = []
        self._word_vectors = np.empty((0, DIMENSIONS), dtype=np.float32)
        self._known_words: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._queue: list[tuple[list[int], list[str], list[str]]] = []
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()
        self._dense: np.ndarray | None = None  # the sentence vectors as float32, for `closest`
        self._dense_of: _Matrix | None = None

    # --- filling -----------------------------------------------------------------------------------------

    def add(self, ids: Sequence[int], texts: Sequence[str], words: Iterable[str] = (), *,
            background: bool = False, progress: Callable[[int, int], None] | None = None) -> None:
        """Make the vectors of these sentences (and vocabulary words) that are not made yet; in a background
        thread when `background` (answers stay lexical for a sentence until its vector is there)."""
        with self._lock:
            have = set(self._sentences.keys.tolist())
            wanted = [(int(i), t) for i, t in zip(ids, texts) if int(i) not in have]
            new_words = sorted({w for w in words if w not in self._known_words and w not in STOP_WORDS
                                and w.isalpha()})
            self._known_words.update(new_words)
        if not wanted and not new_words:
            return
        job = ([i for i, _ in wanted], [t for _, t in wanted], new_words)
        if not background:
            self._run(job, progress)
            return
        with self._lock:
            self._queue.append(job)
            self._idle.clear()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._drain, name="sentence-vectors", daemon=True)
                self._worker.start()
                atexit.register(self.stop)

    def stop(self) -> None:
        """Stop the background work after the batch at hand (at exit: a thread killed inside the model aborts)."""
        self._stop.set()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=10)

    def missing(self, ids: np.ndarray) -> np.ndarray:
        """The positions of the `ids` that have no sentence vector yet."""
        with self._lock:
            keys = self._sentences.keys
        return np.flatnonzero(~np.isin(ids, keys))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background work is done (tests, benchmarks); False on time-out."""
        return self._idle.wait(timeout)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._idle.set()
                    return
                job = self._queue.pop(0)
            try:
                self._run(job, lambda done, total: log.info("sentence vectors: %d of %d", done, total)
                          if done % (BATCH * 100) == 0 or done == total else None)
            except Exception:  # noqa: BLE001 - a failed batch leaves those sentences lexical; the log says why
                log.exception("could not make sentence vectors")

    def _run(self, job: tuple[list[int], list[str], list[str]], progress: Callable[[int, int], None] | None) -> None:
        ids, texts, words = job
        if words:
            vectors = self._encode(words)
            if self._stop.is_set():
                return
            with self._lock:
                self._words += words
                self._word_vectors = np.concatenate([self._word_vectors, vectors])
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths batch with less padding
        pending_ids: list[np.ndarray] = []
        pending: list[np.ndarray] = []
        waiting = 0
        for start in range(0, len(order), BATCH * 16):
            if self._stop.is_set():
                return
            chunk = order[start: start + BATCH * 16]
            encoded = self._encode([texts[i] for i in chunk])
            if self._stop.is_set():
                return  # stopped part-way: what is merged stays, the rest is made at the next start
            pending_ids.append(np.array([ids[i] for i in chunk], dtype=np.int64))
            pending.append(encoded.astype(np.float16))
            waiting += len(chunk)
            done = start + len(chunk) >= len(order)
            # merged when what waits is as large as what is there (each vector copied O(log n) times at 1M)
            if done or waiting >= max(MERGE_AT_LEAST, len(self._sentences.keys)):
                with self._lock:
                    self._sentences = self._sentences.merged(np.concatenate(pending_ids), np.concatenate(pending))
                pending_ids, pending, waiting = [], [], 0
            if progress is not None:
                progress(min(start + BATCH * 16, len(order)), len(order))

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        parts = []
        for i in range(0, len(texts), BATCH):
            if self._stop.is_set():
                break
            parts.append(self.encoder.encode(texts[i: i + BATCH]))
        return np.concatenate(parts).astype(np.float32) if parts else np.empty((0, DIMENSIONS), np.float32)

    # --- reading -----------------------------------------------------------------------------------------

    def question(self, text: str) -> np.ndarray:
        """The vector of a question (or any short text); the last QUESTIONS_KEPT are kept, since one message is
        read several ways (its kind, each reading, the answer) and each reading asks for it again."""
        with self._lock:
            found = self._questions.get(text)
            if found is not None:
                self._questions.move_to_end(text)
                return found
        vector = self.encoder.encode([text])[0]
        with self._lock:
            self._questions[text] = vector
            while len(self._questions) > QUESTIONS_KEPT:
                self._questions.popitem(last=False)
        return vector

    def closest(self, vector: np.ndarray, k: int) -> list[int]:
        """The chunk ids of the `k` sentences closest in meaning to `vector`, closest first (none beyond
        DENSE_LIMIT sentences, where a brute-force product would cost more than the answer: the lexical candidates
        stand alone there)."""
        with self._lock:
            sentences = self._sentences
            dense = self._dense if self._dense_of is sentences else None
        if len(sentences.keys) == 0 or len(sentences.keys) > DENSE_LIMIT or k <= 0:
            return []
        if dense is None:
            dense = sentences.vectors.astype(np.float32)
            with self._lock:
                if self._sentences is sentences:
                    self._dense, self._dense_of = dense, sentences
        similarity = dense @ vector
        top = np.argpartition(-similarity, k - 1)[:k] if len(similarity) > k else np.arange(len(similarity))
        return [int(sentences.keys[i]) for i in top[np.argsort(-similarity[top], kind="stable")]]

    def sentences(self, chunk_ids: Sequence[int]) -> np.ndarray | None:
        """The vectors of these sentences, or None while any of them has none yet."""
        return self._sentences.rows(np.asarray(chunk_ids, dtype=np.int64))

    def neighbours(self, word: str, vector: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The corpus words closest in meaning to `word`, at least NEIGHBOUR_FLOOR close, best first."""
        words, matrix = self._words, self._word_vectors
        if not words:
            return []
        vector = self.encoder.encode([word])[0] if vector is None else vector
        similarity = matrix @ vector
        best = np.argsort(-similarity)[: NEIGHBOURS * 3]
        found, seen = [], {stem(word)}
        for i in best:
            if similarity[i] < NEIGHBOUR_FLOOR or len(found) == NEIGHBOURS:
                break
            if stem(words[i]) not in seen:
                seen.add(stem(words[i]))
                found.append((words[i], float(similarity[i])))
        return found

    # --- kept beside the saved index ---------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        with self._lock:
            sentences, words, word_vectors = self._sentences, list(self._words), self._word_vectors
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "vectors.npz", ids=sentences.keys, vectors=sentences.vectors,
                 words=np.array(words, dtype=object).astype(str), word_vectors=word_vectors.astype(np.float16))

    def load(self, folder: Path) -> bool:
        path = folder / "vectors.npz"
        if not path.exists():
            return False
        with np.load(path, allow_pickle=False) as data:
            ids, vectors = data["ids"], data["vectors"]
            words, word_vectors = [str(w) for w in data["words"]], data["word_vectors"].astype(np.float32)
        with self._lock:
            self._sentences = self._sentences.merged(ids, vectors)
            self._words, self._word_vectors = words, word_vectors
            self._known_words = set(words)
        return True


def with_neighbours(query: Query, vectors: Vectors, term_of_word: Callable[[str], int | None]) -> Query:
    """The query with each word the corpus never uses matched to its closest corpus words in meaning, as one
    concept of alternatives (so it scores and no longer counts as unknown); words with no close neighbour stay
    unknown."""
    if not query.unknown:
        return query
    unknown = iter(query.unknown)
    concepts, still_unknown = [], []
    for concept in query.concepts:
        if concept.alternatives:
            concepts.append(concept)
            continue
        word = next(unknown, None)
        options: dict[int, float] = {}
        for neighbour, similarity in vectors.neighbours(word) if word else []:
            term = term_of_word(neighbour)
            if term is not None:
                options[term] = max(options.get(term, 0.0), NEIGHBOUR_FACTOR * similarity)
        if options:
            concepts.append(Concept(tuple(options.items()), concept.weight))
        else:
            concepts.append(concept)
            if word:
                still_unknown.append(word)
    return replace(query, concepts=tuple(concepts), unknown=tuple(still_unknown))
