"""Text normalisation and tokenisation shared by indexing and querying.

Both sides of the TF-IDF match go through `analyze`, so a typographic apostrophe
in a document and a plain one typed by a user become the same token.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

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
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_POSSESSIVE = re.compile(r"'(s|d|ll|re|ve|m|t)$")
STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS)
_stemmer = Stemmer.Stemmer("english")


def normalize(text: str) -> str:
    """Fold typography, accents, invisible marks and case so that users' typing matches the documents."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def words(text: str) -> list[str]:
    """Normalised word tokens, possessive endings removed, stop words kept."""
    return [_POSSESSIVE.sub("", tok) for tok in _TOKEN.findall(normalize(text))]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def analyze(text: str) -> list[str]:
    """Index terms of a text: normalised, stop words dropped, Snowball-stemmed."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]
