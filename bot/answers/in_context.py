"""A question read in the light of a conversation, answered so that context only ever helps.

`bot.chat.followups` reads a message against its conversation's topic into an `Understood`: the question with the
missing subject filled in, what was filled in, and the question's own words. Here it is answered: a question that
stands alone as it is; one that can be read both ways both ways, the better reading kept; and a follow-up whose own
words the best quote does not hold is declined (the filled-in subject alone must not carry it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.answers.answering import Answer, Answerer, Passage
from bot.search import KnowledgeBase

# Sentences before a quote that may name its subject ("he admitted ..." after "the former President said").
# Measured: 2 or 3 gain a follow-up on the dialogue sets and let an unanswerable one through.
SUBJECT_REACH = 1


@dataclass(frozen=True)
class Understood:
    """A question as it will be answered: `question` (with the subject filled in), `about` (what was filled in;
    None when the question stands alone), `own` (its own content words, one of which the answer must hold) and
    `needs_context` (false when the question can also be read alone: then the better reading wins)."""

    question: str
    about: str | None = None
    own: frozenset[str] = frozenset()
    needs_context: bool = False


def answer_understood(answerer: Answerer, question: str, understood: Understood,
                      top_k: int | None = None) -> tuple[Answer, Understood]:
    """Answer `question` as `understood`, and say how it was understood in the end: as it stands when that reading
    won."""
    if understood.about is None:
        return answerer.answer(question, top_k), Understood(question, None, understood.own)
    found = answerer.answer(understood.question, top_k)
    if found.answered and understood.own:
        found = _holding_own_words(answerer.knowledge, found, understood.own, understood.about)
    if not understood.needs_context:
        alone = answerer.answer(question, top_k)
        if alone.answered and (not found.answered or alone.passages[0].score >= found.passages[0].score):
            return alone, Understood(question, None, understood.own)
    return replace(found, question=question), understood


def _holding_own_words(knowledge: KnowledgeBase, answer: Answer, own: frozenset[str], about: str) -> Answer:
    """The answer with its best passage that holds one of the follow-up's own words (or their synonyms) and
    names what the conversation is about, in itself or in the SUBJECT_REACH sentences before it; declined when
    none does. "How old is he?" about Asanov must not find Atambayev's age."""

    def terms(text: str) -> set[str]:
        return {knowledge.retriever.term(t) for c in knowledge.parse(text).concepts for t, _ in c.alternatives}

    wanted, subject = terms(" ".join(sorted(own))), terms(about)

    def fits(passage: Passage) -> bool:
        if wanted.isdisjoint(knowledge.retriever.analyzer(passage.quote)):
            return False
        around = " ".join(row.text for row in knowledge.neighbours(passage.chunk_id, before=SUBJECT_REACH, after=0))
        return not subject or not subject.isdisjoint(knowledge.retriever.analyzer(around))

    floor = answer.passages[0].score * 0.8
    fitting = [p for p in answer.passages if fits(p) and p.score >= floor]
    if not fitting:
        return Answer(answer.question, False, answer.passages, "no_match")
    first = fitting[0]
    shown = [p for p in answer.shown if p is first or fits(p)] if first in answer.shown else [first]
    passages = [first, *(p for p in answer.passages if p is not first)]
    return replace(answer, passages=passages, shown=shown, sources_differ=answer.sources_differ and len(shown) > 1)
