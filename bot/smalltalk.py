"""Recognising messages that are greetings or thanks rather than questions."""

from __future__ import annotations

import re
from typing import Literal

from bot.folding import normalize

_GREETING = re.compile(
    r"(hi+|hello+|hey+|hiya|howdy|yo|greetings|good (morning|afternoon|evening|day)|salam|privet|hola|hallo)"
    r"( there| bot| everyone| all)?"
)
_THANKS = re.compile(
    r"((many |great,? |ok,? |okay,? )?(thanks?|thank you|thx|ty|cheers|much appreciated|appreciate it)"
    r"( (a lot|so much|very much|again|for (that|this|the (answer|help|info))))?|great|perfect|awesome|cool|ok|okay|nice)"
)
_EDGES = " \t\n\r\f\v!.,:;)(*~-"  # stripped from both ends (str.strip: a regex here was quadratic on spaces)


Kind = Literal["greeting", "thanks"]


def classify(text: str) -> Kind | None:
    """'greeting' or 'thanks' when the whole message is just that; None for anything that may be a question."""
    if len(text) > 200:  # no greeting is that long
        return None
    cleaned = normalize(text).strip(_EDGES)
    cleaned = re.sub(r"[^\w\s',]", "", cleaned).strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    if len(cleaned) > 40:
        return None
    if _GREETING.fullmatch(cleaned):
        return "greeting"
    if _THANKS.fullmatch(cleaned):
        return "thanks"
    return None
