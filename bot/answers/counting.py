"""What a "how many" question counts, and the figures a sentence states of it: the figures-disagree check, and a
feature of the answer model ("how many were wounded" wants a sentence that counts the wounded).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.corpus.folding import normalize
from bot.search.cues import figures
from bot.search.retrieval import Query
from bot.search.textproc import STOP_WORDS, stem, words

_HOW_MANY = re.compile(r"\b(?:how many|how much|number of|count of|total of)\s+(?:the\s+|of\s+)?([a-z][a-z'-]*)",
                       re.IGNORECASE)
# Counted words that say little of what is counted: then what the question says of them is counted too.
GENERIC_COUNTS = frozenset(stem(w) for w in "people persons folks men women individuals times".split())


def counted_terms(question: str, query: Query, term_of: Callable[[int], str]) -> frozenset[str]:
    """The index terms of what a "how many" question counts: the word after "how many", with the alternatives
    its concept carries (synonyms, the corrected spelling). Empty when the question names nothing."""
    match = _HOW_MANY.search(normalize(question))
    if not match:
        return frozenset()
    counted = stem(match.group(1))
    concepts = [{term_of(t) for t, _ in concept.alternatives} for concept in query.concepts]
    if match.group(1).lower() in STOP_WORDS and concepts:  # "how many were hurt": the hurt are counted
        return frozenset(concepts[0])
    for index, terms in enumerate(concepts):
        if counted in terms:
            if counted in GENERIC_COUNTS and index + 1 < len(concepts):
                terms = concepts[index + 1]  # "how many people were killed": the killed are counted
            return frozenset(terms)
    return frozenset({counted})


def differ(quotes: list[str], counted: frozenset[str]) -> bool:
    """Whether the quotes give different figures for the thing the question counts: each states a figure next to
    the counted word ("how many hostages" -> "six servicemen as hostages"), and the figures differ. "Six
    servicemen" and "500 supporters" are not two counts of one thing."""
    found = [figures_counting(quote, counted) for quote in quotes]
    return all(found) and len(set(found)) > 1


COUNT_REACH = 4  # words after a figure that may name what it counts ("500 of Atambayev's supporters")
_COUNT_JOINS = frozenset("of as the his her their its more than".split())


def figures_counting(text: str, counted: frozenset[str]) -> frozenset[str]:
    """The figures a sentence states of a counted thing: the thing follows the figure ("over 50 injured", "six
    servicemen as hostages", "500 of Atambayev's supporters"), or the figure counts people and the sentence says
    what befell them ("36 people ... admitted to hospital with injuries"). "Six servicemen" and "500 supporters"
    are not two counts of one thing, nor "20 buses filled with troops" a count of troops."""
    tokens = words(text)
    stems = [stem(t) for t in tokens]
    said = set(stems)
    near = set()
    for i, token in enumerate(tokens):
        found = figures(token)
        if not found:
            continue
        following = []
        for j in range(i + 1, min(i + 1 + COUNT_REACH, len(tokens))):
            if tokens[j] in STOP_WORDS and tokens[j] not in _COUNT_JOINS:
                break
            following.append(stems[j])
        if any(s in counted for s in following) or (
                following and following[0] in GENERIC_COUNTS and not counted.isdisjoint(said)):
            near |= found
    return frozenset(near)
