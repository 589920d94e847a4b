"""Questions about the sources themselves: do they disagree, which figure is right, who gave a figure.

The bot takes no side. It answers such a question with what it already knows of disagreeing figures: the best
quote of each source on the thing asked about (as the answer model ranks them), whether their figures differ, who
each quote says it comes from ("the health ministry said", "Witnesses claim", "cited Deputy Interior Minister
Kursan Asanov"), and which of those speakers are official bodies. The dates and publishers are the documents'.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.answers.answering import Answer, Answerer, Passage
from bot.answers.in_context import Reading

_SAID = re.compile(r"(?P<who>(?:[A-Z][\w'\u2019-]*|the|of|news|agency|health|special|security|interior|national)"
                   r"(?:\s+(?:[A-Z][\w'\u2019-]*|the|of|news|agency|health|committee|ministry|forces|services|"
                   r"interior|national|security|deputy|minister|president|aides|witnesses|sources|officials)){0,6})"
                   r"(?:\s*\([A-Z]+\))?\s+(?:said|says|claimed|claims|claim|reported|stated|told|announced|confirmed|"
                   r"have confirmed)\b")
_CITED = re.compile(r"\bcited\s+(?P<who>(?:[A-Z][\w'\u2019-]*\s+){1,6})as\s+saying")
_ACCORDING = re.compile(r"\baccording to\s+(?P<who>(?:the\s+)?(?:[\w'\u2019-]+\s+){0,5}?[\w'\u2019-]+)[,.]")
_OFFICIAL = re.compile(r"\b(?:ministry|committee|government|police|president|minister|agency|gknb|authorities|"
                       r"officials?|parliament|court|prosecutor|spokes\w+)\b", re.IGNORECASE)
_NOT_SPEAKERS = frozenset({"it", "he", "she", "they", "this", "that", "the", "and"})


def speaker(quote: str) -> str:
    """Who a sentence says its news comes from: "The health ministry", "Witnesses", "Deputy Interior Minister Kursan
    Asanov"; "" when it says it in its own voice."""
    cited = _CITED.search(quote)
    if cited:
        return cited.group("who").strip()
    for pattern in (_SAID, _ACCORDING):
        for match in pattern.finditer(quote):
            who = match.group("who").strip()
            if who.lower() not in _NOT_SPEAKERS and (who[:1].isupper() or who.lower().startswith("the ")):
                return re.sub(r"^(?:And|But|Meanwhile|However),?\s+", "", who)
    return ""


def official(who: str) -> bool:
    """Whether a speaker is an official body or office ("the health ministry", "the GKNB", "Deputy Interior
    Minister ..."), as opposed to witnesses, aides or the reporter."""
    return bool(_OFFICIAL.search(who))


@dataclass(frozen=True)
class Comparison:
    """Each source's best quote on the thing asked about (best first), who each says it comes from (`speakers`,
    "" for the source's own voice), and whether their figures differ."""

    question: str
    passages: list[Passage]
    speakers: list[str]
    differ: bool
    official: list[bool] = field(default_factory=list)  # whether each speaker is an official body

    @property
    def answered(self) -> bool:
        return bool(self.passages)


def compare(answerer: Answerer, question: str, readings: Sequence[Reading], *, per_source: int = 10) -> Comparison:
    """The sources compared on the first reading two sources answer (else the best one answers: one source has
    something to say, the other nothing)."""
    answered: list[Answer] = []
    for reading in readings:
        answer = answerer.answer(reading.question, per_source)
        if answer.answered:
            if len({p.document.id for p in answer.shown}) >= 2:
                return _comparison(question, answer.shown, answer.sources_differ)
            answered.append(answer)
    if not answered:
        return Comparison(question, [], [], False)
    best = max(answered, key=lambda a: a.passages[0].score)
    return _comparison(question, best.shown or best.passages[:1], False)


def _comparison(question: str, passages: Sequence[Passage], differ: bool) -> Comparison:
    speakers = [speaker(p.quote) for p in passages]
    return Comparison(question, list(passages), speakers, differ, [official(who) for who in speakers])
