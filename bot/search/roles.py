"""Second-stage check of the part a matched question word plays in a sentence: whose it is.

A bag of words cannot tell who does what. "Did Atambayev shoot?" is not answered by
"Atambayev's supporters had shot back": the sentence holds the name only as a possessive,
so it is about the supporters. When the question does not write the word as a possessive,
POSSESSIVE_DISCOUNT of its share comes off the score (holdout 2 P@1 +2.5 points, holdout 4
+1.4 and 4 points more unanswerable questions declined, SQuAD part-a +0.3; SQuAD 2.0 -0.3).

Tried and dropped: who speaks ("What does Atambayev say about the charges?" against
"President Zheenbekov accused Atambayev"): a name the whole corpus uses weighs too little
for its discount to move the ranking, and a speaker spelt two ways was read as two people.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.search.retrieval import Query
from bot.search.textproc import stem, words_with_possessives

POSSESSIVE_DISCOUNT = 0.8


def discount(text: str, query: Query, owner_of: Mapping[str, list[int]]) -> float:
    """The weight to take off a sentence's share: concepts it holds in another part than the question means."""
    return POSSESSIVE_DISCOUNT * sum(query.concepts[c].weight for c in possessive_only(text, query, owner_of))


def possessive_only(text: str, query: Query, owner_of: Mapping[str, list[int]]) -> set[int]:
    """The question's concepts that the sentence holds only as a possessive ("Atambayev's supporters") while the
    question does not ("did Atambayev shoot")."""
    plain: set[int] = set()
    owned: set[int] = set()
    for token in words_with_possessives(text):
        possessive = token.endswith("'s")
        term = stem(token[:-2] if possessive else token)
        for concept in owner_of.get(term, ()):
            (owned if possessive and term not in query.possessives else plain).add(concept)
    return owned - plain
