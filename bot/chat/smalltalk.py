"""Messages that are not questions: greetings, thanks, and what people type after an answer.

After an answer people write 👍, "ok", "lol", "?", "more", "source?" or "link pls". None of these is a new
question, and reading one as a question (or worse, as a follow-up of the last one) quotes something at random.
`classify` tells them apart; the conversation decides what each means (a vote, the next passages, the source).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from bot.corpus.folding import normalize

_GREETING = re.compile(
    r"(hi+|hello+|hey+|hiya|howdy|yo|greetings|good (morning|afternoon|evening|day)|salam|privet|hola|hallo)"
    r"( there| bot| everyone| all)?"
)
_THANKS = re.compile(
    r"((many |great,? |ok,? |okay,? )?(thanks?|thank you|thx|tnx|ty|cheers|much appreciated|appreciate it)"
    r"( (a lot|so much|very much|again|for (that|this|the (answer|help|info))))?( bot| mate)?)"
)
_ACK = re.compile(
    r"(ok+|okay|okey|k+|kk|lol+|lmao|rofl|ha(ha)+|he(he)+|hm+|hmm+|cool|nice|great|perfect|awesome|wow|whoa|"
    r"interesting|i see|got it|gotcha|alright|all right|right|sure|yes|yeah|yep|yup|no|nope|nah|omg|damn|"
    r"wtf|oh|ah|aha|oh (ok|okay|wow|i see)|fair enough|makes sense|good|good to know|crazy|sad|noted|fine|gtg|g2g|"
    r"brb|bye|goodbye|bye bye|see (you|ya)|ttyl|later|gotta go|i have to go|nvm|never mind|whatever|meh|oops|"
    r"ugh|yikes|wild|insane|unbelievable|really|seriously|true|indeed|exactly)"
    r"( (then|thanks|thx))?"
)
_CONFUSED = re.compile(r"(huh|eh|what|wat|wut|what do you mean|i don'?t (get|understand)( it)?|"
                       r"that'?s not what i asked|not what i asked|that doesn'?t answer( it| my question)?)")
_MORE = re.compile(
    r"((tell me |show me |any |give me |i want |some )?more( please| pls| plz| info| details| of that| sources)?|"
    r"go on|keep going|continue|carry on|next|anything else|what else|and\??|more more|other sources|"
    r"what else (do you know|is there)|anything more)"
)
_SOURCE = re.compile(
    r"((your |the |whats the |what's the |what is the |which |got a |any )?(sources?|link|links|url|ref|"
    r"reference|citation|proof)( please| pls| plz| for (that|this))?|"
    r"(link|source) (pls|plz|please)|who said (that|this|it)|who says( that| so)?|says who|according to whom|"
    r"where('?s| is| does| did) (this|that|it) (from|come from)|where did you (get|read|find) (that|this|it)|"
    r"where (is|was) (this|that) (from|published|reported)|where is the source|who reported (that|this|it)|"
    r"who claims (that|this|it|so)|where does (this|that|the) (info|information|quote|claim|story)( come)? from|"
    r"(source|link) for (that|this|the [\w' -]{1,30}?)( pls| plz| please)?|"
    r"is (that|this) from (the |an? )?[\w' -]{1,30}|what'?s (your|the) source( for (that|this))?|"
    r"where did (this|that) come from|which (article|paper|outlet|site|agency)( is (that|this) from)?)"
)
_REMARK = re.compile(r"(\b(lol|lmao|rofl|haha+|hehe+)\b|[\U0001F602\U0001F923\U0001F605\U0001F606])\W*$", re.IGNORECASE)
_ASKS = re.compile(r"\b(what|who|whom|whose|when|where|why|how|which)\b|^\W*(is|are|was|were|did|does|do|has|"
                   r"have|had|can|could|will|would)\b")
_UP = frozenset("👍 👌 💯 ✅ ❤ ♥ 🙏 👏 🔥".split())
_DOWN = frozenset("👎 ❌ 💩".split())
_EDGES = " \t\n\r\f\v!.,:;)(*~-"  # stripped from both ends (str.strip: a regex here was quadratic on spaces)

Kind = Literal["greeting", "thanks", "ack", "confused", "vote_up", "vote_down", "more", "source"]
# Kinds that only mean something right after an answer; with nothing to refer to they are small talk.
AFTER_AN_ANSWER: frozenset[str] = frozenset({"vote_up", "vote_down", "more", "source"})


def _symbols(text: str) -> set[str]:
    """The emoji and symbols of a message without letters or digits, skin tones and joiners dropped."""
    return {ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Mn", "Cf", "Sk")
            and not 0x1F3FB <= ord(ch) <= 0x1F3FF and ch != "\ufe0f"}


def classify(text: str) -> Kind | None:
    """What a message is when it is no question; None for anything that may be a question."""
    if len(text) > 200:  # none of these is that long
        return None
    if not any(ch.isalnum() for ch in text):
        symbols = _symbols(text)
        if symbols and symbols <= _UP:
            return "vote_up"
        if symbols and symbols <= _DOWN:
            return "vote_down"
        if symbols and symbols <= {"?", "¿", "⁉", "❓", "❔"}:
            return "confused"
        return "ack" if symbols else None
    if _REMARK.search(text) and "?" not in text and not _ASKS.search(normalize(text)):
        return "ack"  # "his own aides lol": a remark on the answer, not a question
    cleaned = normalize(text).strip(_EDGES)
    cleaned = re.sub(r"[^\w\s',]", "", cleaned).strip().rstrip("?").strip()
    cleaned = re.sub(r"\s+", " ", cleaned.replace(",", ""))
    if len(cleaned) > 50:
        return None
    for kind, pattern in (("greeting", _GREETING), ("thanks", _THANKS), ("ack", _ACK), ("confused", _CONFUSED),
                          ("more", _MORE), ("source", _SOURCE)):
        if pattern.fullmatch(cleaned):
            return kind  # type: ignore[return-value]
    return None
