"""What a message of a given kind asks about: the subject of an overview, the event a "what happened after ..."
names, the thing a question about the sources compares.

The kind itself is the message-kind classifier's (`kinds`); these only read the words that follow from it, as the
plain requests `bot.answers` defines (`BriefRequest`, `SequenceQuestion`) or the questions to ask. The service
answers them.
"""

from __future__ import annotations

import re

import numpy as np

from bot.answers.brief import BriefRequest
from bot.answers.chronology import Direction, SequenceQuestion
from bot.search import KnowledgeBase
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
_SEQUENCE = re.compile(
    r"^\s*(?:and\s+)?what\s+(?:happened|happens|came|followed|was\s+going\s+on|went\s+on|did\s+they\s+do)\s+"
    r"(?:next\s+|just\s+|right\s+|straight\s+)?(?P<direction>after|before|prior\s+to)\s+(?P<anchor>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
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


def sequence_question(question: str) -> SequenceQuestion | None:
    """"what happened after the raid" -> (after, "the raid"); None for other questions."""
    match = _SEQUENCE.match(question)
    if not match:
        return None
    direction: Direction = "after" if match.group("direction").lower() == "after" else "before"
    return SequenceQuestion(direction, match.group("anchor"))


# A subject whose every term occurs in at least this share of the sentences is the whole story ("what happened with
# atambayev in koi-tash", in a corpus about him): an overview of everything, not of one subject.
EVERYWHERE = 0.08
# Words of an overview or a sources request itself, never its subject ("give me the short version", "do the two
# articles disagree on the figure").
_FRAME = frozenset("""brief briefly summary summarize summarise short version overview story stories main key facts
fact gist tldr tl dr explain tell give know happen happened happening happend going event events whole thing things
news what about please pls plz hello hi hey privet short quick quickly basically overall general generally source
sources article articles outlet outlets report reports reported reporting disagree disagreement differ different
difference contradict contradiction contradictions agree agreement same number numbers figure figures correct right
true wrong which who gave give say says said claim claims claimed both two mention mentions count""".split())


def overview_subject(text: str, knowledge: KnowledgeBase) -> str | None:
    """The subject of an overview request ("tell me about the hostages" -> "the hostages"), or None for the whole
    story: nothing but overview words, or only words the whole corpus is about."""
    request = brief_request(text)
    if request is not None:
        candidate = request.subject
        if candidate is None:
            return None
    else:
        candidate = " ".join(w for w in words(text) if w not in STOP_WORDS and w not in _FRAME)
    if not candidate or not candidate.strip():
        return None
    concepts = [c for c in knowledge.parse(candidate).concepts if c.alternatives]
    if not concepts:
        return None
    retriever = knowledge.retriever
    sentences = max(retriever.documents_, 1)

    def share(term: int) -> float:  # sentences holding the term, from its smoothed idf
        return ((sentences + 1) / np.exp(float(retriever.idf_[term]) - 1) - 1) / sentences

    if all(max(share(t) for t, _ in c.alternatives) >= EVERYWHERE for c in concepts):
        return None
    return candidate


def sources_readings(text: str, knowledge: KnowledgeBase, last_question: str | None) -> list[str]:
    """The questions a question about the sources comes down to: how many of the thing it names ("do the sources
    disagree on the number of injured" -> "how many injured"), the figures it quotes ("who gave the 36 figure" ->
    "36"), and the conversation's last question ("is there any contradiction between the sources")."""
    tokens = words(text)
    figures = [t for t in tokens if t.isdigit()]
    thing = " ".join(t for t in tokens if t not in STOP_WORDS and t not in _FRAME and not t.isdigit())
    asked: list[str] = []
    if thing and [c for c in knowledge.parse(thing).concepts if c.alternatives]:
        asked += [f"how many {thing}", thing]
    if figures:
        asked.append(" ".join(figures + ([thing] if thing else [])))
    if last_question:
        asked.append(last_question)
    return asked or [text]
