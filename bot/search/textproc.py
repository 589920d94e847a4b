"""Text normalisation and tokenisation shared by indexing and querying.

Both sides of the TF-IDF match go through `analyze`, so a typographic apostrophe
in a document and a plain one typed by a user become the same token.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from bot.corpus.folding import normalize

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_POSSESSIVE = re.compile(r"'(s|d|ll|re|ve|m|t)$")
# scikit-learn's English list, less the words that carry meaning in news questions ("fire", "former",
# "six", "back", "found" ...), plus a few that only carry the grammar of a question.
CONTENT_WORDS = frozenset(
    "fire found find serious system interest call show side bill mill move amount full fill front back top bottom "
    "detail describe give put empty cry former first last second third one two three four five six seven eight "
    "nine ten eleven twelve fifteen twenty forty fifty sixty hundred thousand million part".split()
)
STOP_WORDS: frozenset[str] = (frozenset(ENGLISH_STOP_WORDS) - CONTENT_WORDS) | {
    "did", "does", "doing", "done", "anyone", "anybody", "happen", "happened", "happens",
}
_stemmer = Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Normalised word tokens, possessive endings removed, stop words kept."""
    return [_POSSESSIVE.sub("", tok) if "'" in tok else tok for tok in _TOKEN.findall(normalize(text))]


def words_with_possessives(text: str) -> list[str]:
    """Normalised word tokens as written, "'s" kept ("atambayev's")."""
    return _TOKEN.findall(normalize(text))


DETERMINERS = frozenset("a an the any no some this that his her their its our my your".split())


def is_past_form(word: str) -> bool:
    """"fired", "heard": a verb's past form (regular or irregular); not "speed" or "need"."""
    if word in IRREGULAR:
        return not word.endswith("s")
    return word.endswith("ed") and len(word) > 4 and stem(word) != word


def is_bare(word: str) -> bool:
    """A word that is its own stem ("fire", "shot"), not a derivation ("investigation", "removal")."""
    return len(word) <= len(stem(word)) + 1


def noun_terms(tokens: list[str]) -> frozenset[str]:
    """The index terms that `words` of a text uses as bare nouns, right after a determiner ("was there a fire" ->
    "fire"; not "an investigation", whose verb means the same)."""
    return frozenset(stem(w) for before, w in zip(tokens, tokens[1:])
                     if before in DETERMINERS and w not in STOP_WORDS and is_bare(w))


def past_terms(tokens: list[str]) -> frozenset[str]:
    """The index terms that `words` of a text writes as a verb's past form ("who fired" -> "fire")."""
    return frozenset(stem(w) for w in tokens if w not in STOP_WORDS and is_past_form(w))


def possessive_terms(text: str) -> frozenset[str]:
    """The index terms a text writes in the possessive ("Atambayev's supporters" -> "atambayev")."""
    return frozenset(stem(tok[:-2]) for tok in words_with_possessives(text) if tok.endswith("'s"))


# Irregular English verb forms that a stemmer cannot join to their base ("said" -> "say").
IRREGULAR = {
    form: base
    for base, forms in {
        "say": "said says", "break": "broke broken", "take": "took taken", "shoot": "shot shots", "fight": "fought",
        "hold": "held", "leave": "left", "go": "went gone", "flee": "fled", "steal": "stole stolen",
        "throw": "threw thrown", "seek": "sought", "bring": "brought", "buy": "bought", "catch": "caught",
        "come": "came", "do": "did done", "draw": "drew drawn", "drive": "drove driven", "eat": "ate eaten",
        "fall": "fell fallen", "feel": "felt", "find": "found", "fly": "flew flown", "forbid": "forbade forbidden",
        "get": "got gotten", "give": "gave given", "grow": "grew grown", "hear": "heard", "hide": "hid hidden",
        "hit": "hits", "keep": "kept", "know": "knew known", "lead": "led", "lose": "lost", "make": "made",
        "mean": "meant", "meet": "met", "pay": "paid", "ride": "rode ridden", "rise": "rose risen", "run": "ran",
        "see": "saw seen", "sell": "sold", "send": "sent", "shake": "shook shaken", "sit": "sat", "sleep": "slept",
        "speak": "spoke spoken", "spend": "spent", "stand": "stood", "strike": "struck", "swear": "swore sworn",
        "teach": "taught", "tell": "told", "think": "thought", "understand": "understood", "wake": "woke woken",
        "wear": "wore worn", "win": "won", "write": "wrote written", "begin": "began begun", "bite": "bit bitten",
        "blow": "blew blown", "build": "built", "burn": "burnt", "choose": "chose chosen", "deal": "dealt",
        "dig": "dug", "forget": "forgot forgotten", "freeze": "froze frozen", "hang": "hung", "lay": "laid",
        "lend": "lent", "light": "lit", "shine": "shone", "sink": "sank sunk", "slay": "slew slain",
        "spread": "spreads", "stick": "stuck", "sting": "stung", "swim": "swam swum", "tear": "tore torn",
        "withdraw": "withdrew withdrawn", "arise": "arose arisen", "bear": "bore borne", "beat": "beaten",
        "become": "became", "bleed": "bled", "breed": "bred", "feed": "fed", "free": "freed",
    }.items()
    for form in forms.split()
}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(IRREGULAR.get(word, word))


_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_WORD = re.compile(r"[A-Za-z]{2,}")


def acronyms(text: str) -> frozenset[str]:
    """Stop words written in capitals, which are names there ("What did the UN say?", "the US embassy", "WHO"),
    lower-cased; none when the text shouts (half its words in capitals)."""
    found = _ACRONYM.findall(text)
    if not found or 2 * len(found) > len(_WORD.findall(text)):
        return frozenset()
    return frozenset(w.lower() for w in found) & STOP_WORDS


def content_words(text: str) -> list[str]:
    """The words of a text that carry meaning: stop words dropped, unless written as an acronym."""
    kept = acronyms(text)
    return [w for w in words(text) if w not in STOP_WORDS or w in kept]


def analyze(text: str) -> list[str]:
    """Index terms of a text: its content words, normalised and Snowball-stemmed."""
    return [stem(w) for w in content_words(text)]


# How people type in a chat: contractions without their apostrophe and common abbreviations, read as the words
# they stand for (questions only; documents are edited text).
INFORMAL = {
    "whats": "what is", "whos": "who is", "wheres": "where is", "whens": "when is", "hows": "how is",
    "whys": "why is", "thats": "that is", "dont": "do not", "doesnt": "does not", "didnt": "did not",
    "isnt": "is not", "wasnt": "was not", "werent": "were not", "arent": "are not", "cant": "cannot",
    "wont": "will not", "hasnt": "has not", "havent": "have not", "hadnt": "had not", "couldnt": "could not",
    "ppl": "people", "u": "you", "ur": "your", "govt": "government", "prez": "president", "abt": "about",
    "bc": "because", "cuz": "because", "b4": "before", "yr": "year", "yrs": "years", "mil": "million",
}
_INFORMAL = re.compile(r"\b(" + "|".join(sorted(INFORMAL, key=len, reverse=True)) + r")\b", re.IGNORECASE)


_WH_IS = re.compile(r"\b(what|who|where|when|how|why)['\u2019]s\b", re.IGNORECASE)


def expand_informal(question: str) -> str:
    """"whats the gknb" -> "what is the gknb", "who's jeenbekov" -> "who is jeenbekov", "how many ppl" -> "how many
    people"."""
    return _INFORMAL.sub(lambda m: INFORMAL[m.group(1).lower()], _WH_IS.sub(r"\1 is", question))
