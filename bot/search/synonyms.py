"""The synonym and alias table kept with the corpus (`corpus/synonyms.txt`), which admins can extend.

Each line lists words or phrases that mean the same here, separated by `=`:

    raid = storm = assault
    Jeenbekov = Zheenbekov
    ex-president = former president

A question word found in a line also searches for the others, at a lower weight.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.search.textproc import stem, words

FILE_NAME = "synonyms.txt"


@dataclass
class SynonymTable:
    groups: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_phrase: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for group in self.groups:
            phrases = [tuple(stem(w) for w in words(item)) for item in group]
            phrases = [p for p in phrases if p]
            for phrase in phrases:
                self._by_phrase.setdefault(phrase, set()).update(p for p in phrases if p != phrase)
        self.longest = max((len(p) for p in self._by_phrase), default=0)

    @classmethod
    def parse(cls, lines: Iterable[str]) -> SynonymTable:
        groups = []
        for line in lines:
            line = line.split("#", 1)[0].strip()
            items = tuple(part.strip() for part in line.split("=") if part.strip())
            if len(items) >= 2:
                groups.append(items)
        return cls(groups)

    @staticmethod
    def parse_line(text: str) -> str:
        """One line as an admin typed it ("death toll = killed = died"), tidied; ValueError saying what is wrong."""
        items = [" ".join(part.split()) for part in text.split("=")]
        items = [item for item in items if item]
        if len(items) < 2:
            raise ValueError("a line needs at least two words or phrases separated by =")
        if any(len(item) > 60 or not any(ch.isalnum() for ch in item) for item in items):
            raise ValueError("each word or phrase must hold letters and be at most 60 characters")
        if len({item.casefold() for item in items}) < len(items):
            raise ValueError("the line names the same word twice")
        line = " = ".join(items)
        if len(line) > 500:
            raise ValueError("a line is at most 500 characters")
        return line

    @staticmethod
    def file_lines(folder: Path | None) -> list[str]:
        """The meaningful lines of the seed file (comments and blank lines left out)."""
        path = folder / FILE_NAME if folder is not None else None
        if path is None or not path.is_file():
            return []
        return [" = ".join(group) for group in SynonymTable.parse(path.read_text(encoding="utf-8").splitlines()).groups]

    @classmethod
    def load(cls, folder: Path | None) -> SynonymTable:
        path = folder / FILE_NAME if folder is not None else None
        if path is None or not path.is_file():
            return cls()
        return cls.parse(path.read_text(encoding="utf-8").splitlines())

    def __len__(self) -> int:
        return len(self.groups)

    def expansions(self, tokens: list[str]) -> list[tuple[int, int, list[tuple[str, ...]]]]:
        """(start, end, alternative phrases as stems) for each phrase of `tokens` found in the table, longest first.

        Matching is on Snowball stems, so "gun" finds the line that says "guns".
        """
        tokens = [stem(t) for t in tokens]
        found = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                phrase = tuple(tokens[i: i + size])
                if phrase in self._by_phrase:
                    found.append((i, i + size, sorted(self._by_phrase[phrase])))
                    i += size - 1
                    break
            i += 1
        return found
