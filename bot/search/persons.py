"""Who the corpus's people are to a pronoun: he or she, learned from the corpus itself.

For each person the corpus names (`KnowledgeBase.people`), the pronouns that follow the name in its sentence and the
next one are counted: "Atambayev ... he admitted", "his supporters" make Atambayev a he. A name the corpus never
follows with a pronoun falls back on its shape, since Kyrgyz, Kazakh and Russian surnames say it
("Otunbayeva", "Zheenbekova" are she; "Atambayev", "Asanov" he). Common nouns are told by number alone: "the
officer" may be he or she, "the supporters" and "the special forces" are they.

Made once per knowledge base, on first use, and kept beside it.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from bot.search.knowledge import KnowledgeBase
from bot.search.textproc import stem, words

Gender = Literal["m", "f", ""]
_MALE = frozenset("he him his himself".split())
_FEMALE = frozenset("she her hers herself".split())
_FEMININE_SURNAME = re.compile(r"(?:ova|eva|yeva|ina|aya|skaya|kyzy)$")
_MASCULINE_SURNAME = re.compile(r"(?:ov|ev|yev|in|sky|uulu)$")


@dataclass(frozen=True)
class Persons:
    """Each person word's gender ("atambayev": "m"), as the corpus's pronouns tell it, or its shape."""

    genders: dict[str, Gender]

    def gender(self, name: str) -> Gender:
        """The gender of a person's name (its last word decides: "Roza Otunbayeva" -> "f"); "" when unknown."""
        parts = [w for w in words(name) if w]
        if not parts:
            return ""
        last = parts[-1]
        found = self.genders.get(last)
        if found:
            return found
        if _FEMININE_SURNAME.search(last):
            return "f"
        if _MASCULINE_SURNAME.search(last):
            return "m"
        return ""


def plural(phrase: str) -> bool:
    """"the soldiers", "his supporters", "special forces": a they, not a he or she."""
    tokens = words(phrase)
    last = tokens[-1] if tokens else ""
    return (last.endswith("s") and not last.endswith("ss") and stem(last) != last) or last in ("people", "police")


_CACHE: weakref.WeakKeyDictionary[KnowledgeBase, Persons] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def persons(knowledge: KnowledgeBase) -> Persons:
    """The knowledge base's people with their genders (made on first use, then kept)."""
    with _LOCK:
        found = _CACHE.get(knowledge)
    if found is not None:
        return found
    people = knowledge.people
    votes: dict[str, Counter[str]] = {}
    table = knowledge.table
    previous: list[str] = []  # the people the sentence before named, in order (same document only)
    document = None
    for index in range(len(table)):
        if table.documents[index] != document:
            document, previous = table.documents[index], []
        named: list[str] = []
        for token in words(table.text(index)):
            if token in people:
                named.append(token)
            elif token in _MALE or token in _FEMALE:
                # a pronoun stands for the first person its sentence named before it, else the first of the
                # sentence before (its subject, most often): "... replace Otunbayeva. As soon as he'd retired"
                antecedent = named[0] if named else previous[0] if previous else None
                if antecedent is not None:
                    votes.setdefault(antecedent, Counter())["m" if token in _MALE else "f"] += 1
        previous = named
    genders: dict[str, Gender] = {}
    for name, counted in votes.items():
        (best, n), *rest = counted.most_common()
        if not rest or n > rest[0][1]:
            genders[name] = best  # type: ignore[assignment]
    made = Persons(genders)
    with _LOCK:
        _CACHE[knowledge] = made
    return made
