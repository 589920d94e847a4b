"""Text -> sentence chunks with character offsets.

Sentences come from syntok (chosen over pysbd and blingfire on the seed
articles: it alone kept "St. Petersburg" and "a.m." whole, split the sub-heading
from the paragraph after it, and runs at about 0.1 ms a sentence). Each chunk is
an exact slice of the document text, so a quote is always verbatim and its
neighbours can be shown as context.

Page furniture (share prompts, "Also on rt.com" teasers) and bare sub-headings
are cut out here, so they never become quotable chunks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from syntok import segmenter

# Each pattern matches text that is part of the page, not of the reporting.
FURNITURE: tuple[re.Pattern[str], ...] = (
    # "Also on rt.com <teaser headline>(VIDEO)<next sentence glued on>": the teaser ends
    # where the next sentence starts without a space, or at the end of the line.
    re.compile(r"Also on [\w.-]+\.\w{2,}\b[^\n]*?(?:(?<=[)\]a-z.!?\"\u201d])(?=[A-Z][a-z])|(?=\n)|\Z)"),
    re.compile(r"Think your friends would be interested\?\s*Share this story!?", re.IGNORECASE),
    re.compile(r"^\s*(?:Share this (?:story|article)!?|Read more:?|Subscribe to [^\n]*|Follow us on [^\n]*)\s*$",
               re.IGNORECASE | re.MULTILINE),
)
_HEADING_MAX_WORDS = 12
_HAS_WORD = re.compile(r"\w{2,}")


@dataclass(frozen=True)
class Chunk:
    """One quotable sentence: `text == document[start:end]`."""

    position: int
    start: int
    end: int
    text: str


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence, as syntok segments the text."""
    spans: list[tuple[int, int]] = []
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            if not sentence:
                continue
            first, last = sentence[0], sentence[-1]
            spans.append((first.offset, last.offset + len(last.value)))
    return spans


def furniture_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for pattern in FURNITURE for m in pattern.finditer(text) if m.end() > m.start()]
    return sorted(spans)


def _subtract(span: tuple[int, int], cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces = [span]
    for cut_start, cut_end in cuts:
        next_pieces = []
        for start, end in pieces:
            if cut_end <= start or cut_start >= end:
                next_pieces.append((start, end))
                continue
            if start < cut_start:
                next_pieces.append((start, cut_start))
            if cut_end < end:
                next_pieces.append((cut_end, end))
        pieces = next_pieces
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_heading(text: str, start: int, end: int) -> bool:
    """A short line standing alone with no closing punctuation, e.g. "Raid fails as supporters stand strong"."""
    piece = text[start:end]
    if "\n" in piece or piece[-1:] in ".!?\"'\u201d\u2019)…:;":
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start: len(text) if line_end == -1 else line_end]
    return line.strip() == piece.strip() and len(piece.split()) <= _HEADING_MAX_WORDS or piece.lstrip().startswith("#")


def chunk_text(text: str) -> list[Chunk]:
    """Split a document into quotable sentence chunks, furniture and headings left out."""
    cuts = furniture_spans(text)
    chunks: list[Chunk] = []
    for span in sentence_spans(text):
        for piece_start, piece_end in _subtract(span, cuts):
            start, end = _strip(text, piece_start, piece_end)
            if end <= start or not _HAS_WORD.search(text[start:end]) or _is_heading(text, start, end):
                continue
            chunks.append(Chunk(position=len(chunks), start=start, end=end, text=text[start:end]))
    return chunks


PARALLEL_FROM = 8  # documents; fewer are split in this process


def chunk_many(texts: Sequence[str]) -> Iterator[list[Chunk]]:
    """`chunk_text` over many documents, in order, on every core when there are enough of them."""
    if len(texts) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield from (chunk_text(t) for t in texts)
        return
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        yield from pool.map(chunk_text, texts, chunksize=4)
