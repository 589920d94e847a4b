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

import bisect
import itertools
import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from syntok import segmenter

from bot.corpus.records import ChunkSpan

# Each pattern matches text that is part of the page, not of the reporting.
FURNITURE: tuple[re.Pattern[str], ...] = (
    # "Also on rt.com <teaser headline>(VIDEO)<next sentence glued on>": the teaser ends
    # where the next sentence starts without a space, or at the end of the line.
    re.compile(r"Also on [\w.-]+\.\w{2,}\b[^\n]*?(?:(?<=[)\]a-z.!?\"\u201d])(?=[A-Z][a-z])|(?=\n)|\Z)"),
    re.compile(r"Think your friends would be interested\?\s*Share this story!?", re.IGNORECASE),
    # Horizontal space only around the line: `\s*` here was quadratic on runs of blank lines.
    re.compile(r"^[ \t]*(?:Share this (?:story|article)!?|Read more:?|Subscribe to [^\n]*|Follow us on [^\n]*)[ \t]*$",
               re.IGNORECASE | re.MULTILINE),
)
_HEADING_MAX_WORDS = 12
_HAS_WORD = re.compile(r"\w{2,}")
# Longest quotable chunk. News sentences stay far below it (SQuAD's longest is 1,412 characters, 99% are under
# 450); a longer run (a page without punctuation) is cut at word boundaries so that no single quote floods a
# chat and re-scoring, which reads the text, stays cheap.
MAX_CHUNK_CHARS = 1000


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence, as syntok segments the text.

    syntok's `analyze(text)` tokenises each paragraph after `" " * offset` of padding, which makes it quadratic
    in the number of paragraphs (8,000 short ones took 4.7 s); each paragraph is segmented on its own here,
    split where syntok splits them, and its offset added back: the same sentences in linear time."""
    spans: list[tuple[int, int]] = []
    for offset, paragraph_text in segmenter.preprocess_with_offsets(text):
        for paragraph in segmenter.analyze(paragraph_text):
            for sentence in paragraph:
                if not sentence:
                    continue
                first, last = sentence[0], sentence[-1]
                spans.append((offset + first.offset, offset + last.offset + len(last.value)))
    return spans


def furniture_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for pattern in FURNITURE for m in pattern.finditer(text) if m.end() > m.start()]
    return sorted(spans)


def _subtract(span: tuple[int, int], cuts: list[tuple[int, int]], ends: list[int]) -> list[tuple[int, int]]:
    """`span` less the `cuts` (sorted by start; `ends` their running maximum end) that overlap it. Only cuts
    that can reach the span are looked at, so a document full of furniture stays linear."""
    start, end = span
    first = bisect.bisect_right(ends, start)  # cuts before this one end at or before `start`
    pieces = []
    for cut_start, cut_end in cuts[first:]:
        if cut_start >= end:
            break
        if cut_end <= start:
            continue
        if start < cut_start:
            pieces.append((start, cut_start))
        start = max(start, cut_end)
    if start < end:
        pieces.append((start, end))
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _alone_on_its_line(text: str, start: int, end: int) -> bool:
    """Whether only spaces stand between the piece and the line breaks around it (looks at those spaces only)."""
    before = start
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    after = end
    while after < len(text) and text[after] in " \t":
        after += 1
    return (before == 0 or text[before - 1] == "\n") and (after == len(text) or text[after] == "\n")


def _is_heading(text: str, start: int, end: int) -> bool:
    """A short line standing alone with no closing punctuation, e.g. "Raid fails as supporters stand strong"."""
    if text[end - 1: end] in ".!?\"'\u201d\u2019)…:;" or text.find("\n", start, end) != -1:
        return False
    if text.startswith("#", start):
        return True
    return len(text[start:end].split()) <= _HEADING_MAX_WORDS and _alone_on_its_line(text, start, end)


def _capped(text: str, start: int, end: int, limit: int = MAX_CHUNK_CHARS) -> list[tuple[int, int]]:
    """(start, end) pieces of at most `limit` characters, cut at the last space before the limit when there is
    one in its second half."""
    pieces = []
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        pieces.append(_strip(text, start, cut))
        start = _strip(text, cut, end)[0]
    pieces.append((start, end))
    return pieces


def chunk_text(text: str) -> list[ChunkSpan]:
    """Split a document into quotable sentence chunks, furniture and headings left out; time linear in the text."""
    cuts = furniture_spans(text)
    ends = list(itertools.accumulate((e for _, e in cuts), max))
    chunks: list[ChunkSpan] = []
    for span in sentence_spans(text):
        for piece_start, piece_end in _subtract(span, cuts, ends):
            start, end = _strip(text, piece_start, piece_end)
            if end <= start or not _HAS_WORD.search(text, start, end) or _is_heading(text, start, end):
                continue
            for start, end in _capped(text, start, end):
                chunks.append(ChunkSpan(position=len(chunks), start=start, end=end, text=text[start:end]))
    return chunks


PARALLEL_FROM = 8  # documents; fewer are split in this process


def chunk_many(texts: Sequence[str]) -> Iterator[list[ChunkSpan]]:
    """`chunk_text` over many documents, in order, on every core when there are enough of them."""
    if len(texts) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield from (chunk_text(t) for t in texts)
        return
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        yield from pool.map(chunk_text, texts, chunksize=4)
