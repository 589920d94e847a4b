"""The loanword table kept with the corpus (`corpus/loanwords.txt`): words of other languages that readers mix into
English questions ("skolko ppl injured", "kto takoy asanov", "otkuda eta info"), each with what it means.

Each line is the English first, then the words that stand for it, separated by `=`, the shape of the synonym table:

    how many = skolko = сколько
    he = ~on = он

A question is read with each of them replaced by its English (`english`), so the answer path sees "how many ppl
injured". Only whole words (or phrases) are replaced, in Latin or Cyrillic letters, whatever their case. A word
marked `~` is an English word too ("on", "let", "a"): it is replaced only in a message that holds another word of
the table. Admins see the table with /loanwords.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "loanwords.txt"


@dataclass
class LoanwordTable:
    """(English, the words that stand for it) pairs, as the file lists them."""

    lines: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._meaning = {word.lstrip("~").casefold(): english for english, loans in self.lines for word in loans}
        self._ambiguous = frozenset(word.lstrip("~").casefold() for _, loans in self.lines for word in loans
                                    if word.startswith("~"))
        self._pattern = self._compile(self._meaning)
        self._sure = self._compile({w: e for w, e in self._meaning.items() if w not in self._ambiguous})

    @staticmethod
    def _compile(words: dict[str, str]) -> re.Pattern[str] | None:
        # longest first, so that "otkuda eta info" wins over "otkuda"
        alternatives = sorted(words, key=len, reverse=True)
        return (re.compile(r"(?<![\w'])(" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w'])", re.IGNORECASE)
                if alternatives else None)

    @classmethod
    def parse(cls, lines: Iterable[str]) -> LoanwordTable:
        found = []
        for line in lines:
            items = [" ".join(part.split()) for part in line.split("#", 1)[0].split("=")]
            items = [item for item in items if item]
            if len(items) >= 2:
                found.append((items[0], tuple(items[1:])))
        return cls(found)

    @classmethod
    def load(cls, folder: Path | None) -> LoanwordTable:
        """The table shipped in `folder` (an empty one when there is none)."""
        path = folder / FILE_NAME if folder is not None else None
        if path is None or not path.is_file():
            return cls()
        return cls.parse(path.read_text(encoding="utf-8").splitlines())

    def english(self, text: str) -> str:
        """`text` with every loanword replaced by what it means."""
        if self._sure is None or not self._sure.search(text):
            return text
        assert self._pattern is not None
        return self._pattern.sub(lambda m: self._meaning[m.group(1).casefold()], text)

    def __len__(self) -> int:
        return len(self.lines)
