"""Second-stage check of the part a matched question word plays in a sentence: whose it is, noun or verb.

A bag of words cannot tell who does what. "Did Atambayev shoot?" is not answered by
"Atambayev's supporters had shot back": the sentence holds the name only as a possessive,
so it is about the supporters. When the question does not write the word as a possessive,
POSSESSIVE_DISCOUNT of its share comes off the score (holdout 2 P@1 +2.5 points, holdout 4
+1.4 and 4 points more unanswerable questions declined, SQuAD part-a +0.3; SQuAD 2.0 -0.3).

The stemmer makes one term of "a fire" and "fired"; the same discount applies when the
question means the noun and the sentence has only the verb's past, or the other way round
(holdout 4 P@1 +1.4 points, the other sets unchanged). A derived noun ("an investigation")
means what its verb means, so only a bare noun counts; counting those too cost the
development set a question.

Tried and dropped: who speaks ("What does Atambayev say about the charges?" against
"President Zheenbekov accused Atambayev"): a name the whole corpus uses weighs too little
for its discount to move the ranking, and a speaker spelt two ways was read as two people.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.search.retrieval import Query
from bot.search.textproc import DETERMINERS, is_bare, is_past_form, stem, words_with_possessives

POSSESSIVE_DISCOUNT = 0.8


def discount(text: str, query: Query, owner_of: Mapping[str, list[int]]) -> float:
    """The weight to take off a sentence's share: concepts it holds in another part than the question means."""
    return sum(POSSESSIVE_DISCOUNT * query.concepts[c].weight for c in held_otherwise(text, query, owner_of))


def held_otherwise(text: str, query: Query, owner_of: Mapping[str, list[int]]) -> set[int]:
    """The question's concepts that the sentence holds only in another part: as a possessive ("Atambayev's
    supporters") when the question does not write one ("did Atambayev shoot"), as a verb's past ("fired") when the
    question means the noun ("a fire"), or as that noun when it asks of the verb ("who fired"). A derived noun
    ("an investigation") means what its verb does, so only a bare one counts."""
    plain: set[int] = set()
    other: set[int] = set()
    before = ""
    for token in words_with_possessives(text):
        possessive = token.endswith("'s")
        word = token[:-2] if possessive else token
        term = stem(word)
        if possessive:
            elsewhere = term not in query.possessives
        else:
            as_noun = before in DETERMINERS
            elsewhere = ((term in query.nouns and not as_noun and is_past_form(word))
                         or (term in query.pasts and term not in query.nouns and as_noun and is_bare(word)))
        for concept in owner_of.get(term, ()):
            (other if elsewhere else plain).add(concept)
        before = word
    return other - plain
