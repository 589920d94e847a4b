"""Reading a message in the light of the conversation's topic, and answering it so read.

A question that leans on the topic (a pronoun, "and ...", "what about ...", too few words of its own to stand
alone) is answered with the missing subject filled in, and the reply says what it took the question to mean. A
self-contained question is left as it is, and a follow-up whose own words the answer does not hold is declined:
context never makes the bot quote what the sources do not say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bot.answers.answering import Answer, Passage
from bot.chat.topics import ContextStore, ConversationKey, Topic
from bot.search import KnowledgeBase
from bot.search.cues import FRAME_STEMS, SPEECH_VERBS
from bot.search.textproc import STOP_WORDS, expand_informal, is_bare, is_past_form, stem, words

# Sentences before a quote that may name its subject ("he admitted ..." after "the former President said").
# Measured: 2 or 3 gain a follow-up on the dialogue sets and let an unanswerable one through.
SUBJECT_REACH = 1
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


@dataclass(frozen=True)
class Understood:
    """A question as it will be answered: `question` (with the subject filled in), `about` (what was filled in;
    None when the question stands alone), `own` (its own content words, one of which the answer must hold) and
    `needs_context` (false when the question can also be read alone: then the better reading wins)."""

    question: str
    about: str | None = None
    own: frozenset[str] = frozenset()
    needs_context: bool = False


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

    def answer(self, question: str, top_k: int | None = None) -> Answer: ...


def answer_in_context(service: Answers, question: str, topic: Topic | None,
                      top_k: int | None = None) -> tuple[Answer, Understood]:
    """Answer `question` as the conversation makes it mean. Context only ever helps: a question that stands on
    its own is answered as it is; one that can be read both ways is answered both ways and the better reading
    kept; and a follow-up whose own words the best quote does not hold is declined (the filled-in subject alone
    must not carry it)."""
    expanded = expand_informal(question)
    understood = follow_up(expanded, topic, service.knowledge)
    if understood.about is None:
        return service.answer(question, top_k), Understood(question, None, understood.own)
    answer = service.answer(understood.question, top_k)
    if answer.answered and understood.own:
        answer = _holding_own_words(service.knowledge, answer, understood.own, understood.about)
    if not understood.needs_context:
        alone = service.answer(question, top_k)
        if alone.answered and (not answer.answered or alone.passages[0].score >= answer.passages[0].score):
            return alone, Understood(question, None, understood.own)
    return replace(answer, question=question), understood


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


def _holding_own_words(knowledge: KnowledgeBase, answer: Answer, own: frozenset[str], about: str) -> Answer:
    """The answer with its best passage that holds one of the follow-up's own words (or their synonyms) and
    names what the conversation is about, in itself or in the SUBJECT_REACH sentences before it; declined when
    none does. "How old is he?" about Asanov must not find Atambayev's age."""

    def terms(text: str) -> set[str]:
        return {knowledge.retriever.term(t) for c in knowledge.parse(text).concepts for t, _ in c.alternatives}

    wanted, subject = terms(" ".join(sorted(own))), terms(about)

    def fits(passage: Passage) -> bool:
        if wanted.isdisjoint(knowledge.retriever.analyzer(passage.quote)):
            return False
        around = " ".join(row.text for row in knowledge.neighbours(passage.chunk_id, before=SUBJECT_REACH, after=0))
        return not subject or not subject.isdisjoint(knowledge.retriever.analyzer(around))

    floor = answer.passages[0].score * 0.8
    fitting = [p for p in answer.passages if fits(p) and p.score >= floor]
    if not fitting:
        return Answer(answer.question, False, answer.passages, "no_match")
    first = fitting[0]
    shown = [p for p in answer.shown if p is first or fits(p)] if first in answer.shown else [first]
    passages = [first, *(p for p in answer.passages if p is not first)]
    return replace(answer, passages=passages, shown=shown, sources_differ=answer.sources_differ and len(shown) > 1)
