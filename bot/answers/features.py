"""What the answer model reads: the candidate sentences for a question, and what each one has for it.

Candidates are the lexical search's best `LEXICAL` sentences and, with the meaning layer, the `SEMANTIC` sentences
closest in meaning to the question (`Vectors.closest`). Each gets one row of `NAMES` features: how well it matches
the question's words (exactly, through the synonym table, a spelling or a neighbour in meaning; in itself or in the
sentences beside it), how close it is in meaning, whether it holds the kind of answer asked for (a figure for how
many, a date for when, a person or organisation for who, a place for where, a definition for what is, a cause for
why), and the question's own shape (its type, its words the corpus never uses).

Features carry over to other corpora: scores are shares of the question's weight, ranks and gaps are relative to the
other candidates, and nothing says where a sentence sits or how long it is.

What each sentence holds (its terms, cues, figures, names) is worked out once per knowledge base and kept
(`SentenceFacts`), so a question costs its candidates' look-ups, not their parsing.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.answers.counting import counted_terms, figures_counting
from bot.answers.highlight import answer_span
from bot.corpus.records import ChunkRow
from bot.search import KnowledgeBase, meaning
from bot.search.cues import CUE_OF, AnswerType, Cue, defines, definition_subject, figures, question_type
from bot.search.meaning import Vectors
from bot.search.retrieval import Query
from bot.search.textproc import STOP_WORDS, expand_informal, stem, words

LEXICAL = 20  # the lexical search's best sentences considered
SEMANTIC = 10  # and the sentences closest in meaning
TYPES: tuple[str, ...] = ("number", "date", "person", "place", "reason", "polarity", "speech", "definition")
NAMES: tuple[str, ...] = (
    # the question
    *(f"q_{t}" for t in TYPES), "q_none", "q_unknown_share", "q_unknown_after", "q_concepts", "q_names",
    "q_best_lex", "q_best_cos", "q_cos_spread",
    # the candidate: scores, and their ranks and gaps among the candidates
    "lex", "lex_rel", "lex_rank", "lex_listed", "cos", "cos_gap", "cos_rank", "blend", "blend_rank",
    # how it matches the question's words
    "match_exact", "match_soft", "match_any", "match_context", "names_matched", "novel_share",
    # whether it holds the kind of answer asked for
    "cue_wanted", "span_found", "figure_new", "figure_counts", "date_like", "org_or_person", "defines",
    "cause_words", "quoted", "negation", "uncovered_max", "uncovered_count", "neighbour_share", "q_unknown_count",
    "q_neighbour_share", "q_focus", "new_entity", "new_figure_or_date",
)
_COLUMN = {name: i for i, name in enumerate(NAMES)}
_CAUSE = frozenset(stem(w) for w in "because over after amid accused accusing charges charged since due reason "
                   "following suspect suspected investigation prosecute corruption".split())
_WHEN_WORDS = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
                         r"january|february|march|april|may|june|july|august|september|october|november|december|"
                         r"morning|evening|night|(?:1[0-9]|20)[0-9]{2})\b", re.IGNORECASE)
_ORGANISATION = re.compile(r"\b[A-Z]{2,6}\b|\b(?:[A-Z][a-z]+ )*(?:Ministry|Committee|Agency|Service|Police|Forces|"
                           r"Parliament|Government|Council|Court|Office)\b")
# "what model", "which hospital", "whats the name": the question wants a particular thing named
_FOCUS = re.compile(r"\b(?:what|which|wat|whats|what's)\s+(?:is\s+|was\s+|were\s+)?(?:the\s+)?(?:name|model|type|kind|"
                    r"brand|make|hospital|unit|rank|party|article|platform|network|channel|site|agency|company|city|"
                    r"country|village|title|age|year|day|date|time|number|gun|weapon|crime|charge|case)\b",
                    re.IGNORECASE)
_ENTITY = re.compile(r"(?<=[a-z0-9,;:)\u201d\"] )([A-Z][A-Za-z-]+)")
_SPAN_TYPES = frozenset({"number", "date", "person", "place"})  # the kinds `answer_span` finds a part for
FACTS_KEPT = 200_000  # sentences whose facts are kept per knowledge base


@dataclass(frozen=True)
class SentenceFacts:
    """What one quotable sentence holds, worked out once: its quote (whole quotations), its index terms and those
    of the sentences beside it, its content stems, answer cues, figures, and the names in it."""

    quote: str
    terms: frozenset[str]
    around: frozenset[str]
    stems: frozenset[str]
    lowered_words: frozenset[str]
    cues: int
    figures: frozenset[str]
    when_words: tuple[str, ...]
    entities: tuple[str, ...]
    organisation: bool
    cause: bool
    quoted: bool


class _Facts:
    """SentenceFacts by chunk id for one knowledge base, made on first use, the least recently used dropped."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = weakref.proxy(knowledge)
        self._kept: OrderedDict[int, SentenceFacts] = OrderedDict()
        self._lock = threading.Lock()
        self._cues = np.concatenate([s.cues for s in knowledge.retriever.segments_]) if knowledge.retriever.segments_ \
            else np.zeros(0, dtype=np.uint8)
        self._by_key: tuple[np.ndarray, np.ndarray] | None = None

    def chunks_of(self, keys: Sequence[int]) -> list[int]:
        """The chunk ids of sentences with these text keys (`ChunkTable.keys`), in the keys' order: a key is a
        sentence's text, so two chunks may share one, and a key of a sentence no longer indexed has none."""
        if self._by_key is None:
            table = self.knowledge.table
            order = np.argsort(table.keys, kind="stable")
            self._by_key = (table.keys[order], table.ids[order])
        sorted_keys, ids = self._by_key
        found: list[int] = []
        for key in keys:
            at = int(np.searchsorted(sorted_keys, key))
            while at < len(sorted_keys) and sorted_keys[at] == key:
                found.append(int(ids[at]))
                at += 1
        return found

    def get(self, row: ChunkRow) -> SentenceFacts:
        with self._lock:
            found = self._kept.get(row.chunk_id)
            if found is not None:
                self._kept.move_to_end(row.chunk_id)
                return found
        made = self._make(row)
        with self._lock:
            self._kept[row.chunk_id] = made
            if len(self._kept) > FACTS_KEPT:
                self._kept.popitem(last=False)
        return made

    def _make(self, row: ChunkRow) -> SentenceFacts:
        knowledge = self.knowledge
        analyze = knowledge.retriever.analyzer
        quote = knowledge.readable(row)
        around: set[str] = set()
        for other in knowledge.neighbours(row.chunk_id, before=1, after=1):
            if other.chunk_id != row.chunk_id:
                around.update(analyze(other.text))
        tokens = words(quote)
        stems = frozenset(stem(w) for w in tokens if w not in STOP_WORDS)
        index = knowledge.table.index_of(row.chunk_id)
        cues = int(self._cues[index]) if index is not None and index < len(self._cues) else 0
        return SentenceFacts(
            quote=quote, terms=frozenset(analyze(quote)), around=frozenset(around), stems=stems,
            lowered_words=frozenset(tokens), cues=cues, figures=figures(quote),
            when_words=tuple(m.lower() for m in _WHEN_WORDS.findall(quote)),
            entities=tuple(m.group(1) for m in _ENTITY.finditer(quote)),
            organisation=bool(_ORGANISATION.search(quote)), cause=not stems.isdisjoint(_CAUSE),
            quoted='"' in quote or "\u201c" in quote,
        )


_FACTS: weakref.WeakKeyDictionary[KnowledgeBase, _Facts] = weakref.WeakKeyDictionary()
_FACTS_LOCK = threading.Lock()


def facts_of(knowledge: KnowledgeBase) -> _Facts:
    with _FACTS_LOCK:
        found = _FACTS.get(knowledge)
        if found is None:
            found = _FACTS[knowledge] = _Facts(knowledge)
        return found


@dataclass(frozen=True)
class Candidates:
    """The candidate sentences for a question, in no particular order, and their features (one row each).
    `with_meaning` is false when their features were made without the meaning layer (it is off, or some candidate
    has no sentence vector yet): the lexical model reads them then."""

    question: str  # as it is read: informal spellings expanded
    query: Query
    answer_type: AnswerType | None
    chunk_ids: tuple[int, ...]
    rows: tuple[ChunkRow, ...]
    quotes: tuple[str, ...]
    features: np.ndarray
    with_meaning: bool

    def __len__(self) -> int:
        return len(self.chunk_ids)


def candidates(knowledge: KnowledgeBase, vectors: Vectors | None, question: str) -> Candidates:
    """The candidate sentences for `question` and their features."""
    asked = expand_informal(question.strip())
    query = plain = knowledge.parse(asked)
    if vectors is not None and query.unknown:  # "cops" -> "police": corpus words close in meaning
        vocabulary = knowledge.retriever.vocabulary_
        query = meaning.with_neighbours(query, vectors, lambda word: vocabulary.get(stem(word)))
    lexical = {hit.chunk_id: (hit.score, rank) for rank, hit in enumerate(knowledge.search(query, LEXICAL))}
    ids = list(lexical)
    question_vector = vectors.question(asked) if vectors is not None else None
    facts = facts_of(knowledge)
    if question_vector is not None and vectors is not None:
        # (keys of sentences no longer indexed may be among the closest: a few more are asked for)
        close = facts.chunks_of(vectors.closest(question_vector, SEMANTIC + SEMANTIC // 2))
        ids += [c for c in dict.fromkeys(close) if c not in lexical][:SEMANTIC]
    rows = [(c, knowledge.chunk(c)) for c in ids]
    kept = [(c, r) for c, r in rows if r is not None and r.document_id in knowledge.documents]
    ids = [c for c, _ in kept]
    keys = knowledge.table.keys_of(ids) if vectors is not None and ids else None
    sentence_vectors = vectors.sentences(keys) if vectors is not None and keys is not None else None
    cosines = sentence_vectors @ question_vector if sentence_vectors is not None and question_vector is not None \
        else None
    sentence_facts = [facts.get(r) for _, r in kept]
    kind = question_type(asked)
    features = _features(knowledge, query, plain, asked, kind, ids, lexical, cosines, sentence_facts)
    return Candidates(asked, query, kind, tuple(ids), tuple(r for _, r in kept),
                      tuple(f.quote for f in sentence_facts), features, cosines is not None)


def _ranks(values: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(-values, kind="stable"), kind="stable").astype(np.float32)


def _features(knowledge: KnowledgeBase, query: Query, plain: Query, asked: str, kind: AnswerType | None,
              ids: list[int], lexical: dict[int, tuple[float, int]], cosines: np.ndarray | None,
              facts: list[SentenceFacts]) -> np.ndarray:
    n = len(ids)
    x = np.zeros((n, len(NAMES)), dtype=np.float32)
    if n == 0:
        return x
    c = _COLUMN
    cos = cosines.astype(np.float32) if cosines is not None else np.zeros(n, dtype=np.float32)
    lex = np.array([lexical.get(i, (0.0, LEXICAL))[0] for i in ids], dtype=np.float32)
    lex_rank = np.array([lexical.get(i, (0.0, LEXICAL))[1] for i in ids], dtype=np.float32)
    best_lex, best_cos = float(lex.max()), float(cos.max())
    lex_rel = lex / best_lex if best_lex > 0 else lex
    blend = 0.5 * lex_rel + 0.5 * cos

    subject = definition_subject(asked)
    qtype = "definition" if subject is not None and kind in (None, "person", "polarity") else kind
    term = knowledge.retriever.term
    concepts = query.concepts
    total = sum(concept.weight for concept in concepts) or 1.0
    idf_max = knowledge.retriever.idf_max_ or 1.0
    known_names = knowledge.names | knowledge.people
    asked_words = words(asked)
    asked_names = {stem(w) for w in asked_words if w in known_names}
    asked_stems = {stem(w) for w in asked_words if w not in STOP_WORDS}
    asked_lower = asked.lower()
    asked_figures = figures(asked)
    counted = counted_terms(asked, query, term) if qtype == "number" else frozenset()
    heads: frozenset[str] = frozenset()
    if subject is not None:
        parsed = [concept for concept in knowledge.parse(subject).concepts if concept.alternatives]
        if parsed:
            heads = frozenset(term(t) for t, _ in parsed[-1].alternatives)
    via_neighbour = ([not a.alternatives and bool(b.alternatives) for a, b in zip(plain.concepts, concepts)]
                     if len(plain.concepts) == len(concepts) else [False] * len(concepts))
    alternatives = [[(term(t), f) for t, f in concept.alternatives] for concept in concepts]

    for t in TYPES:
        x[:, c[f"q_{t}"]] = qtype == t
    x[:, c["q_none"]] = qtype is None
    x[:, c["q_unknown_share"]] = plain.unknown_share
    x[:, c["q_unknown_after"]] = query.unknown_share
    x[:, c["q_unknown_count"]] = min(len(plain.unknown), 5)
    x[:, c["q_neighbour_share"]] = sum(k.weight for k, v in zip(concepts, via_neighbour) if v) / total
    x[:, c["q_concepts"]] = min(len(concepts), 12)
    x[:, c["q_names"]] = min(len(asked_names), 4)
    x[:, c["q_best_lex"]] = best_lex
    x[:, c["q_best_cos"]] = best_cos
    x[:, c["q_cos_spread"]] = best_cos - float(np.median(cos))
    x[:, c["q_focus"]] = bool(_FOCUS.search(asked))
    x[:, c["lex"]] = lex
    x[:, c["lex_rel"]] = lex_rel
    x[:, c["lex_rank"]] = np.log1p(lex_rank)
    x[:, c["lex_listed"]] = lex_rank < LEXICAL
    x[:, c["cos"]] = cos
    x[:, c["cos_gap"]] = best_cos - cos
    x[:, c["cos_rank"]] = np.log1p(_ranks(cos))
    x[:, c["blend"]] = blend
    x[:, c["blend_rank"]] = np.log1p(_ranks(blend))
    wanted_cue = int(CUE_OF[kind]) if kind is not None else 0
    spans = qtype in _SPAN_TYPES
    for i, f in enumerate(facts):
        exact = soft = matched = beside = neighbour = 0.0
        uncovered: list[float] = []
        for concept, options, via in zip(concepts, alternatives, via_neighbour):
            best = max((factor for t, factor in options if t in f.terms), default=0.0)
            if best >= 0.999:
                exact += concept.weight
            soft += concept.weight * best
            if best > 0:
                matched += concept.weight
                if via:
                    neighbour += concept.weight
            else:
                uncovered.append(concept.weight / idf_max)
                if any(t in f.around for t, _ in options):
                    beside += concept.weight
        x[i, c["match_exact"]] = exact / total
        x[i, c["match_soft"]] = soft / total
        x[i, c["match_any"]] = matched / total
        x[i, c["match_context"]] = beside / total
        x[i, c["uncovered_max"]] = max(uncovered, default=0.0)
        x[i, c["uncovered_count"]] = min(len(uncovered), 5)
        x[i, c["neighbour_share"]] = neighbour / total
        x[i, c["names_matched"]] = len(asked_names & {stem(w) for w in f.lowered_words}) / len(asked_names) \
            if asked_names else 1.0
        x[i, c["novel_share"]] = len(f.stems - asked_stems) / max(len(f.stems), 1)
        x[i, c["cue_wanted"]] = bool(f.cues & wanted_cue) if wanted_cue else 0.5
        x[i, c["span_found"]] = answer_span(asked, f.quote) is not None if spans else 0.0
        new_figures = bool(f.figures - asked_figures)
        x[i, c["figure_new"]] = new_figures
        x[i, c["figure_counts"]] = bool(figures_counting(f.quote, counted)) if counted else 0.5
        x[i, c["date_like"]] = bool(f.when_words)
        x[i, c["org_or_person"]] = f.organisation or bool(f.cues & int(Cue.PERSON))
        x[i, c["defines"]] = defines(f.quote, heads) if heads else -1
        x[i, c["cause_words"]] = f.cause
        x[i, c["quoted"]] = f.quoted
        x[i, c["negation"]] = bool(f.cues & int(Cue.POLARITY))
        x[i, c["new_entity"]] = any(stem(e.lower()) not in asked_stems and e.lower() not in asked_lower
                                    for e in f.entities)
        x[i, c["new_figure_or_date"]] = new_figures or any(w not in asked_lower for w in f.when_words)
    return x
