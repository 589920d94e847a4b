"""Unicode folding: what makes a user's typing and a document's text compare equal.

Shared by search (before tokenising) and the question log (grouping questions that differ only in typing),
so it depends on nothing heavier than the standard library.
"""

from __future__ import annotations

import unicodedata

_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ",
        "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
        "\u200e": "", "\u200f": "", "\u202a": "", "\u202b": "", "\u202c": "", "\u202d": "", "\u202e": "",
    }
)

def normalize(text: str) -> str:
    """Fold typography, accents, invisible marks and case so that users' typing matches the documents."""
    if text.isascii():  # most news text: already NFKC, nothing to strip
        return text.translate(_PUNCT_MAP).lower()
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP)
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
