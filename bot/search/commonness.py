"""How common a word is in everyday English, for question words that a corpus never uses.

A word the index has never seen used to weigh as much as its rarest term. That is right for a name the corpus
lacks ("Who is the mayor of Osh?"), but wrong for "got", "think", "let", "time" or "work": a small news corpus
may simply never use them, and "how many got hurt" was declined because "got" outweighed "hurt". Such a word
now weighs less the commoner it is in everyday English, by pyspellchecker's English word-frequency list (counts
from subtitles and web text): full weight up to 10^COMMON_FROM occurrences, falling linearly in the logarithm
to FLOOR at 10^COMMONEST and beyond. About 450 words are lighter; every other word keeps its weight.

Measured with `python -m bot eval` (docs/quality.md): on the development sets one answerable question more
answered and one unanswerable less declined; on the fourth held-out set, after it was scored unseen, answerable
questions declined 20% -> 10% with unanswerable declines unchanged.
"""

from __future__ import annotations

import math
import threading
from functools import cache

COMMON_FROM = 5.5
COMMONEST = 6.5
FLOOR = 0.2


@cache
def _lighter() -> dict[str, float]:
    """The weight factor of every word commoner than 10^COMMON_FROM (the list itself is not kept: 33 MB)."""
    from spellchecker import SpellChecker

    counts = SpellChecker(distance=1).word_frequency.dictionary
    factors = {}
    for word, count in counts.items():
        common = math.log10(count + 1)
        if common > COMMON_FROM:
            factors[word] = max(FLOOR, 1 - (1 - FLOOR) * (common - COMMON_FROM) / (COMMONEST - COMMON_FROM))
    return factors


ENGLISH_FROM = 500  # occurrences in the list from which a word counts as an everyday English word


@cache
def _english() -> frozenset[str]:
    from spellchecker import SpellChecker

    counts = SpellChecker(distance=1).word_frequency.dictionary
    return frozenset(word for word, count in counts.items() if count >= ENGLISH_FROM)


def is_english_word(word: str) -> bool:
    """Whether a lower-case word is an everyday English word ("central", "minister", "june"), not a name."""
    return word in _english()


def weight_factor(word: str) -> float:
    """1.0 for a rare word or a name; down to FLOOR for the commonest words ("got", "think")."""
    return _lighter().get(word, 1.0)


def warm_up() -> None:
    """Load the list (half a second) in the background, so that no question waits for it."""
    threading.Thread(target=_lighter, name="commonness", daemon=True).start()
