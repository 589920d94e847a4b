"""Reading a message in the light of the conversation's topic, and the topic an answer leaves behind.

A question that leans on the topic (a pronoun, "and ...", "what about ...", too few words of its own to stand
alone) is read with the missing subject filled in (`follow_up`), and the reply says what it took the question to
mean. A self-contained question is left as it is. The service answers what was read (`QAService.answer_in_context`,
`bot.answers.in_context`), declining a follow-up whose own words the answer does not hold: context never makes the
bot quote what the sources do not say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from bot.answers.answering import Answer
from bot.answers.in_context import Understood
from bot.chat.topics import ContextStore, ConversationKey, Topic
from bot.search import KnowledgeBase
from bot.search.cues import FRAME_STEMS, SPEECH_VERBS
from bot.search.textproc import STOP_WORDS, expand_informal, is_bare, is_past_form, stem, words
from bot.service import LoggedAnswer

PERSON_PRONOUNS = {"he": "", "him": "", "his": "'s", "she": "", "her": "", "hers": "'s", "himself": "",
                   "herself": ""}
THING_PRONOUNS = {"it": "", "its": "'s", "they": "", "them": "", "their": "'s", "theirs": "'s", "that": "",
                  "this": "", "these": "", "those": ""}
_LEADS = re.compile(r"^\s*(?:and|so|also|what about|how about|and what about|and how about)\b[\s,]*", re.IGNORECASE)
_WH = frozenset("what who whom whose when where why how which".split())
_DETERMINERS = frozenset("the his her their its this that these those".split())
# A question about a reply rather than the event: "what happened next", "and then?" continue the story.
_OPENING_WH = re.compile(r"^\s*((?:(?:by|with|from|to|for|out of|of|at|in|on|against|since|until|till) )?"
                         r"(?:how (?:many|much|long|old|often|far)|what|who|whom|whose|when|where|why|how|which))\b",
                         re.IGNORECASE)
# A question of its own after "and": "and what does he accuse atambayev of" is read as the question after "and".
_QUESTION_START = re.compile(r"^\s*(?:what|who|whom|whose|when|where|why|how|which|is|are|was|were|did|does|do|has|"
                             r"have|had|can|could|will|would)\b", re.IGNORECASE)


# Words that only colour a follow-up ("when exactly", "why though"): no subject of their own.
_PARTICLES = frozenset("exactly though tho then else really actually now again precisely".split())


def _content(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in STOP_WORDS and t not in _WH and t not in PERSON_PRONOUNS
            and t not in THING_PRONOUNS and stem(t) not in FRAME_STEMS and t not in SPEECH_VERBS
            and t not in _PARTICLES]


def _name_phrases(text: str, names: frozenset[str]) -> list[str]:
    """Runs of name words in a text, as written ("Kursan Asanov", "Koi Tash"), in order. A text typed with
    capitals is read as typed (its capitalised words after the first are names: "What revolution did she lead?"
    names no one); an all-lowercase one ("who is jeenbekov") by the corpus's names."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'\u2019]*", text)
    cased = any(ch.isupper() for ch in text)
    phrases, current = [], []
    for at, word in enumerate(tokens):
        bare = re.sub(r"['\u2019]s?$", "", word)
        if bare.lower() in names and (not cased or (at > 0 and word[0].isupper())):
            current.append(bare)
            if bare != word:  # "Atambayev's house": the name ends at its possessive
                phrases.append(" ".join(current))
                current = []
        elif current:
            phrases.append(" ".join(current))
            current = []
    if current:
        phrases.append(" ".join(current))
    return phrases


def _people(text: str, knowledge: KnowledgeBase) -> list[str]:
    """The name phrases of a text that name people ("Kursan Asanov", not "Koi Tash" or "GKNB")."""
    people = knowledge.people
    return [p for p in _name_phrases(text, knowledge.names | people) if any(w.lower() in people for w in p.split())]


def _determiner_phrase(text: str) -> str:
    """The first "the/his/their ..." phrase of a question, up to two content words ("the officer", "his
    supporters", "the special forces"); "" when there is none. Its second word is kept only when it too is a
    word of substance ("the officer die" keeps "the officer")."""
    tokens = words(text)
    verb_follows = bool(_AUXILIARY.match(text))  # "how did the officer die": the bare word after it is the verb
    for at, token in enumerate(tokens):
        if token not in _DETERMINERS:
            continue
        phrase = [token]
        for word in tokens[at + 1: at + 4]:
            if word.isdigit() or word in _NUMBER_WORDS:
                phrase.append(word)
                continue
            if word in STOP_WORDS or word in _WH or stem(word) in FRAME_STEMS or (
                    verb_follows and is_bare(word) and len(phrase) > 1):
                break
            phrase.append(word)
            if len([w for w in phrase if w not in _DETERMINERS]) >= 2:
                break
        if len(phrase) > 1:
            return " ".join(phrase)
    return ""


_POSSESSED = re.compile(r"\b([A-Za-z][A-Za-z-]+)['\u2019]s (?=([a-z]{3,})\b)", re.IGNORECASE)
_AUXILIARY = re.compile(r"\W*(?:\w+\s+)?(?:did|does|do|will|would|can|could|should|has|have|had)\b", re.IGNORECASE)
_NUMBER_WORDS = frozenset("two three four five six seven eight nine ten dozen hundred".split())


def topic_of(question: str, answer: Answer, knowledge: KnowledgeBase, *, question_id: int | None = None) -> Topic | None:
    """The topic an answered question leaves behind; None when it was declined. The person is a person the
    question names; the subject a name of its own ("Koi Tash", whole) or its first "the ..." phrase."""
    if not answer.answered:
        return None
    people = _people(question, knowledge)
    names = _name_phrases(question, knowledge.names | knowledge.people)
    phrase = _determiner_phrase(question)
    known = knowledge.names | knowledge.people
    owned = next((m for m in _POSSESSED.finditer(question) if m.group(1).lower() in known), None)
    if owned and owned.group(2) not in STOP_WORDS:
        subject = f"{owned.group(1)}'s {owned.group(2)}"  # "atambayev's house", not "atambayev"
    elif phrase:
        subject = phrase
    elif names:
        subject = names[0]
    else:  # "hostages - who were they": a single word of substance the corpus uses
        own = [w for w in _content(words(question)) if not is_past_form(w) and stem(w) in knowledge.retriever.vocabulary_]
        subject = own[0] if len(own) == 1 else ""
    person = people[0] if people else ""
    if person and phrase and re.match(r"(his|her)\b", phrase):
        subject = f"{person}'s {phrase.split(' ', 1)[1]}"
    shown = answer.shown or answer.passages[:1]
    if not person and not phrase and shown:
        # "who was elected in 2011?" -> "Atambayev was elected ...": the one person the answer names
        quoted = {p.split()[-1].lower(): p for p in _people(shown[0].quote, knowledge)}
        person = next(iter(quoted.values())) if len(quoted) == 1 else ""
    group = " and ".join(people) if len({p.split()[-1].lower() for p in people}) >= 2 else ""
    return Topic(question, person, subject, question_id, tuple(p.chunk_id for p in shown), group)


def _rest_of(question: str) -> str:
    """A question without its opening question word: "what happened to the gate" -> "happened to the gate"."""
    return _OPENING_WH.sub("", question, count=1).strip(" ?.!")


def follow_up(question: str, topic: Topic | None, knowledge: KnowledgeBase | None = None) -> Understood:
    """The question with what it leans on filled in from `topic`, or as it stands. It is a follow-up only when
    it cannot be read well alone: a he/she with no person of its own, an it/they with too few words of its own,
    "and ...?" / "what about ...", or a bare "when?" / "why?". Anything else is a question of its own."""
    tokens = words(question)
    own = _content(tokens)
    understood = Understood(question, None, frozenset(own))
    if topic is None:
        return understood
    names = (knowledge.names | knowledge.people) if knowledge is not None else frozenset()
    names_itself = bool(_name_phrases(question, names))
    person_pronoun = None if names_itself else next((t for t in tokens if t in PERSON_PRONOUNS), None)
    thing_pronoun = None if len(own) >= 2 or names_itself else next((t for t in tokens if t in THING_PRONOUNS), None)
    leads = _LEADS.match(question)
    if leads and _QUESTION_START.match(question[leads.end():]):
        return follow_up(question[leads.end():], topic, knowledge)
    text = question
    if person_pronoun is not None and topic.person:
        return replace(understood, about=topic.person, needs_context=True,
                       question=_replace_word(text, person_pronoun, topic.person + PERSON_PRONOUNS[person_pronoun]))
    if (person_pronoun is not None and not topic.person and topic.subject.split(" ", 1)[0] in _DETERMINERS
            and not _plural(topic.subject)):
        # "how did the officer die" -> "how old was he": the officer (a place or a name is no "he")
        return replace(understood, about=topic.subject, needs_context=True,
                       question=_replace_word(text, person_pronoun, topic.subject + PERSON_PRONOUNS[person_pronoun]))
    if thing_pronoun is not None and (topic.subject or topic.person or topic.group) and (
            thing_pronoun not in ("they", "them", "their", "theirs", "these", "those") or topic.group or topic.subject):
        plural = thing_pronoun in ("they", "them", "their", "theirs", "these", "those")
        about = (topic.group or topic.subject) if plural else (topic.subject or topic.person)
        return replace(understood, about=about, needs_context=True,
                       question=_replace_word(text, thing_pronoun, about + THING_PRONOUNS[thing_pronoun]))
    if not own and person_pronoun is None and _OPENING_WH.match(_LEADS.sub("", text)):
        # "When?", "why", "how many?", "by what": the question word asks about the last question
        asked = _LEADS.sub("", text).strip(" ?.!")
        return replace(understood, about=topic.subject or topic.person or _rest_of(topic.question) or topic.question,
                       needs_context=True,
                       question=f"{asked} {_rest_of(topic.question)}")
    if leads and own:
        # "and the hostages?", "what about jeenbekov": the last question asked again of something else
        rest = _LEADS.sub("", text).strip(" ?.!")
        previous = topic.question
        swapped = None
        for old in (topic.subject, topic.person):
            if old and re.search(rf"\b{re.escape(old)}\b", previous, re.IGNORECASE):
                swapped = re.sub(rf"\b{re.escape(old)}\b", rest, previous, count=1, flags=re.IGNORECASE)
                break
        if swapped is None:
            opening = _OPENING_WH.match(previous)
            swapped = f"{opening.group(1)} {rest}" if opening else rest
        return replace(understood, question=swapped, about=_rest_of(previous) or previous)
    return understood


def _plural(phrase: str) -> bool:
    """"the soldiers", "his supporters": no "he" or "she"."""
    last = phrase.split()[-1] if phrase.split() else ""
    return last.endswith("s") and not last.endswith("ss") and stem(last) != last


def _replace_word(text: str, word: str, by: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", by, text, count=1, flags=re.IGNORECASE)


class Answers(Protocol):
    """What answering in context needs of a service (QAService, or the benchmark's bare answerer)."""

    @property
    def knowledge(self) -> KnowledgeBase: ...

    def answer_in_context(self, question: str, understood: Understood, *,
                          top_k: int | None = None) -> tuple[LoggedAnswer, Understood]: ...


def understand(question: str, topic: Topic | None, knowledge: KnowledgeBase) -> Understood:
    """The question as the conversation makes it mean (informal spellings read first; see `follow_up`)."""
    return follow_up(expand_informal(question), topic, knowledge)


def answer_in_context(service: Answers, question: str, topic: Topic | None,
                      top_k: int | None = None) -> tuple[Answer, Understood]:
    """Answer `question` as the conversation makes it mean. Context only ever helps: a question that stands on
    its own is answered as it is; one that can be read both ways is answered both ways and the better reading
    kept; and a follow-up whose own words the best quote does not hold is declined (`bot.answers.in_context`)."""
    logged, understood = service.answer_in_context(question, understand(question, topic, service.knowledge),
                                                   top_k=top_k)
    return logged.answer, understood


def ask_in_context(service: Answers, question: str, contexts: ContextStore | None, conversation: ConversationKey,
                   top_k: int | None = None) -> tuple[Answer, Understood]:
    """Answer `question` in the light of `conversation`'s topic and leave the answer's topic behind (with no
    `contexts`, the question stands alone and nothing is remembered)."""
    topic = contexts.get(conversation) if contexts is not None else None
    answer, understood = answer_in_context(service, question, topic, top_k)
    if contexts is not None:
        new_topic = topic_of(understood.question, answer, service.knowledge)
        if new_topic is not None:
            contexts.set(conversation, new_topic)
    return answer, understood
