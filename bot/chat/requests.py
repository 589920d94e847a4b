"""What a message asks for, beyond a question to answer: a brief, a timeline, what came before or after an event,
or what happened next after the last quote.

Only reading: each function takes the text and says what it asks for, as the plain requests `bot.answers` defines
(`BriefRequest`, `SequenceQuestion`), or None. The service answers them.
"""

from __future__ import annotations

import re

from bot.answers.brief import BriefRequest
from bot.answers.chronology import Direction, SequenceQuestion
from bot.search.textproc import STOP_WORDS, words

_OVERVIEW = re.compile(
    r"^\s*(?:/brief(?:@\w+)?|brief|summary|summarize|summarise|summary\s+please|summary\s+pls|tl;?\s*dr|tldr|overview|"
    r"(?:so\s+|ok\s+|okay\s+)?what(?:'s|s|\s+is|\s+was)?\s+(?:happened|happening|going\s+on|the\s+story|the\s+news"
    r"(?:\s+from\s+[\w\s'-]+)?|this\s+about|up)(?:\s+(?:in|at|there|here)\b[\w\s'-]*)?"
    r"|what\s+went\s+down(?:\s+(?:in|at)\b[\w\s'.-]*)?"
    r"|(?:please\s+)?(?:give|tell)\s+me\s+(?:a\s+|the\s+)?(?:summary|gist|overview|story|main\s+facts|key\s+facts|brief)"
    r"(?:\s+(?:of|about)\b[\w\s'-]*)?"
    r"|(?:the\s+)?(?:main|key)\s+facts|explain\s+(?:the\s+)?(?:story|situation|event)"
    r"|(?:can\s+you\s+)?summari[sz]e(?:\s+(?:it|this|the\s+(?:story|event|news)))?"
    r"|catch\s+me\s+up(?:\s+on\b[\w\s'-]*)?|what\s+do\s+you\s+know)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"^\s*(?:(?:please\s+|can\s+you\s+)?tell\s+me\s+(?:more\s+)?about|what\s+do\s+(?:we|you)\s+know\s+about|"
    r"what\s+(?:is\s+)?known\s+about|brief\s+me\s+on|what\s+about|/brief(?:@\w+)?)\s+(?P<subject>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_TIMELINE = re.compile(r"^\s*(?:/timeline(?:@\w+)?|(?:the\s+|a\s+)?timeline(?:\s+of\s+(?:the\s+)?events)?|"
                       r"(?:the\s+)?(?:order|sequence|chronology)\s+of\s+(?:the\s+)?events)\s*[?.!]*\s*$", re.IGNORECASE)
_SEQUENCE = re.compile(
    r"^\s*(?:and\s+)?what\s+(?:happened|happens|came|followed|was\s+going\s+on|went\s+on|did\s+they\s+do)\s+"
    r"(?:next\s+|just\s+|right\s+|straight\s+)?(?P<direction>after|before|prior\s+to)\s+(?P<anchor>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# A question about a reply rather than the event: "what happened next", "and then?" continue the story.
_NEXT = re.compile(r"^\W*(?:and\s+)?(?:what\s+happened\s+(?:next|then|after(?:\s+that)?|afterwards)|what\s+next|"
                   r"then\s+what|and\s+then(?:\s+what)?|what\s+then|what\s+came\s+next|after(?:\s+that)?|"
                   r"afterwards)\W*$", re.IGNORECASE)


def brief_request(question: str, *, follow_up_possible: bool = False) -> BriefRequest | None:
    """Whether a message asks for an overview, and of what; None for a question to answer. "what about X" is a
    follow-up when the conversation has a topic (`follow_up_possible`), so it asks for a brief only otherwise."""
    text = question.replace("\u2019", "'")
    if _OVERVIEW.match(text):
        return BriefRequest()
    match = _SUBJECT.match(text)
    if match is None or (follow_up_possible and text.lower().lstrip().startswith("what about")):
        return None
    subject = match.group("subject")
    if not [w for w in words(subject) if w not in STOP_WORDS]:
        return BriefRequest() if subject.lower().strip() in ("it", "this", "the story", "the event") else None
    if _OVERVIEW.match(subject) or words(subject) in (["it"], ["this"], ["story"], ["event"]):
        return BriefRequest()
    return BriefRequest(subject)


def asks_for_timeline(text: str) -> bool:
    """/timeline, "timeline of events", "the order of events"."""
    return bool(_TIMELINE.match(text))


def sequence_question(question: str) -> SequenceQuestion | None:
    """"what happened after the raid" -> (after, "the raid"); None for other questions."""
    match = _SEQUENCE.match(question)
    if not match:
        return None
    direction: Direction = "after" if match.group("direction").lower() == "after" else "before"
    return SequenceQuestion(direction, match.group("anchor"))


def asks_what_next(text: str) -> bool:
    """"what happened next?", "and then?": the events after the last quote."""
    return bool(_NEXT.match(text))
