"""Answer-type cues: what kind of answer a question wants, and which sentences hold that kind.

"How many ..." wants a number, "When ..." a date or time, "Who ..." a name. A sentence
holding the wanted kind gets a modest boost; nothing is ever filtered out.
"""

from __future__ import annotations

import enum
import re
from typing import Literal

from bot.search.textproc import stem

AnswerType = Literal["number", "date", "person", "place", "reason", "polarity", "speech"]


class Cue(enum.IntFlag):
    """What kinds of answer a sentence holds; stored per sentence in the index as one byte."""

    NUMBER = 1
    DATE = 2
    PERSON = 4
    PLACE = 8
    REASON = 16
    POLARITY = 32
    SPEECH = 64


CUE_OF: dict[AnswerType, Cue] = {"number": Cue.NUMBER, "date": Cue.DATE, "person": Cue.PERSON, "place": Cue.PLACE,
                                 "reason": Cue.REASON, "polarity": Cue.POLARITY, "speech": Cue.SPEECH}

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    "hundred|hundreds|thousand|thousands|million|millions|billion|dozen|dozens|several|half"
)

def _opens(wh: str) -> str:
    """A wh-word where it asks: opening the question or a clause ("Prior to Manning, who ...", "by whom"), or closing
    it ("is located where?"); not as a relative pronoun after a noun ("the soldiers who were taken hostage")."""
    return (rf"(?:^\s*|[,;:]\s*|\b(?:and|or|but|so|then|to|by|from|with|for|of|since|until)\s+)(?:{wh})\b"
            rf"|\b(?:{wh})(?:\s+else\b|[?.!\s]*$)")


_ASKS_NUMBER = re.compile(
    r"\bhow (many|much|long|old|far|large|big|tall|often|high)\b|\bwhat (percentage|number|amount|size|age)\b"
    r"|\b(number|count|total) of\b|\b(count|total|figure)s?\b$",
    re.IGNORECASE,
)
_ASKS_DATE = re.compile(
    _opens("when") + r"|\b(what|which) (year|decade|century|date|day|time|month|period)\b|\bwhat time of\b|\bsince when\b",
    re.IGNORECASE,
)
_ASKS_PERSON = re.compile(_opens(r"who|whom|whose"), re.IGNORECASE)
_ASKS_PLACE = re.compile(_opens("where") + r"|\b(what|which) (place|village|city|town|country|region)\b", re.IGNORECASE)
_ASKS_REASON = re.compile(
    _opens("why") + r"|\bwhat (was|is) the (reason|cause)\b|\bfor what reason\b|\bwhat (caused|led to)\b",
    re.IGNORECASE,
)
# "What did Atambayev say to the troops?", "What was his message?": the answer is reported speech or a quote.
SPEECH_VERBS = frozenset(
    "say says said saying tell tells told telling urge urges urged respond responds responded reply replies replied "
    "warn warns warned announce announced claim claims claimed ask asks asked call calls".split()
)
_ASKS_SPEECH = re.compile(
    r"^\s*what\s+(?:did|does|do|has|had|have|will|would)\b[^?]*\b(?:" + "|".join(sorted(SPEECH_VERBS)) + r")\b"
    r"|^\s*what\s+(?:was|is|were|are)\s+(?:[\w'\u2019-]+\s+){0,3}?(?:message|appeal|response|reply|statement|words|warning)\b",
    re.IGNORECASE,
)
_ASKS_POLARITY = re.compile(r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would)\b", re.IGNORECASE)


# Words that shape a question rather than name what it is about ("hostages count", "when did it start",
# "what does GKNB stand for"). When the corpus never uses one, it is not held against the match.
FRAME_WORDS = frozenset(
    "count total number amount start started starts begin began begun happen happened happens occur "
    "occurred stand mean means meaning name named called kind type sort thing things stuff "
    # "how long was he president" asks for a span of time, not for "long" (but "how tall" is about height)
    "long often".split()
)
FRAME_STEMS = frozenset(stem(w) for w in FRAME_WORDS)  # the same, in any form ("numbers", "happening")


# In order of precedence: "How many people did they detain, and why?" asks for a number first.
_ASKS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    ("number", _ASKS_NUMBER), ("date", _ASKS_DATE), ("person", _ASKS_PERSON), ("place", _ASKS_PLACE),
    ("reason", _ASKS_REASON), ("speech", _ASKS_SPEECH), ("polarity", _ASKS_POLARITY),
)


def question_type(question: str) -> AnswerType | None:
    return next((kind for kind, pattern in _ASKS if pattern.search(question)), None)


_WORDS = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})\b")
_NAME = re.compile(r"[a-z0-9,;:)] +([A-Z][a-z]+)")  # a capitalised word inside the sentence, not opening it
_PLACE = re.compile(
    r"\b(?:[Ii]n|outside|near|inside|across|throughout) (?:the )?[A-Z][a-z]"
    r"|\b(?:located|situated|outskirts|suburbs?|border|kilometres|kilometers|km|miles)\b"
)
_REASON_PHRASE = re.compile(r"\b(?:due to|as a result|in order to|so that)\b")
_NUMBER_SET = frozenset(_NUMBER_WORDS.split("|"))
_DATE_SET = frozenset(
    "january february march april may june july august september october november december jan feb mar apr jun "
    "jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday century centuries decade "
    "yesterday today tomorrow morning evening night afternoon dawn noon midnight week weeks month months year years "
    "day days hour hours".split()
)
_REASON_SET = frozenset("because after decision decided since following over amid reason".split())
_SPEECH_SET = frozenset("said says told urged urging appeal appealed claimed claims stated warned admitted asked replied "
                        "announced quoted cited".split())
_POLARITY_SET = frozenset("not no never nor neither only still despite nevertheless denied denies deny admitted admits "
                          "confirmed confirms".split())


def sentence_cues(text: str) -> Cue:
    """Which kinds of answer the sentence holds. Runs once per sentence at indexing, so it keeps to set
    look-ups and simple patterns."""
    lowered = text.lower()
    tokens = set(_WORDS.findall(lowered))
    cues = Cue(0)
    if _DIGIT.search(text) or not _NUMBER_SET.isdisjoint(tokens):
        cues |= Cue.NUMBER
    if not _DATE_SET.isdisjoint(tokens) or _YEAR.search(text):
        cues |= Cue.DATE
    if any(m.group(1).lower() not in _DATE_SET for m in _NAME.finditer(text)):
        cues |= Cue.PERSON
    if _PLACE.search(text):
        cues |= Cue.PLACE
    if not _REASON_SET.isdisjoint(tokens) or _REASON_PHRASE.search(lowered):
        cues |= Cue.REASON
    if not _POLARITY_SET.isdisjoint(tokens) or "n't" in lowered:
        cues |= Cue.POLARITY
    if '"' in text or "\u201c" in text or "\u201d" in text or not _SPEECH_SET.isdisjoint(tokens):
        cues |= Cue.SPEECH
    return cues


_FIGURE = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|"
    r"eigh|nine)teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|dozens?|hundreds?|thousands?|millions?|"
    r"billions?|once|twice|thrice)\b",
    re.IGNORECASE,
)


def figures(text: str) -> frozenset[str]:
    """The numbers a sentence states ("36", "15", "six", "twice"), to tell when two sources give different figures."""
    return frozenset(m.group(0).lower().rstrip(".,") for m in _FIGURE.finditer(text))


# Matched on the question with its spaces collapsed and its closing "?"s stripped, so that no pattern has two
# adjacent runs that can split the same spaces (those were cubic on a run of spaces).
_DEFINITION_QUESTION = re.compile(r"(?:what|who) (?:is|are|was|were) (?:the |an? )?(.+)", re.IGNORECASE)
_MEANING_QUESTION = re.compile(r"what (?:does|do|did) (?:the )?(.+) (?:stand for|mean)", re.IGNORECASE)
_WHO_IS_THAT = re.compile(r"(.+?),? (?:who|what) (?:is|was) (?:that|this|he|she|it)", re.IGNORECASE)  # "asanov who is that"


def definition_subject(question: str) -> str | None:
    """For "What is the GKNB?", "What does GKNB stand for?", "Who is Kursan Asanov?" or "asanov who is that", the
    thing to define; None for other questions."""
    question = " ".join(question.split()).rstrip("? ")
    match = (_DEFINITION_QUESTION.fullmatch(question) or _MEANING_QUESTION.fullmatch(question)
             or _WHO_IS_THAT.fullmatch(question))
    if not match or len(match.group(1).split()) > 4:
        return None
    return match.group(1)


_SENTENCE_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_APPOSITION = re.compile(r",\s+(?:a|an|the|who|which)\b", re.IGNORECASE)
_NOT_A_TITLE = frozenset("the a an this that these those its his her their our in on at of to by and or".split())


def defines(sentence: str, heads: frozenset[str]) -> int:
    """Whether a sentence reads like a definition of the thing whose last word has one of the stems `heads` (its
    spellings in the corpus: "Atambaev" asks of "Atambayev"): an expansion in brackets ("committee (GKNB)",
    "GKNB (the committee)"), an apposition ("Asanov, the deputy minister") or a name with its title or first name
    ("Minister Kursan Asanov"). A possessive ("Atambayev's supporters") is about something else.

    2 for brackets or an apposition, which say what the thing is; 1 for a title or a first name, which only
    name it fully ("arrest Almazbek Atambayev"); 0 for neither."""
    found = 0
    for match in _SENTENCE_WORD.finditer(sentence):
        word = match.group(0)
        if word[-2:] in ("'s", "\u2019s") or stem(word.lower()) not in heads:
            continue
        before, after = sentence[: match.start()], sentence[match.end():]
        if after.lstrip().startswith("(") or (before.rstrip().endswith("(") and after.lstrip().startswith(")")):
            return 2
        if _APPOSITION.match(after):
            return 2
        previous = before.rsplit(None, 1)[-1] if before[-1:].isspace() and before.strip() else ""
        if word[0].isupper() and previous.isalpha() and previous[0].isupper() and previous.lower() not in _NOT_A_TITLE:
            found = 1  # the word just before is a title or a first name
    return found
