"""Which language a message is in, when it is plainly not English.

The sources are English-language news, so a question in Russian finds nothing; telling the reader "I couldn't
find anything" would suggest the sources do not cover Koi-Tash. A message written mostly in a non-Latin script
is told apart by its letters (Unicode script names); German, French, Spanish and Turkish, written in Latin
letters, by a few of their commonest words, only when they outnumber English ones.
"""

from __future__ import annotations

import re
import unicodedata

# Kyrgyz is written in Cyrillic with three letters Russian lacks.
_KYRGYZ_LETTERS = frozenset("ңөүҢӨҮ")
_SCRIPTS = (("CYRILLIC", "ru"), ("ARABIC", "ar"), ("CJK", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"),
            ("HANGUL", "ko"), ("DEVANAGARI", "hi"), ("GREEK", "el"), ("HEBREW", "he"), ("GEORGIAN", "ka"),
            ("ARMENIAN", "hy"), ("THAI", "th"))
_FUNCTION_WORDS = {
    "de": frozenset("ist sind wurde wurden wer warum wieso wie viele wann wo was passiert der die das den dem "
                    "und nicht ich hat haben ein eine einen mit von über".split()),
    "fr": frozenset("est sont qui pourquoi combien quand où que quoi le la les des du et pas je il elle "
                    "une avec pour été passé".split()),
    "es": frozenset("es son quién quien por qué cuántos cuantos cuándo cuando dónde donde qué el los las del "
                    "y no yo fue una con para pasó".split()),
    "tr": frozenset("ne neden nasıl kaç kim nerede zaman bir ve bu da mı mi oldu".split()),
}
_ENGLISH = frozenset("the a an is are was were who what why how when where did do does he she they it of and "
                     "to in on at many much".split())
# Words the two share with English and that prove nothing alone ("die", "was", "no", "a").
_SHARED = frozenset("die was no a is in on".split())


def _script(ch: str) -> str | None:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    for script, code in _SCRIPTS:
        if name.startswith(script):
            return code
    return "latin" if name.startswith("LATIN") else None


def foreign_language(text: str) -> str | None:
    """An ISO 639-1 code when the message is plainly in another language than English, else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    counts: dict[str, int] = {}
    for ch in letters:
        script = _script(ch)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    script, number = max(counts.items(), key=lambda item: item[1], default=("latin", 0))
    if script != "latin" and number * 2 > len(letters):
        if script == "ru" and any(ch in _KYRGYZ_LETTERS for ch in text):
            return "ky"
        return script
    tokens = re.findall(r"[^\W\d_]+", text.lower())
    english = sum(t in _ENGLISH for t in tokens)
    for code, function_words in _FUNCTION_WORDS.items():
        hits = [t for t in tokens if t in function_words]
        if len(hits) >= 2 and len([t for t in hits if t not in _SHARED]) >= 1 and len(hits) > english:
            return code
    return None
