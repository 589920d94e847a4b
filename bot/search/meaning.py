"""The meaning layer: what a small trained model adds to TF-IDF, which stays the retriever.

What it gives the answer model (`bot.answers`):
- word neighbours: a question word the corpus never uses ("cops", "jail", "hurt") is matched to the corpus words
  closest to it in meaning ("police", "prison", "injuries"), so it counts in the lexical score (the model also
  sees how much of the question only a neighbour matched);
- the sentences closest in meaning to a question (`closest`), which join the lexical candidates;
- the cosine between the question and each candidate, one of the model's strongest features.

Sentence and word vectors are made when documents are indexed or added (by `Vectors.add`, in the background
for a large corpus: until a candidate has its vector, its question is answered lexically), each sentence's kept
under its text's key, and saved in a folder of their own at checkpoints while they are made. The model itself is
`encoder.SentenceEncoder`; this module sees only vectors.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import OrderedDict
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.search.encoder import DIMENSIONS, PINNED_SHA256, SentenceEncoder
from bot.search.retrieval import Concept, Query
from bot.search.textproc import STOP_WORDS, stem
from bot.storage.files import MANIFEST, DamagedFile, read_manifest, sha256_of, verified, write_atomic, write_manifest

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
# A message's meaning work is bounded whatever its text: at most NEIGHBOUR_WORDS unknown words (the longest, so the
# likeliest to be rare real words rather than typos of short ones) are looked up, each word's neighbours are kept
# (the last WORDS_KEPT words), and the encoder reads at most QUESTION_TOKENS word pieces of a message (readers'
# questions in the development sets are under 100 characters, about 25 pieces; a 500-character message of unknown
# words, 250 pieces, cost 0.5 s in all without these bounds).
NEIGHBOUR_WORDS = 3
WORDS_KEPT = 4096
QUESTION_TOKENS = 48
MERGE_AT_LEAST = 1024
# Vectors being made are saved this often (seconds), so a crash loses at most this much work; parts beyond
# MAX_PARTS are folded into one.
CHECKPOINT_SECONDS = 60.0
MAX_PARTS = 8
FORMAT = 2  # 2: parts keyed by each sentence's text key, checked by a manifest (1: vectors.npz keyed by chunk id)
MODEL = PINNED_SHA256["model.safetensors"][:16]  # vectors of another model are never mixed in


@dataclass
class _Matrix:
    """Unit vectors (float16) by key, kept sorted (each key once) for look-ups."""

    keys: np.ndarray
    vectors: np.ndarray

    @classmethod
    def empty(cls, dtype: type = np.int64) -> _Matrix:
        return cls(np.empty(0, dtype=dtype), np.empty((0, DIMENSIONS), dtype=np.float16))

    def merged(self, keys: np.ndarray, vectors: np.ndarray) -> _Matrix:
        keys = np.concatenate([self.keys, keys])
        vectors = np.concatenate([self.vectors, vectors.astype(np.float16)])
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]  # a key made twice (two parts, two threads) is kept once
        return _Matrix(keys[first], vectors[order[first]])

    def rows(self, keys: np.ndarray) -> np.ndarray | None:
        """The vectors of `keys`, or None when any is missing."""
        at = np.searchsorted(self.keys, keys)
        if len(self.keys) == 0 or (at >= len(self.keys)).any() or (self.keys[np.minimum(at, len(self.keys) - 1)] != keys).any():
            return None
        return self.vectors[at].astype(np.float32)


class Vectors:
    """Sentence vectors by sentence key and word vectors for the corpus vocabulary, filled as documents come in.

    A sentence's key is its text's `text_key` (`ChunkTable.keys`), so a vector is found only for the very text it
    was made from, whatever id the sentence has now: an updated document's new sentences get new vectors, and a
    rebuilt index keeps those of its unchanged sentences. With a `folder` (`load` or `save` sets it), what is made
    is saved there at checkpoints while it is made, as part files that are each written whole (see `checkpoint`)."""

    def __init__(self, encoder: SentenceEncoder, *, checkpoint_seconds: float = CHECKPOINT_SECONDS) -> None:
        self.encoder = encoder
        self.checkpoint_seconds = checkpoint_seconds
        self.folder: Path | None = None
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
        self._word_neighbours: OrderedDict[str, list[tuple[str, float]]] = OrderedDict()
        self._word_neighbours_of: np.ndarray | None = None  # the word vectors those neighbours were found among
        self._dense: np.ndarray | None = None  # the sentence vectors as float32, for `closest`
        self._dense_of: _Matrix | None = None
        # made since the last checkpoint, oldest first: (sentence keys, vectors) and (words, vectors)
        self._unsaved: list[tuple[np.ndarray, np.ndarray, list[str], np.ndarray]] = []
        self._parts: list[str] = []  # the part files the folder's manifest lists, oldest first
        self._save_lock = threading.Lock()
        self._checkpointed = time.monotonic()
        self.live_keys: Callable[[], np.ndarray] | None = None  # the sentences still indexed (for `checkpoint`)

    # --- filling -----------------------------------------------------------------------------------------

    def add(self, keys: Sequence[int], texts: Sequence[str], words: Iterable[str] = (), *,
            background: bool = False, progress: Callable[[int, int], None] | None = None) -> None:
        """Make the vectors of these sentences (by key, each once) and vocabulary words that are not made yet; in
        a background thread when `background` (answers stay lexical for a sentence until its vector is there)."""
        with self._lock:
            have = set(self._sentences.keys.tolist())
            wanted = {int(k): t for k, t in zip(keys, texts) if int(k) not in have}
            new_words = sorted({w for w in words if w not in self._known_words and w not in STOP_WORDS
                                and w.isalpha()})
            self._known_words.update(new_words)
        if not wanted and not new_words:
            return
        job = (list(wanted), list(wanted.values()), new_words)
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

    def missing(self, keys: np.ndarray) -> np.ndarray:
        """The positions of the sentence `keys` that have no vector yet."""
        with self._lock:
            have = self._sentences.keys
        return np.flatnonzero(~np.isin(keys, have))

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
            if not self._stop.is_set():
                self.checkpoint()

    def _run(self, job: tuple[list[int], list[str], list[str]], progress: Callable[[int, int], None] | None) -> None:
        keys, texts, words = job
        if words:
            vectors = self._encode(words)
            if self._stop.is_set():
                return
            with self._lock:
                self._words += words
                self._word_vectors = np.concatenate([self._word_vectors, vectors])
                self._unsaved.append((np.empty(0, np.int64), np.empty((0, DIMENSIONS), np.float16), list(words),
                                      vectors.astype(np.float16)))
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths batch with less padding
        pending_keys: list[np.ndarray] = []
        pending: list[np.ndarray] = []
        waiting = 0
        for start in range(0, len(order), BATCH * 16):
            if self._stop.is_set():
                return
            chunk = order[start: start + BATCH * 16]
            encoded = self._encode([texts[i] for i in chunk])
            if self._stop.is_set():
                return  # stopped part-way: what is merged stays, the rest is made at the next start
            pending_keys.append(np.array([keys[i] for i in chunk], dtype=np.int64))
            pending.append(encoded.astype(np.float16))
            waiting += len(chunk)
            done = start + len(chunk) >= len(order)
            # merged when what waits is as large as what is there (each vector copied O(log n) times at 1M)
            if done or waiting >= max(MERGE_AT_LEAST, len(self._sentences.keys)) or self._checkpoint_due():
                made_keys, made = np.concatenate(pending_keys), np.concatenate(pending)
                with self._lock:
                    self._sentences = self._sentences.merged(made_keys, made)
                    self._unsaved.append((made_keys, made, [], np.empty((0, DIMENSIONS), np.float16)))
                pending_keys, pending, waiting = [], [], 0
                if not done and self._checkpoint_due():
                    self.checkpoint()
            if progress is not None:
                progress(min(start + BATCH * 16, len(order)), len(order))

    def _checkpoint_due(self) -> bool:
        return self.folder is not None and time.monotonic() - self._checkpointed >= self.checkpoint_seconds

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        parts = []
        for i in range(0, len(texts), BATCH):
            if self._stop.is_set():
                break
            parts.append(self.encoder.encode(texts[i: i + BATCH]))
        return np.concatenate(parts).astype(np.float32) if parts else np.empty((0, DIMENSIONS), np.float32)

    # --- reading -----------------------------------------------------------------------------------------

    def question(self, text: str) -> np.ndarray:
        """The vector of a question (or any short text: as much as makes QUESTION_TOKENS word pieces); the last
        QUESTIONS_KEPT are kept, since one message is read several ways (its kind, each reading, the answer) and
        each reading asks for it again."""
        with self._lock:
            found = self._questions.get(text)
            if found is not None:
                self._questions.move_to_end(text)
                return found
        head = getattr(self.encoder, "head", None)
        vector = self.encoder.encode([head(text, QUESTION_TOKENS) if head is not None else text])[0]
        with self._lock:
            self._questions[text] = vector
            while len(self._questions) > QUESTIONS_KEPT:
                self._questions.popitem(last=False)
        return vector

    def closest(self, vector: np.ndarray, k: int) -> list[int]:
        """The keys (`ChunkTable.keys`) of the `k` sentences closest in meaning to `vector`, closest first (none beyond
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

    def sentences(self, keys: Sequence[int] | np.ndarray) -> np.ndarray | None:
        """The vectors of these sentences (by key), or None while any of them has none yet."""
        return self._sentences.rows(np.asarray(keys, dtype=np.int64))

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

    def neighbours_of(self, words: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        """`neighbours` of each word, kept per word (the last WORDS_KEPT); the words not kept yet are encoded in one
        batch."""
        found: dict[str, list[tuple[str, float]]] = {}
        with self._lock:
            if self._word_neighbours_of is not self._word_vectors:  # the corpus words changed: so may neighbours
                self._word_neighbours.clear()
                self._word_neighbours_of = self._word_vectors
            for word in words:
                if word in self._word_neighbours:
                    self._word_neighbours.move_to_end(word)
                    found[word] = self._word_neighbours[word]
            matrix = self._word_vectors
        missing = [w for w in dict.fromkeys(words) if w not in found]
        if not missing:
            return found
        encoded = self.encoder.encode(missing) if len(self._words) else np.zeros((len(missing), DIMENSIONS))
        for word, vector in zip(missing, encoded, strict=True):
            found[word] = self.neighbours(word, vector)
        with self._lock:
            if self._word_neighbours_of is matrix:
                for word in missing:
                    self._word_neighbours[word] = found[word]
                while len(self._word_neighbours) > WORDS_KEPT:
                    self._word_neighbours.popitem(last=False)
        return found

    # --- kept on disk --------------------------------------------------------------------------------------

    def checkpoint(self, keep: np.ndarray | None = None) -> bool:
        """Save what was made since the last checkpoint into the folder as one new part file, then the manifest
        listing the parts; with more than MAX_PARTS parts, everything (only the sentences of `keep`, when given)
        is written as one part instead (`live_keys`, when set, says which are still wanted). Each file is written whole (`bot.storage.files`), so a kill at any moment
        loses at most what was made since the last checkpoint. A failure (a full disk) is logged and leaves the
        vectors in memory, to be saved at the next checkpoint. False when nothing could be saved."""
        folder = self.folder
        if folder is None:
            return False
        with self._save_lock:
            with self._lock:
                taken = len(self._unsaved)
                fresh = list(self._unsaved)
            whole = len(self._parts) >= MAX_PARTS or keep is not None
            if not fresh and not whole and (folder / MANIFEST).exists():
                return True
            try:
                folder.mkdir(parents=True, exist_ok=True)
                if whole:
                    with self._lock:
                        sentences, words, word_vectors = self._sentences, list(self._words), self._word_vectors
                    keep = keep if keep is not None else self.live_keys() if self.live_keys is not None else None
                    if keep is not None:
                        kept = np.isin(sentences.keys, keep)
                        sentences = _Matrix(sentences.keys[kept], sentences.vectors[kept])
                    parts = [self._write_part(folder, sentences.keys, sentences.vectors, words, word_vectors)]
                else:
                    parts = [*self._parts, self._write_part(
                        folder, np.concatenate([f[0] for f in fresh] or [np.empty(0, np.int64)]),
                        np.concatenate([f[1] for f in fresh] or [np.empty((0, DIMENSIONS), np.float16)]),
                        [w for f in fresh for w in f[2]],
                        np.concatenate([f[3] for f in fresh] or [np.empty((0, DIMENSIONS), np.float16)]))]
                write_manifest(folder, {"format": FORMAT, "model": MODEL, "dimensions": DIMENSIONS},
                               {name: sha256_of(folder / name) for name in parts})
            except OSError as error:
                log.warning("could not save sentence vectors in %s (%s); they are kept in memory and saved at the "
                            "next checkpoint", folder, error)
                return False
            for stale in folder.iterdir():  # parts no longer listed, and what a killed save left behind
                if stale.name != MANIFEST and stale.name not in parts:
                    stale.unlink(missing_ok=True)
            with self._lock:
                del self._unsaved[:taken]
            self._parts = parts
            self._checkpointed = time.monotonic()
            return True

    def _write_part(self, folder: Path, keys: np.ndarray, vectors: np.ndarray, words: list[str],
                    word_vectors: np.ndarray) -> str:
        number = max((int(p[5:11]) for p in self._parts), default=0) + 1
        name = f"part-{number:06d}.npz"
        write_atomic(folder / name, lambda handle: np.savez(
            handle, keys=keys.astype(np.int64), vectors=vectors.astype(np.float16),
            words=np.array(words, dtype=str).reshape(-1), word_vectors=word_vectors.astype(np.float16)))
        return name

    def save(self, folder: Path, keep: np.ndarray | None = None) -> bool:
        """Save every vector into `folder` as one part (and checkpoint there from now on)."""
        if folder != self.folder:
            self.folder, self._parts = folder, []
        return self.checkpoint(keep=keep if keep is not None else self._sentences.keys)

    def load(self, folder: Path) -> bool:
        """Take in the vectors saved in `folder`, and checkpoint there from now on. A part that is not the file
        saved (truncated, emptied, swapped), or vectors of another model, are left out with the reason logged:
        their sentences have no vector and are made again. Never raises; True when any vector was taken in."""
        self.folder, self._parts = folder, []
        try:
            manifest = read_manifest(folder)
        except DamagedFile as error:
            if folder.is_dir() and any(folder.iterdir()):
                log.warning("the saved sentence vectors are not used (%s); they will be made again", error)
            return False
        if (manifest.get("format"), manifest.get("model"), manifest.get("dimensions")) != (FORMAT, MODEL, DIMENSIONS):
            log.warning("the saved sentence vectors in %s are of another format or model; they will be made again",
                        folder)
            return False
        parts, loaded = [], []
        for name in sorted(manifest["files"]):
            try:
                with np.load(verified(folder, name, manifest), allow_pickle=False) as data:
                    part = (data["keys"], data["vectors"], [str(w) for w in data["words"]], data["word_vectors"])
                if part[0].dtype != np.int64 or part[1].shape != (len(part[0]), DIMENSIONS) or \
                        part[3].shape != (len(part[2]), DIMENSIONS):
                    raise DamagedFile(f"{folder / name} holds arrays of the wrong shape")
            except DamagedFile as error:
                log.warning("saved sentence vectors left out: %s; they will be made again", error)
                continue
            except Exception as error:  # noqa: BLE001 - whatever a damaged file raises, its vectors are made again
                log.warning("saved sentence vectors left out: %s is unreadable (%s: %s); they will be made again",
                            folder / name, type(error).__name__, error)
                continue
            parts.append(name)
            loaded.append(part)
        if not loaded:
            return False
        words: dict[str, np.ndarray] = {}
        for _, _, part_words, part_vectors in loaded:
            for word, vector in zip(part_words, part_vectors):
                words.setdefault(word, vector)
        with self._lock:
            self._sentences = self._sentences.merged(np.concatenate([p[0] for p in loaded]),
                                                     np.concatenate([p[1] for p in loaded]))
            self._words = list(words)
            self._word_vectors = (np.array(list(words.values()), dtype=np.float32).reshape(-1, DIMENSIONS))
            self._known_words = set(words)
        self._parts = parts
        return True


def with_neighbours(query: Query, vectors: Vectors, term_of_word: Callable[[str], int | None]) -> Query:
    """The query with each word the corpus never uses matched to its closest corpus words in meaning, as one
    concept of alternatives (so it scores and no longer counts as unknown); words with no close neighbour stay
    unknown, and so do all but the NEIGHBOUR_WORDS longest, which alone are looked up."""
    if not query.unknown:
        return query
    looked_up = sorted(dict.fromkeys(query.unknown), key=lambda w: (-len(w), w))[:NEIGHBOUR_WORDS]
    found = vectors.neighbours_of(looked_up)
    unknown = iter(query.unknown)
    concepts, still_unknown = [], []
    for concept in query.concepts:
        if concept.alternatives:
            concepts.append(concept)
            continue
        word = next(unknown, None)
        options: dict[int, float] = {}
        for neighbour, similarity in found.get(word, []) if word else []:
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

