"""Second stage: among the best-scoring sentences, favour those where the question's words stand together.

TF-IDF sees a sentence as a bag of words: "the sitting President Zheenbekov" and
"Kyrgyzstan's committee ... former president" score alike for "current president of
Kyrgyzstan". Term proximity (after Büttcher et al.'s BM25TP) adds, for each pair of the
question's concepts found near each other in the sentence, the lighter concept's
weight over the square of their distance in index terms (stop words left out), so
adjacent concepts add the most. Only the few best candidates are re-scored, from
their text.

Measured with `python -m bot eval` (weight 0.2): SQuAD part-a P@1 +0.2 points and a
quarter fewer answerable questions declined, the event set +1 question at P@1.

The same pass reads whose a matched word is: "did Atambayev shoot?" is not answered by
"Atambayev's supporters had shot back", which is about the supporters. A concept the
sentence holds only as a possessive, when the question does not write it so, takes
POSSESSIVE_DISCOUNT of its share off the score (holdout 2 P@1 +2.5 points, holdout 4
+1.4 and 4 points more unanswerable questions declined, SQuAD part-a +0.3; SQuAD 2.0 -0.3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.search.retrieval import Hit, Query
from bot.search.textproc import analyze, stem, words_with_possessives

WEIGHT = 0.2
WINDOW = 4
DEPTH = 10  # candidates re-scored


def proximity(terms: Sequence[str], query: Query, owner_of: Mapping[str, list[int]], window: int = WINDOW) -> float:
    """Sum over pairs of the query's concepts found within `window` index terms of min(weights) / distance²."""
    positions: dict[int, list[int]] = {}
    for position, term in enumerate(terms):
        for concept in owner_of.get(term, ()):
            positions.setdefault(concept, []).append(position)
    if len(positions) < 2:
        return 0.0
    found = sorted(positions)
    total = 0.0
    for at, a in enumerate(found):
        for b in found[at + 1:]:
            distance = min(abs(p - q) for p in positions[a] for q in positions[b])
            if 0 < distance <= window:
                total += min(query.concepts[a].weight, query.concepts[b].weight) / distance**2
    return total


POSSESSIVE_DISCOUNT = 0.8


def possessive_only(text: str, query: Query, owner_of: Mapping[str, list[int]]) -> float:
    """The weight of the question's concepts that the sentence holds only as a possessive ("Atambayev's supporters")
    while the question does not ("did Atambayev shoot"): the sentence is about someone else."""
    plain: set[int] = set()
    owned: set[int] = set()
    for token in words_with_possessives(text):
        possessive = token.endswith("'s")
        term = stem(token[:-2] if possessive else token)
        for concept in owner_of.get(term, ()):
            (owned if possessive and term not in query.possessives else plain).add(concept)
    return sum(query.concepts[c].weight for c in owned - plain)


def rerank(
    hits: Sequence[Hit],
    query: Query,
    text_of: Callable[[int], str | None],
    term_of: Callable[[int], str],
    bound: float,
    weight: float = WEIGHT,
) -> list[Hit]:
    """`hits` re-scored with the proximity bonus (as a share of `bound`, the query's best possible score) and the
    possessive discount, best first. A one-concept question has no pairs: only the discount applies."""
    if not query.concepts or bound <= 0:
        return list(hits)
    owner_of: dict[str, list[int]] = {}
    for index, concept in enumerate(query.concepts):
        for term, _ in concept.alternatives:
            owner_of.setdefault(term_of(term), []).append(index)
    pairs = weight > 0 and len(query.concepts) >= 2
    total = sum(c.weight for c in query.concepts)
    rescored = []
    for hit in hits:
        text = text_of(hit.chunk_id)
        if text is None:
            rescored.append(hit)
            continue
        bonus = proximity(analyze(text), query, owner_of) if pairs else 0.0
        score = min(hit.score + weight * bonus / bound, 1.0)
        score *= 1 - POSSESSIVE_DISCOUNT * possessive_only(text, query, owner_of) / total
        rescored.append(Hit(hit.chunk_id, score))
    rescored.sort(key=lambda h: (-h.score, h.chunk_id))
    return rescored
