"""A brief: the 3-5 sentences that together tell the story, or the story of one subject, in the order things happened.

"What happened?", "give me a summary", /brief: the most central sentences across sources (the knowledge base's
centrality, made at index time), picked by maximal marginal relevance so that two sources saying the same thing
count once, then shown in the order of events. "Tell me about the hostages": the same, among the sentences about
that subject (search hits, and the sentences beside them when few mention it). Which messages ask for a brief is
read in `bot.chat.requests`: a narrow question ("What happened to the six hostages?") is no overview and is answered
as a question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.answers.answering import Passage
from bot.answers.chronology import chronology
from bot.search import KnowledgeBase
from bot.search.centrality import unit_vectors

SHOWN = 5  # sentences in a brief (at least MIN_SHOWN when the corpus has them)
MIN_SHOWN = 3
CANDIDATES = 40  # the most central sentences considered
SAME_THING = 0.35  # cosine at or above which a candidate says what a chosen sentence already says
RELEVANCE = 0.7  # MMR: weight of centrality (or subject relevance) against redundancy
FLOOR = 0.25  # a sentence less central than this share of the best is not worth a place in the brief
MIN_WORDS = 6  # shorter sentences ("He died.") say too little to stand in a brief
LEAD = 0.5  # a news story's first sentences tell its most: the first sentence's centrality counts 1 + LEAD times
SUBJECT_HITS = 12  # search hits considered for a subject brief
SUBJECT_NEIGHBOURS = 3  # below this many hits, the sentences beside them join (what is told around a name)

@dataclass(frozen=True)
class BriefRequest:
    """An overview question, about everything (`subject` None) or about one subject ("the hostages"), as
    `bot.chat.requests.brief_request` reads it."""

    subject: str | None = None


@dataclass(frozen=True)
class Brief:
    """The sentences of a brief in the order shown (the order of events); `more` says whether it can go on."""

    question: str
    subject: str | None
    passages: list[Passage] = field(default_factory=list)
    more: bool = False

    @property
    def answered(self) -> bool:
        return bool(self.passages)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "brief", "question": self.question, "subject": self.subject, "answered": self.answered,
                "passages": [p.to_dict() for p in self.passages]}


def make_brief(knowledge: KnowledgeBase, question: str, request: BriefRequest, *, threshold: float,
               skip: int = 0, shown: int = SHOWN) -> Brief:
    """The brief, or (with `skip`) its continuation: the next sentences of the same ranking, in order of events."""
    ranked = _ranking(knowledge, request, threshold)
    chosen = ranked[skip: skip + shown]
    order = chronology(knowledge)
    chosen.sort(key=lambda p: order.at.get(p.chunk_id, len(order.events)))
    return Brief(question, request.subject, chosen, more=len(ranked) > skip + shown)


def _ranking(knowledge: KnowledgeBase, request: BriefRequest, threshold: float) -> list[Passage]:
    """Every sentence worth a place, best first, each saying something the ones before it did not."""
    if len(knowledge) == 0:
        return []
    if request.subject is None:
        scores = knowledge.centrality * (1 + LEAD / (1 + knowledge.table.positions))
        top = np.argpartition(-scores, CANDIDATES)[:CANDIDATES] if len(scores) > CANDIDATES else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        candidates = [(int(i), float(scores[i])) for i in top if scores[i] > 0]
    else:
        candidates = _about(knowledge, request.subject, threshold)
    passages: list[Passage] = []
    seen: set[str] = set()
    for index, score in candidates:
        row = knowledge.table.row(index)
        quote = knowledge.readable(row)
        if quote in seen or len(quote.split()) < MIN_WORDS or row.document_id not in knowledge.documents:
            continue
        seen.add(quote)
        passages.append(Passage(quote, score, row.chunk_id, knowledge.documents[row.document_id]))
    return _diverse(knowledge, passages)


def _about(knowledge: KnowledgeBase, subject: str, threshold: float) -> list[tuple[int, float]]:
    """Sentences about a subject, scored by relevance times (a little of) centrality."""
    hits = [h for h in knowledge.search(subject, SUBJECT_HITS) if h.score >= threshold]
    indices = [i for i in (knowledge.table.index_of(h.chunk_id) for h in hits) if i is not None]
    scored = {i: h.score for i, h in zip(indices, hits)}
    if 0 < len(indices) < SUBJECT_NEIGHBOURS:
        for i in list(indices):
            for row in knowledge.neighbours(int(knowledge.table.ids[i]), before=1, after=1):
                j = knowledge.table.index_of(row.chunk_id)
                if j is not None and j not in scored:
                    scored[j] = scored[i] * 0.5
    peak = float(knowledge.centrality.max()) if len(knowledge.centrality) else 0.0
    weight = {i: s * (0.5 + 0.5 * float(knowledge.centrality[i]) / peak if peak else 1.0) for i, s in scored.items()}
    return sorted(weight.items(), key=lambda item: -item[1])


def _diverse(knowledge: KnowledgeBase, passages: list[Passage]) -> list[Passage]:
    """Maximal marginal relevance: each next sentence the best by score less its likeness to those chosen, and
    none that says what a chosen one says (cosine SAME_THING or more): two sources saying the same count once."""
    if not passages:
        return []
    vectors = unit_vectors(knowledge.retriever, [p.quote for p in passages])
    similar = (vectors @ vectors.T).toarray()
    best = max(p.score for p in passages) or 1.0
    left = list(range(len(passages)))
    chosen: list[int] = []
    while left:
        def value(i: int) -> float:
            likeness = max((similar[i, j] for j in chosen), default=0.0)
            return RELEVANCE * passages[i].score / best - (1 - RELEVANCE) * likeness

        pick = max(left, key=value)
        left.remove(pick)
        if any(similar[pick, j] >= SAME_THING for j in chosen):
            continue
        if passages[pick].score < FLOOR * best and len(chosen) >= MIN_SHOWN:
            continue
        chosen.append(pick)
    return [passages[i] for i in chosen]
