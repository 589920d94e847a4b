"""The part of a quote that answers the question, to show in bold: the figure for how many, the time for when, the
person or organisation for who, the place for where.

The question's kind comes from the answer path's own cues (`cues.question_type`). Precision first: a part is
chosen only when it is of the kind asked for and holds none of the question's own words; otherwise nothing is
bold, since a wrong highlight misleads more than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.corpus.dates import expressions
from bot.search.cues import question_type
from bot.search.textproc import STOP_WORDS, stem, words


@dataclass(frozen=True)
class Span:
    """`text == quote[start:end]`."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end}


_FIGURE = re.compile(
    r"\b\d[\d,.]*\d\b|\b\d\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"(?:thir|four|fif|six|seven|eigh|nine)teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|dozens?|"
    r"hundreds?|thousands?|once|twice|thrice)\b",
    re.IGNORECASE,
)
_NAME_WORD = r"(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]{2,6})"
_NAME_RUN = re.compile(rf"{_NAME_WORD}(?:\s+{_NAME_WORD})*")
_TITLES = frozenset("president minister deputy interior general colonel chief head ministry committee agency "
                    "service services police army council parliament court office".split())
_NOT_NAMES = frozenset("the a an this that these those it he she they we his her their its in on at of to by and or "
                       "but however meanwhile later also nevertheless witnesses despite around armed special "
                       "january february march april may june july august september october november december "
                       "monday tuesday wednesday thursday friday saturday sunday".split())
_PLACE = re.compile(
    r"\b(?P<prep>outside|near|inside|in|at|on|towards|toward|around|into|of)\s+"
    r"(?P<object>(?:(?:the|his|her|their|its|a)\s+)?(?:[\w\u2019'-]+\u2019s\s+|[\w-]+'s\s+)?"
    r"(?:[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*|[a-z][\w-]+(?:\s+[a-z][\w-]+)?))",
)
_LINKING = frozenset({"of", "into"})  # prepositions that only link the place to what went there: not bold
_PLACE_STOP = frozenset("which that who what this these those it them him part order addition case".split())


def answer_span(question: str, quote: str) -> Span | None:
    """The part of `quote` that answers `question`, or None when no part of the kind asked for fits."""
    kind = question_type(question)
    asked = _terms(question)
    if kind == "number":
        return _figure(question, quote, asked)
    if kind == "date":
        return _time(quote, asked)
    if kind == "person":
        return _person(quote, asked)
    if kind == "place":
        return _place(quote, asked)
    return None


def _terms(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOP_WORDS}


def _span_terms(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def _positions(quote: str, asked: set[str]) -> list[int]:
    """Character offsets of the quote's words that the question uses too."""
    return [m.start() for m in re.finditer(r"[\w'\u2019-]+", quote) if _terms(m.group(0)) & asked]


def _nearest(candidates: list[Span], quote: str, asked: set[str]) -> Span | None:
    if not candidates:
        return None
    anchors = _positions(quote, asked)
    if not anchors:
        return candidates[0]
    return min(candidates, key=lambda c: min(abs(c.start - a) for a in anchors))


def _figure(question: str, quote: str, asked: set[str]) -> Span | None:
    stated = {m.group(0).lower() for m in _FIGURE.finditer(question)}
    found = [Span(m.group(0), m.start(), m.end()) for m in _FIGURE.finditer(quote) if m.group(0).lower() not in stated
             and not any(e.start <= m.start() < e.end for e in expressions(quote) if e.kind in ("year", "years"))
             and not re.fullmatch(r"(?:19|20)\d\d", m.group(0))]
    if not found:
        return None
    counted = re.search(r"\bhow\s+(?:many|much)\s+(?:of\s+)?(?:the\s+)?([a-z]+)", question, re.IGNORECASE)
    if counted:
        thing = stem(counted.group(1).lower())
        for span in found:
            after = words(quote[span.end: span.end + 40])[:3]
            if thing in {stem(w) for w in after}:
                return span
    return _nearest(found, quote, asked)


def _time(quote: str, asked: set[str]) -> Span | None:
    found = [Span(e.text, e.start, e.end) for e in expressions(quote) if not (_span_terms(e.text) & asked)]
    return _nearest(found, quote, asked)


def _person(quote: str, asked: set[str]) -> Span | None:
    found = []
    for match in _NAME_RUN.finditer(quote):
        tokens = match.group(0).split()
        while tokens and tokens[0].lower() in _NOT_NAMES:
            tokens.pop(0)
        if not tokens or tokens[-1].lower() in _NOT_NAMES:
            continue
        text = " ".join(tokens)
        start = match.start() + match.group(0).index(text) if text in match.group(0) else -1
        if start < 0 or _span_terms(text) & asked:
            continue
        acronym = len(tokens) == 1 and tokens[0].isupper()
        titled = any(t.lower() in _TITLES for t in tokens)
        if len(tokens) >= 2 or acronym or titled:
            if "-" in text and len(tokens) == 1:
                continue  # "Koi-Tash": a place's shape
            found.append(Span(text, start, start + len(text)))
    return _nearest(found, quote, asked)


def _place(quote: str, asked: set[str]) -> Span | None:
    times = [(e.start, e.end) for e in expressions(quote)]
    found = []
    for match in _overlapping(_PLACE, quote):
        obj = match.group("object")
        last = words(obj)[-1] if words(obj) else ""
        if not last or last in STOP_WORDS or last in _PLACE_STOP or _span_terms(obj) & asked:
            continue
        if any(s <= match.start() < e or s < match.end() <= e for s, e in times):
            continue
        if match.group("prep").lower() == "of" and not obj[:1].isupper():
            continue  # "of these vehicles": a part of something, not a place
        start = match.start("object") if match.group("prep").lower() in _LINKING else match.start()
        found.append(Span(quote[start: match.end()], start, match.end()))
    return _nearest(found, quote, asked)


def _overlapping(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match, each searched from just after the previous one's start ("estate of Koi-Tash" holds two)."""
    found, at = [], 0
    while (match := pattern.search(text, at)) is not None:
        found.append(match)
        at = match.start() + 1
    return found
