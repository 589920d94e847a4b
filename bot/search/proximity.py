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

The same pass takes off the score what `roles` finds: question words that play another
part in the sentence ("Atambayev's supporters" for "did Atambayev shoot?").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.search.retrieval import Hit, Query
from bot.search import roles
from bot.search.textproc import content_words, stem

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


def rerank(
    hits: Sequence[Hit],
    query: Query,
    text_of: Callable[[int], str | None],
    term_of: Callable[[int], str],
    bound: float,
    weight: float = WEIGHT,
) -> list[Hit]:
    """`hits` re-scored with the proximity bonus (as a share of `bound`, the query's best possible score) and the
    roles discount, best first. A one-concept question has no pairs: only the discount applies."""
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
        content = content_words(text)
        terms = list(map(stem, content))  # the sentence's index terms, as `analyze` gives them
        bonus = proximity(terms, query, owner_of) if pairs else 0.0
        score = min(hit.score + weight * bonus / bound, 1.0)
        score *= 1 - roles.discount(text, content, terms, query, owner_of) / total
        rescored.append(Hit(hit.chunk_id, score))
    rescored.sort(key=lambda h: (-h.score, h.chunk_id))
    return rescored
