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

import re
from collections.abc import Mapping, Sequence

from bot.corpus.folding import normalize
from bot.search.retrieval import Query
from bot.search.textproc import DETERMINERS, is_bare, is_past_form, stem, words_with_possessives

POSSESSIVE_DISCOUNT = 0.8


def discount(text: str, content: Sequence[str], terms: Sequence[str], query: Query,
             owner_of: Mapping[str, list[int]]) -> float:
    """The weight to take off a sentence's share (`content`: its content words, `terms`: their index terms):
    concepts it holds in another part than the question means."""
    lost = held_otherwise(text, content, terms, query, owner_of)
    return sum(POSSESSIVE_DISCOUNT * query.concepts[c].weight for c in lost)


def held_otherwise(text: str, content: Sequence[str], terms: Sequence[str], query: Query,
                   owner_of: Mapping[str, list[int]]) -> set[int]:
    """The question's concepts that the sentence holds only in another part: as a possessive ("Atambayev's
    supporters") when the question does not write one ("did Atambayev shoot"), as a verb's past ("fired") when the
    question means the noun ("a fire"), or as that noun when it asks of the verb ("who fired"). A derived noun
    ("an investigation") means what its verb does, so only a bare one counts.

    This runs on every candidate of every question, so a few patterns first look for such a word of the question;
    the sentence is read token by token only when one is there (a few sentences in a hundred)."""
    forms = (query.nouns | query.pasts).intersection(terms)
    possessive = "'s" in text or "\u2019s" in text
    if not forms and not possessive:
        return set()
    suspects = {stem(w) for w in _POSSESSIVE_WORD.findall(normalize(text))} - query.possessives if possessive else set()
    if forms & query.nouns:
        suspects.update(t for w, t in zip(content, terms) if t in query.nouns and is_past_form(w))
    if forms & query.pasts:
        suspects.update(t for t in map(stem, _AFTER_DETERMINER.findall(normalize(text))) if t in query.pasts)
    if suspects.isdisjoint(owner_of):
        return set()
    read = []
    before = ""
    for token in words_with_possessives(text):
        read.append(_part(token, before, query, forms))
        before = token.removesuffix("'s")
    other = {c for term, elsewhere in read if elsewhere for c in owner_of.get(term, ())}
    if not other:
        return other
    return other - {c for term, elsewhere in read if not elsewhere for c in owner_of.get(term, ())}


_POSSESSIVE_WORD = re.compile(r"([a-z0-9]+)'s\b")
_AFTER_DETERMINER = re.compile(r"\b(?:" + "|".join(sorted(DETERMINERS)) + r")\s+([a-z]+)")


def _part(token: str, before: str, query: Query, forms: frozenset[str]) -> tuple[str, bool]:
    """(the token's index term, whether it holds the term in another part than the question means)."""
    if token.endswith("'s"):
        term = stem(token[:-2])
        return term, term not in query.possessives
    term = stem(token)
    if term not in forms:
        return term, False
    as_noun = before in DETERMINERS
    return term, ((term in query.nouns and not as_noun and is_past_form(token))
                  or (term in query.pasts and term not in query.nouns and as_noun and is_bare(token)))
