"""Reproducible synthetic corpora for speed benchmarks: sentences drawn with the word and sentence-length
statistics of real text (the SQuAD articles), so term frequencies follow the same long tail."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+")


class TextModel:
    """Unigram word frequencies and sentence lengths learned from real paragraphs."""

    def __init__(self, paragraphs: list[str]) -> None:
        from bot.corpus.chunking import sentence_spans

        counts: Counter[str] = Counter()
        lengths: list[int] = []
        for paragraph in paragraphs:
            for start, end in sentence_spans(paragraph):
                tokens = _WORD.findall(paragraph[start:end])
                if tokens:
                    counts.update(tokens)
                    lengths.append(len(tokens))
        self.words = np.array(list(counts))
        frequencies = np.array(list(counts.values()), dtype=np.float64)
        self.probabilities = frequencies / frequencies.sum()
        self.lengths = np.array(lengths)

    @classmethod
    def from_squad(cls, *paths: Path) -> TextModel:
        paragraphs = []
        for path in paths:
            for article in json.loads(gzip.decompress(path.read_bytes()))["data"]:
                paragraphs += [p["context"] for p in article["paragraphs"]]
        return cls(paragraphs)

    def sentences(self, count: int, *, seed: int = 20190807, batch: int = 50_000) -> list[str]:
        """`count` sentences, the same for the same seed; drawn in batches to keep memory small."""
        rng = np.random.default_rng(seed)
        vocabulary = self.words.tolist()
        out: list[str] = []
        while len(out) < count:
            lengths = rng.choice(self.lengths, size=min(batch, count - len(out)))
            drawn = rng.choice(len(vocabulary), size=int(lengths.sum()), p=self.probabilities)
            at = 0
            for length in lengths:
                out.append(" ".join(vocabulary[i] for i in drawn[at: at + length]).capitalize() + ".")
                at += length
        return out
