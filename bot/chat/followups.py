"""Reading a message in the light of the conversation: who "he", "they", "it" and "this" are, and what a bare
"when?" or "and the hostages?" asks; and what an answer leaves behind for the next message.

The conversation keeps the people, groups and things its questions and answers named (`Topic.mentions`), each with
how salient it is: named last, named most, the chat's main person. A question that leans on the conversation (a
he/she with no person of its own, an it/they with too few words of its own, "and ...?", a bare "when?") gets
candidate readings (`readings`): as it stands, and with each compatible referent put in: a he for a man or a person
the corpus does not say, a she for a woman (genders learned from the corpus: `bot.search.persons`), a they for a
group or two people, an it or a this for a thing or the event itself. The service answers every reading and the
answer model keeps the one it is surest of, the question as it stands winning ties (`bot.answers.in_context`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from bot.answers.answering import Answer
from bot.answers.in_context import Reading
from bot.chat.topics import ContextStore, ConversationKey, Mention, Topic
from bot.search import KnowledgeBase
from bot.search.cues import FRAME_STEMS, SPEECH_VERBS
from bot.search.loanwords import LoanwordTable
from bot.search.persons import persons, plural
from bot.search.textproc import STOP_WORDS, expand_informal, is_bare, is_past_form, stem, words
from bot.service import LoggedAnswer

PERSON_PRONOUNS = {"he": "", "him": "", "his": "'s", "she": "", "her": "", "hers": "'s", "himself": "",
                   "herself": ""}
THING_PRONOUNS = {"it": "", "its": "'s", "they": "", "them": "", "their": "'s", "theirs": "'s", "that": "",
                  "this": "", "these": "", "those": ""}
_LEADS = re.compile(r"^\s*(?:and|so|also|what about|how about|and what about|and how about)\b[\s,]*", re.IGNORECASE)
_WH = frozenset("what who whom whose when where why how which".split())
_DETERMINERS = frozenset("the his her their its this that these those".split())
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


def _name_phrases(text: str, names: frozenset[str], knowledge: KnowledgeBase | None = None) -> list[str]:
    """Runs of name words in a text, in order, as the corpus spells them when `knowledge` can tell a close spelling
    ("atambaev" -> "Atambayev"; "Kursan Asanov", "Koi Tash"). A run ends at punctuation. A text typed with capitals
    is read as typed (its capitalised words after the first are names: "What revolution did she lead?" names no
    one); an all-lowercase one ("who is jeenbekov") by the corpus's names."""
    cased = any(ch.isupper() for ch in text)
    phrases: list[str] = []
    for piece in re.split(r"[,;:.!?()\"\u201c\u201d]+", text):
        current: list[str] = []
        for at, word in enumerate(re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", piece)):
            bare = re.sub(r"['\u2019]s?$", "", word)
            name = _spelled(bare.lower(), names, knowledge)
            if name is not None and (not cased or (at > 0 and word[0].isupper()) or name != bare.lower()):
                current.append(bare if cased and name == bare.lower() else name.capitalize())
                if bare != word:  # "Atambayev's house": the name ends at its possessive
                    phrases.append(" ".join(current))
                    current = []
            elif current:
                phrases.append(" ".join(current))
                current = []
        if current:
            phrases.append(" ".join(current))
    return phrases


def _spelled(word: str, names: frozenset[str], knowledge: KnowledgeBase | None) -> str | None:
    """The corpus's name a word is, as the corpus spells it; None when it is no name."""
    if word in names:
        return word
    if knowledge is None or len(word) < 5 or word in STOP_WORDS:
        return None
    close = knowledge.fuzzy.closest(word)
    return close[0] if close is not None and close[0] in names and close[1] >= 0.75 else None


def _people(text: str, knowledge: KnowledgeBase) -> list[str]:
    """The name phrases of a text that name people ("Kursan Asanov", not "Koi Tash" or "GKNB")."""
    people = knowledge.people
    return [p for p in _name_phrases(text, knowledge.names | people, knowledge)
            if any(w.lower() in people for w in p.split())]


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




def _possessed(text: str, known: frozenset[str]) -> str:
    """"atambayev's house", "the officer's family": a name's (or a thing's) something; "" when there is none."""
    for match in _POSSESSED.finditer(text):
        owner = match.group(1).lower()
        if match.group(2) not in STOP_WORDS and (owner in known or owner not in STOP_WORDS):
            return f"{match.group(1)}'s {match.group(2)}"
    return ""


MENTIONS_KEPT = 12  # the most salient mentions a conversation keeps
REFERENTS = 3  # readings per pronoun: its most salient compatible referents
MAX_READINGS = 5  # readings of one message, the question as it stands included: each costs an answer
QUOTE_GROUPS = 3  # groups an answer's quote leaves behind ("supporters", "raiders", "hostages")


def mentions_in(text: str, knowledge: KnowledgeBase, turn: int, *, asked: bool = True) -> list[Mention]:
    """The people, groups and things a question names ("Kursan Asanov", "the hostages", "atambayev's house"); of an
    answer's quote (`asked` False), its people and the groups it names ("supporters", "special forces")."""
    genders = persons(knowledge)
    people = _people(text, knowledge)
    found = [Mention(p, "person", genders.gender(p), False, turn, 1, asked) for p in people]
    if len(people) >= 2:
        found.append(Mention(" and ".join(people), "group", "", True, turn, 1, asked))
    known = knowledge.names | knowledge.people
    vocabulary = knowledge.retriever.vocabulary_
    if not asked:
        groups = [w for w in dict.fromkeys(_content(words(text))) if plural(w) and stem(w) in vocabulary
                  and w not in known]
        return found + [Mention(f"the {w}", "group", "", True, turn, 1, False) for w in groups[:QUOTE_GROUPS]]
    phrase = _possessed(text, known) or _determiner_phrase(text)
    head = words(phrase)[-1] if phrase and words(phrase) else ""
    # a thing is named by a noun the corpus uses ("the officer", "atambayev's house"), not "the kyrgyz" or "the 2nd"
    if (head and len(head) > 3 and head not in known and stem(head) in vocabulary
            and not re.match(r"(?:his|her|their|its|this|that|these|those)\b", phrase, re.IGNORECASE)):
        many = plural(phrase)
        found.append(Mention(phrase, "group" if many else "thing", "", many, turn, 1, asked))
    for word in _content(words(text)):  # "hostages - who were they": plural nouns the corpus uses
        if plural(word) and stem(word) in vocabulary and not any(word in m.text.lower() for m in found) \
                and word not in known:
            found.append(Mention(f"the {word}", "group", "", True, turn, 1, asked))
    return found


def _key(mention: Mention) -> str:
    tokens = words(mention.text)
    return tokens[-1] if mention.kind == "person" and tokens else " ".join(tokens)


def remember(previous: Sequence[Mention], new: Sequence[Mention]) -> tuple[Mention, ...]:
    """The conversation's mentions with this turn's added: one named again is counted again and moves to this turn
    (a person by surname: "Atambayev" and "Almazbek Atambayev" are one)."""
    kept: dict[str, Mention] = {_key(m): m for m in previous}
    for mention in new:
        key = _key(mention)
        old = kept.get(key)
        if old is None:
            kept[key] = mention
        elif old.turn != mention.turn or mention.asked and not old.asked:
            text = mention.text if len(mention.text) >= len(old.text) else old.text
            kept[key] = Mention(text, old.kind, old.gender or mention.gender, old.plural, mention.turn,
                                old.count + (old.turn != mention.turn), old.asked or mention.asked)
    ranked = sorted(kept.values(), key=lambda m: (m.turn, m.count), reverse=True)
    return tuple(ranked[:MENTIONS_KEPT])


def salience(mention: Mention, mentions: Sequence[Mention], turn: int) -> float:
    """Named last weighs most, then named most, then the chat's main person; a question's naming more than a
    quote's."""
    people = [m for m in mentions if m.kind == "person"]
    main = max(people, key=lambda m: (m.count, m.turn)) if people else None
    return (1.0 / (1 + max(turn - mention.turn, 0)) + 0.25 * mention.count + (0.5 if mention is main else 0.0)
            + (0.25 if mention.asked else 0.0))


_HE = frozenset("he him his himself".split())
_SHE = frozenset("she her hers herself".split())
_THEY = frozenset("they them their theirs themselves these those".split())
_IT = frozenset("it its this that".split())


def _compatible(pronoun: str, mention: Mention) -> bool:
    if pronoun in _THEY:
        return mention.plural
    if mention.plural:
        return False
    if pronoun in _HE:
        return mention.kind != "person" or mention.gender in ("m", "")
    if pronoun in _SHE:
        return mention.kind != "person" or mention.gender in ("f", "")
    return mention.kind != "person"  # it, this, that


def _put_in(text: str, pronoun: str, referent: str) -> str:
    owned = PERSON_PRONOUNS.get(pronoun, THING_PRONOUNS.get(pronoun, ""))
    if owned:
        owned = "'" if referent.endswith("s") else "'s"
    return _replace_word(text, pronoun, referent + owned)


def english(text: str, loanwords: LoanwordTable | None = None) -> str:
    """A message as the answer path reads it: the words of other languages readers mix in put in English
    (`LoanwordTable`), and informal spellings read ("whats", "ppl")."""
    translated = loanwords.english(text) if loanwords is not None else text
    return expand_informal(translated)


def readings(text: str, topic: Topic | None, knowledge: KnowledgeBase, *,
             event: Callable[[], str] | None = None) -> list[Reading]:
    """The ways a question may be meant, the question as it stands first (see the module's doc). `event` names the
    event itself, for a bare "this" or "it" ("when did this happen exactly")."""
    alone = Reading(text)
    if topic is None:
        return [alone]
    leads = _LEADS.match(text)
    if leads and _QUESTION_START.match(text[leads.end():]):
        # "and what does he accuse atambayev of": the question after "and", read the same way
        inner = readings(text[leads.end():], topic, knowledge, event=event)
        return [replace(inner[0], question=text), *inner[1:]]
    tokens = words(text)
    own = _content(tokens)
    names = knowledge.names | knowledge.people
    found: list[Reading] = []
    pronoun = next((t for t in tokens if t in PERSON_PRONOUNS or t in THING_PRONOUNS), None)
    person_pronoun = pronoun in PERSON_PRONOUNS if pronoun else False
    # "what revolution did she lead": a "she" still wants a person when the question names only a thing
    names_itself = bool(_people(text, knowledge) if person_pronoun else _name_phrases(text, names, knowledge))
    leaning = pronoun is not None and not names_itself and (person_pronoun or len(own) < 2)
    if leaning:
        assert pronoun is not None
        turn = topic.turn + 1
        ranked = sorted((m for m in topic.mentions if _compatible(pronoun, m)),
                        key=lambda m: (m.kind != "person" if person_pronoun else False,
                                       -salience(m, topic.mentions, turn)))
        for rank, mention in enumerate(ranked[:REFERENTS]):
            found.append(Reading(_put_in(text, pronoun, mention.text), mention.text, mention.kind, rank, True))
        named = event() if event is not None and pronoun in _IT and not own else ""
        if named:  # "when did this happen exactly": the event itself
            found.append(Reading(_replace_word(text, pronoun, named), "the event", "event", 0, True))
    bare = _LEADS.sub("", text).strip(" ?.!")
    if not own and not leaning and _OPENING_WH.match(bare):
        # "When?", "why", "Per whom?", "Platform?", "what accusations exactly": the question asks about the last
        # question, or about its answer
        subject = next((m.text for m in topic.mentions if m.turn == topic.turn and m.asked), None)
        asked = bare if (not own and _OPENING_WH.match(bare)) or not topic.question else None
        found.append(Reading(f"{bare} {_rest_of(topic.question)}" if asked else f"{bare}: {topic.question}",
                             subject, "last question", 0, True))
        quoted = knowledge.chunk(topic.chunk_ids[0]) if topic.chunk_ids and topic.shown == "answer" else None
        if quoted is not None:
            found.append(Reading(f"{bare}: {' '.join(quoted.text.split()[:20])}", subject, "last answer", 0, True))
    elif leads and own and not _QUESTION_START.match(bare):
        # "and the hostages?", "what about jeenbekov": the last question asked again of something else
        previous = topic.question
        swapped = None
        for mention in topic.mentions:
            if mention.turn == topic.turn and re.search(rf"\b{re.escape(mention.text)}\b", previous, re.IGNORECASE):
                swapped = re.sub(rf"\b{re.escape(mention.text)}\b", bare, previous, count=1, flags=re.IGNORECASE)
                break
        if swapped is None:
            opening = _OPENING_WH.match(previous)
            swapped = f"{opening.group(1)} {bare}" if opening else None
        if swapped is not None:
            found.append(Reading(swapped, bare, "swap", 0, True))
    return [Reading(text, leaning=bool(found)), *found[: MAX_READINGS - 1]]


def topic_after(reading: Reading, answer: Answer, knowledge: KnowledgeBase, previous: Topic | None, *,
                question_id: int | None = None) -> Topic:
    """What the conversation keeps after a question was answered (or declined) as `reading`: the question as read,
    and for an answer its logged id and quotes; the people, groups and things named, in the question and in the
    quote shown."""
    turn = (previous.turn if previous is not None else 0) + 1
    named = mentions_in(reading.question, knowledge, turn)
    shown = answer.shown or answer.passages[:1]
    if answer.answered and shown:
        named += mentions_in(shown[0].quote, knowledge, turn, asked=False)
    mentions = remember(previous.mentions if previous is not None else (), named)
    if not answer.answered and previous is not None:
        return Topic(reading.question, previous.question_id, previous.chunk_ids, previous.shown, previous.page, turn,
                     mentions)
    return Topic(reading.question, question_id, tuple(p.chunk_id for p in shown) if answer.answered else (),
                 "answer", 0, turn, mentions)


def _rest_of(question: str) -> str:
    """A question without its opening question word: "what happened to the gate" -> "happened to the gate"."""
    return _OPENING_WH.sub("", question, count=1).strip(" ?.!")


def _replace_word(text: str, word: str, by: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", by, text, count=1, flags=re.IGNORECASE)


class Answers(Protocol):
    """What answering in context needs of a service (QAService, or the benchmark's bare answerer)."""

    @property
    def knowledge(self) -> KnowledgeBase: ...

    def answer_in_context(self, question: str, readings: Sequence[Reading], *, top_k: int | None = None,
                          shown: Sequence[int] = ()) -> tuple[LoggedAnswer, Reading]: ...


def ask_in_context(service: Answers, question: str, contexts: ContextStore | None, conversation: ConversationKey,
                   top_k: int | None = None) -> tuple[Answer, Reading]:
    """Answer `question` in the light of `conversation` and leave what it named behind (with no `contexts`, the
    question stands alone and nothing is remembered)."""
    topic = contexts.get(conversation) if contexts is not None else None
    text = english(question)
    logged, reading = service.answer_in_context(question, readings(text, topic, service.knowledge), top_k=top_k,
                                                shown=topic.chunk_ids if topic is not None else ())
    if contexts is not None:
        contexts.set(conversation, topic_after(reading, logged.answer, service.knowledge, topic))
    return logged.answer, reading
