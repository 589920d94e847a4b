"""The time a sentence speaks of: "on Wednesday", "Thursday morning", "in June", "the day before", read against
its document's date.

A small pattern finds where a sentence names a time; `dateparser` (with the document's date as RELATIVE_BASE and
PREFER_DATES_FROM='past') turns the words into a date, so no date arithmetic is written here. A sentence that names
no time (or only a deadline, "by the morning", or a time inside an aside, ", who ruled from 2011 to 2017,")
happened, as far as the bot can tell, on its document's date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from dateparser.date import DateDataParser

Precision = Literal["year", "month", "day"]
# Parts of a day in the order they come; a day stated without a part is the whole day (see `When.before`).
PARTS = ("morning", "afternoon", "evening", "late", "night")

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_PART = r"(?:morning|afternoon|evening|night)"
# One alternative per kind of phrase; the named group says which.
_EXPRESSION = re.compile(
    rf"(?P<weekday>\b(?:(?:early|late) (?:on )?)?(?:on )?{_WEEKDAY}(?: {_PART})?)"
    rf"|(?P<relative>\b(?i:the (?:day|night) before|the previous (?:day|night)|yesterday|last night|today|tonight|"
    rf"this (?:morning|afternoon|evening)|(?:later|earlier) in the day)\b)"
    rf"|(?P<date>\b(?:on )?(?:\d{{1,2}} {_MONTH}|{_MONTH} \d{{1,2}}\b)(?:,? (?:19|20)\d\d)?)"
    rf"|(?P<month>\b(?:in |since |by |until )?{_MONTH}(?: (?:19|20)\d\d)?\b)"
    rf"|(?P<years>\bfrom (?:19|20)\d\d (?:to|until) (?:19|20)\d\d\b)"
    rf"|(?P<year>\b(?:in|since|by|until) (?:19|20)\d\d\b)"
    rf"|(?P<recent>\bin recent (?:days|weeks|months)\b)"
    rf"|(?P<part>\b(?:(?:in|by|during|on) )?the {_PART}\b|\bovernight\b)",
)
_ASIDE = re.compile(r",\s+(?:who|which)\b[^,]*,")  # a relative clause set off by commas: its times are its own
_DEADLINE = re.compile(r"^(?:by|until)\b", re.IGNORECASE)
# "repelled ... the day before", "soldiers they had detained the night before": the time of an earlier event the
# sentence mentions, not of the sentence's own.
_EARLIER = re.compile(r"\b(?:after|had|having)\b")
# Phrases dateparser does not read, said in words it does.
_SAID_AS = {"the day before": "yesterday", "the night before": "yesterday", "the previous day": "yesterday",
            "the previous night": "yesterday", "last night": "yesterday", "tonight": "today",
            "later in the day": "today", "earlier in the day": "today", "in recent days": "3 days ago",
            "in recent weeks": "2 weeks ago", "in recent months": "2 months ago"}


@dataclass(frozen=True)
class Expression:
    """Where a sentence names a time: `text[start:end]`, and which kind of phrase it is."""

    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True)
class When:
    """The time a sentence speaks of: a day, a month or a year (its first day in `date`), the part of the day when
    said, and whether the sentence said it (False: its document's date)."""

    date: dt.date
    precision: Precision = "day"
    part: str | None = None
    stated: bool = True

    @property
    def last(self) -> dt.date:
        if self.precision == "year":
            return dt.date(self.date.year, 12, 31)
        if self.precision == "month":
            return self.date.replace(day=calendar.monthrange(self.date.year, self.date.month)[1])
        return self.date

    def iso(self) -> str:
        """"2019-08-07", "2019-06" or "2011", as precise as the sentence is."""
        return {"year": self.date.strftime("%Y"), "month": self.date.strftime("%Y-%m")}.get(
            self.precision, self.date.isoformat())

    def before(self, other: When) -> bool:
        """Whether this time is over before the other begins: an earlier day, or an earlier part of the same day.
        A day without a part overlaps every part of it, so neither comes first."""
        if self.last < other.date:
            return True
        if self.precision == other.precision == "day" and self.date == other.date and self.part and other.part:
            return PARTS.index(self.part) < PARTS.index(other.part)
        return False

    def key(self) -> tuple[dt.date, int, int]:
        """Sort key: earlier first; a month before the days in it, a whole day between its morning and evening."""
        wide = {"year": 0, "month": 1, "day": 2}[self.precision]
        part = PARTS.index(self.part) + 1 if self.part else 2 if self.precision == "day" else 0
        return self.date, wide, part


def expressions(text: str) -> list[Expression]:
    """Every time the sentence names, in order ("in the evening", "on Wednesday", "from 2011 to 2017")."""
    return [Expression(m.start(), m.end(), m.lastgroup or "", m.group(0)) for m in _EXPRESSION.finditer(text)]


def sentence_when(text: str, document_date: dt.date | None) -> When | None:
    """The time the sentence speaks of, read against its document's date; the document's date when it names none;
    None when neither is known."""
    if document_date is None:
        return None
    return _sentence_when(text, document_date)


@lru_cache(maxsize=100_000)
def _sentence_when(text: str, document_date: dt.date) -> When:
    asides = [(m.start(), m.end()) for m in _ASIDE.finditer(text)]
    for found in expressions(text):
        if any(start <= found.start < end for start, end in asides) or _DEADLINE.match(found.text):
            continue
        if found.kind == "relative" and "before" in found.text and _EARLIER.search(text, 0, found.start):
            continue
        when = _resolve(found, document_date)
        if when is not None:
            return when
    return When(document_date, "day", None, stated=False)


def _part(phrase: str) -> str | None:
    lowered = phrase.lower()
    if lowered.startswith("late") or "later" in lowered:
        return "late"
    if "last night" in lowered or "night before" in lowered or "previous night" in lowered or "tonight" in lowered:
        return "night"
    if "overnight" in lowered:
        return "night"
    return next((p for p in PARTS if p in lowered), None)


def _resolve(found: Expression, document_date: dt.date) -> When | None:
    phrase = found.text
    lowered = phrase.lower()
    part = _part(phrase)
    if found.kind == "part":
        return When(document_date, "day", part)
    if found.kind == "years":
        phrase = phrase.split()[1]  # "from 2011 to 2017": it began in 2011
    words = re.sub(rf"\b(?:early|late|on|in|since|by|until|{_PART})\b", " ", _SAID_AS.get(lowered, phrase),
                   flags=re.IGNORECASE)
    words = " ".join(words.split()) or phrase
    # A weekday in a report is its own day or one of the six before: read against the next day, looking back.
    base = document_date + dt.timedelta(days=1) if found.kind == "weekday" else document_date
    parsed = _parse(words, base)
    if parsed is None:
        return None
    day, period = parsed
    precision: Precision = "year" if period == "year" else "month" if period == "month" else "day"
    if found.kind == "recent":
        precision = "month"
    if precision == "year":
        day = dt.date(day.year, 1, 1)
    elif precision == "month":
        day = day.replace(day=1)
    return When(day, precision, part if precision == "day" else None)


@lru_cache(maxsize=4096)
def _parse(words: str, base: dt.date) -> tuple[dt.date, str] | None:
    parser = DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": dt.datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False})
    data = parser.get_date_data(words)
    if data.date_obj is None:
        return None
    return data.date_obj.date(), str(data.period or "day")
