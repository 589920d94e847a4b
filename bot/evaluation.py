"""The answer-quality benchmark: our answer path beside plain baselines on the same sentences.

Datasets: the team's event set (benchmarks/data/event_questions.jsonl against corpus/),
SQuAD v1.1 pooled (every sentence of every article in one index; a hit is a sentence
containing a gold answer) and the SQuAD 2.0 two-article sample (declines). Baselines
(scikit-learn TfidfVectorizer defaults, bm25s with Snowball + English stop words) are
development dependencies; a missing one or a missing dataset is skipped, saying so.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.answers.answering import Answerer
from bot.corpus.chunking import chunk_text
from bot.corpus.documents import list_files, read_file
from bot.search import KnowledgeBase
from bot.corpus.records import ChunkRow, DocumentRef
from bot.search.encoder import shared_encoder
from bot.search.meaning import Vectors
from bot.search.synonyms import SynonymTable

ROOT = Path(__file__).resolve().parent.parent
EVENT_SET = ROOT / "benchmarks" / "data" / "event_questions.jsonl"
# Written after the development set was tuned on; scored unseen once, then its misses informed the decline rule.
EVENT_HOLDOUT = ROOT / "benchmarks" / "data" / "event_holdout.jsonl"
# Written before the last round of changes and scored only at its end: questions nobody tuned on.
EVENT_HOLDOUT2 = ROOT / "benchmarks" / "data" / "event_holdout2.jsonl"
# Written in readers' words before the answer-quality work of issue 12, scored once at its end.
EVENT_HOLDOUT3 = ROOT / "benchmarks" / "data" / "event_holdout3.jsonl"
# Written at the start of the second answer-quality round, before any change; scored unseen at its end.
EVENT_HOLDOUT4 = ROOT / "benchmarks" / "data" / "event_holdout4.jsonl"
# Written at the start of the third round (slang, misspellings); scored unseen at its end.
EVENT_HOLDOUT5 = ROOT / "benchmarks" / "data" / "event_holdout5.jsonl"
# Written at the start of the fourth round, before any change; scored unseen at its end.
EVENT_HOLDOUT6 = ROOT / "benchmarks" / "data" / "event_holdout6.jsonl"
SQUAD = ROOT / "benchmarks" / "data" / "squad"  # kept in the repository, CC BY-SA 4.0 (its README)
# Written at the start of the meaning-layer round (issue 21), before any change; scored once, at its end.
EVENT_HOLDOUT7 = ROOT / "benchmarks" / "data" / "event_holdout7.jsonl"
DIALOGUES_DEV = ROOT / "benchmarks" / "data" / "dialogues_dev.jsonl"
# Written before any conversation code and scored once, at the end of that work.
DIALOGUES_HOLDOUT = ROOT / "benchmarks" / "data" / "dialogues_holdout.jsonl"
K = 10
KEY = """How to read these tables (higher is better unless it says otherwise):
  P@1      share of answerable questions whose first quote holds a gold answer: what a user sees
  R@3      share whose gold answer is among the first three passages (what More reaches)
  MRR@10   mean of 1/rank of the first right passage in the top ten (0 when none is)
  unans. declined   share of questions the sources cannot answer that the bot declined (higher is better)
  ans. declined     share of answerable questions it declined although the sources say it (LOWER is better)
  decl. prec./rec.  of the declines, the share that were right / of the unanswerable, the share declined
  Baselines (sklearn, bm25s) never decline: their decline columns are '-'.
  Dialogues and chats: follow-up P@1 is the first quote of a question read in the chat's context; in chats,
  'standalone same as alone' must be 1.000 (context never changes a question that stands on its own) and
  'noise: no quote' the share of 👍, 'ok', '?' and other-language turns answered without a quote."""


@dataclass(frozen=True)
class Item:
    question: str
    answers: tuple[str, ...]  # empty: the text cannot answer it

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass
class Pool:
    rows: list[ChunkRow]
    documents: dict[int, DocumentRef]
    synonyms: SynonymTable = field(default_factory=SynonymTable)


@dataclass
class Scores:
    dataset: str
    method: str
    questions: int
    answerable: int
    p_at_1: float
    r_at_3: float
    mrr_at_10: float
    unanswerable_declined: float | None = None
    answerable_declined: float | None = None
    decline_precision: float | None = None
    decline_recall: float | None = None
    answered_correct: float | None = None
    ms_per_question: float = 0.0


Ranker = Callable[[str], tuple[list[int], bool | None]]  # -> ranked chunk ids, answered (None: no decline)


def pool_from_texts(texts: Sequence[tuple[str, str]]) -> Pool:
    """(title, text) documents -> sentence rows, one document per text."""
    rows: list[ChunkRow] = []
    documents: dict[int, DocumentRef] = {}
    for doc_id, (title, text) in enumerate(texts, start=1):
        documents[doc_id] = DocumentRef(doc_id, title)
        for chunk in chunk_text(text):
            rows.append(ChunkRow(len(rows) + 1, doc_id, chunk.position, chunk.text))
    return Pool(rows, documents)


def load_event(path: Path = EVENT_SET, corpus: Path = ROOT / "corpus") -> tuple[Pool, list[Item]]:
    records = [read_file(p) for p in list_files(corpus)]
    pool = pool_from_texts([(r.title, r.text) for r in records])
    pool.documents = {i: DocumentRef(i, r.title, r.publisher, r.date, r.url)  # as the bot knows them
                      for i, r in enumerate(records, start=1)}
    pool.synonyms = SynonymTable.load(corpus)
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            items.append(Item(data["q"], tuple(data["a"] or ())))
    return pool, items


def load_squad(path: Path) -> tuple[Pool, list[Item]]:
    data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))["data"]
    texts: list[tuple[str, str]] = []
    items: list[Item] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            texts.append((article["title"], paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = () if qa.get("is_impossible") else tuple({a["text"] for a in qa["answers"]})
                items.append(Item(qa["question"], answers))
    return pool_from_texts(texts), items


def pool_vectors(pool: Pool, knowledge: KnowledgeBase) -> Vectors | None:
    """The meaning layer's vectors for a pool (None when the model is off or absent: lexical figures)."""
    encoder = shared_encoder()
    if encoder is None:
        return None
    vectors = Vectors(encoder)
    vectors.add([r.chunk_id for r in pool.rows], [r.text for r in pool.rows], knowledge.surface)
    return vectors


def ours(pool: Pool, threshold: float, *, meaning: bool = True) -> Ranker:
    knowledge = KnowledgeBase.build(pool.rows, pool.documents, synonyms=pool.synonyms)
    answerer = Answerer(knowledge, threshold=threshold, top_k=K, vectors=pool_vectors(pool, knowledge) if meaning else None)

    def rank(question: str) -> tuple[list[int], bool | None]:
        answer = answerer.answer(question, K)
        return [p.chunk_id for p in answer.passages], answer.answered

    return rank


def sklearn_default(pool: Pool) -> Ranker:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform([r.text for r in pool.rows]).T.tocsr()
    ids = np.array([r.chunk_id for r in pool.rows])

    def rank(question: str) -> tuple[list[int], bool | None]:
        scores = (vectorizer.transform([question]) @ matrix).toarray()[0]
        top = np.argsort(-scores, kind="stable")[:K]
        return [int(ids[i]) for i in top if scores[i] > 0], None

    return rank


def bm25s_baseline(pool: Pool) -> Ranker:
    import logging

    import bm25s
    import Stemmer

    logging.getLogger("bm25s").setLevel(logging.WARNING)

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([r.text for r in pool.rows], stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)
    ids = np.array([r.chunk_id for r in pool.rows])
    k = min(K, len(pool.rows))

    def rank(question: str) -> tuple[list[int], bool | None]:
        tokens = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, show_progress=False)
        if not tokens.vocab:
            return [], None
        docs, scores = retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [int(ids[d]) for d, s in zip(docs[0], scores[0]) if s > 0], None

    return rank


def correct(quote: str, answers: Sequence[str]) -> bool:
    folded = quote.casefold()
    return any(a.casefold() in folded for a in answers)


def score(dataset: str, method: str, pool: Pool, items: Sequence[Item], ranker: Ranker) -> Scores:
    text_of = {r.chunk_id: r.text for r in pool.rows}
    p1 = r3 = mrr = 0.0
    declined_u = declined_a = answered_ok = 0
    has_decline = False
    started = time.perf_counter()
    for item in items:
        ranked, answered = ranker(item.question)
        if answered is not None:
            has_decline = True
        hits = [correct(text_of[c], item.answers) for c in ranked[:K]] if item.answerable else []
        if item.answerable:
            p1 += bool(hits and hits[0])
            r3 += any(hits[:3])
            mrr += next((1 / (i + 1) for i, h in enumerate(hits) if h), 0.0)
            if answered is False:
                declined_a += 1
            elif hits and hits[0]:
                answered_ok += 1
        elif answered is False:
            declined_u += 1
    elapsed = time.perf_counter() - started
    n_a = sum(i.answerable for i in items)
    n_u = len(items) - n_a
    result = Scores(dataset, method, len(items), n_a, p1 / max(n_a, 1), r3 / max(n_a, 1), mrr / max(n_a, 1),
                    ms_per_question=1000 * elapsed / max(len(items), 1))
    if has_decline:
        declined = declined_u + declined_a
        result.answerable_declined = declined_a / max(n_a, 1)
        result.answered_correct = answered_ok / max(n_a, 1)
        if n_u:
            result.unanswerable_declined = declined_u / n_u
            result.decline_recall = declined_u / n_u
            result.decline_precision = declined_u / declined if declined else 1.0
    return result


def available_datasets(names: Sequence[str]) -> tuple[dict[str, tuple[Pool, list[Item]]], list[str]]:
    loaders: dict[str, Callable[[], tuple[Pool, list[Item]]]] = {
        "event": load_event,
        "event-holdout": lambda: load_event(EVENT_HOLDOUT),
        "event-holdout2": lambda: load_event(EVENT_HOLDOUT2),
        "event-holdout3": lambda: load_event(EVENT_HOLDOUT3),
        "event-holdout4": lambda: load_event(EVENT_HOLDOUT4),
        "event-holdout5": lambda: load_event(EVENT_HOLDOUT5),
        "event-holdout6": lambda: load_event(EVENT_HOLDOUT6),
        "event-holdout7": lambda: load_event(EVENT_HOLDOUT7),
        "squad-a": lambda: load_squad(SQUAD / "squad-v1.1-dev-part-a.json.gz"),
        "squad-b": lambda: load_squad(SQUAD / "squad-v1.1-dev-part-b.json.gz"),
        "squad2": lambda: load_squad(SQUAD / "squad-v2.0-mini-dev-v2.0.json.gz"),
    }
    loaded, skipped = {}, []
    for name in names:
        try:
            loaded[name] = loaders[name]()
        except FileNotFoundError as error:
            skipped.append(f"{name}: {error.filename} is absent, so {name} is not scored")
    return loaded, skipped


def run(names: Sequence[str], threshold: float, methods: Sequence[str] = ("ours", "sklearn", "bm25s")) -> tuple[list[Scores], list[str]]:
    datasets, notes = available_datasets(names)
    results: list[Scores] = []
    for name, (pool, items) in datasets.items():
        builders: dict[str, Callable[[], Ranker]] = {
            "ours": lambda: ours(pool, threshold),
            "lexical": lambda: ours(pool, threshold, meaning=False),
            "sklearn": lambda: sklearn_default(pool),
            "bm25s": lambda: bm25s_baseline(pool),
        }
        for method in methods:
            try:
                ranker = builders[method]()
            except ImportError as error:
                notes.append(f"{method}: not installed ({error.name}); install the dev extras")
                continue
            results.append(score(name, method, pool, items, ranker))
    return results, notes


def table(results: Sequence[Scores]) -> str:
    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    header = ["dataset", "method", "n", "P@1", "R@3", "MRR@10", "unans. declined", "ans. declined",
              "decl. prec.", "decl. rec.", "ms/q"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        lines.append("| " + " | ".join([r.dataset, r.method, str(r.questions), fmt(r.p_at_1), fmt(r.r_at_3),
                                        fmt(r.mrr_at_10), fmt(r.unanswerable_declined), fmt(r.answerable_declined),
                                        fmt(r.decline_precision), fmt(r.decline_recall),
                                        f"{r.ms_per_question:.2f}"]) + " |")
    return "\n".join(lines)


def save(results: Sequence[Scores], notes: Sequence[str], path: Path, extra: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"results": [asdict(r) for r in results], "notes": list(notes), **extra}, indent=2) + "\n")


# --- conversations ------------------------------------------------------------------------------------------

@dataclass
class DialogueScores:
    dataset: str
    method: str
    follow_ups: int
    follow_up_p_at_1: float
    changes: int
    change_p_at_1: float
    unanswerable: int
    unanswerable_declined: float
    ms_per_turn: float = 0.0


class _BareAnswerer:
    """An `Answerer` with the face answering in context needs."""

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        self.knowledge = answerer.knowledge

    def answer(self, question: str, top_k: int | None = None) -> Any:
        return self.answerer.answer(question, top_k)


def load_dialogues(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_dialogues(dataset: str, path: Path, threshold: float, *, context: bool = True) -> DialogueScores:
    """Second and third turns: P@1 of follow-ups (the quote first shown is right, and it is shown), P@1 of
    questions that change the subject, and the share of unanswerable follow-ups declined."""
    from bot.conversation import Contexts, ask_in_context

    pool, _ = load_event()
    answerer = _BareAnswerer(Answerer(KnowledgeBase.build(pool.rows, pool.documents, synonyms=pool.synonyms),
                                      threshold=threshold, top_k=K))
    text_of = {r.chunk_id: r.text for r in pool.rows}
    hits: dict[str, list[bool]] = {"follow-up": [], "change": [], "unanswerable": []}
    turns = 0
    started = time.perf_counter()
    for dialogue in load_dialogues(path):
        contexts = Contexts() if context else None
        for number, turn in enumerate(dialogue["turns"]):
            answer, _ = ask_in_context(answerer, turn["q"], contexts, "chat")
            turns += 1
            if number == 0:
                continue
            if dialogue["kind"] == "unanswerable":
                hits["unanswerable"].append(not answer.answered)
            else:
                right = bool(answer.answered and answer.passages
                             and correct(text_of[answer.passages[0].chunk_id], turn["a"]))
                hits[dialogue["kind"]].append(right)
    elapsed = time.perf_counter() - started

    def share(values: list[bool]) -> float:
        return sum(values) / len(values) if values else 0.0

    return DialogueScores(dataset, "ours" if context else "ours, no context", len(hits["follow-up"]),
                          share(hits["follow-up"]), len(hits["change"]), share(hits["change"]),
                          len(hits["unanswerable"]), share(hits["unanswerable"]), 1000 * elapsed / max(turns, 1))


def dialogue_table(results: Sequence[DialogueScores]) -> str:
    lines = ["| dialogues | method | follow-ups | follow-up P@1 | subject changes | change P@1 | unanswerable "
             "follow-ups | declined | ms/turn |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.dataset} | {r.method} | {r.follow_ups} | {r.follow_up_p_at_1:.3f} | {r.changes} | "
                     f"{r.change_p_at_1:.3f} | {r.unanswerable} | {r.unanswerable_declined:.3f} | "
                     f"{r.ms_per_turn:.2f} |")
    return "\n".join(lines)


# --- whole chats --------------------------------------------------------------------------------------------

CHATS_DEV = ROOT / "benchmarks" / "data" / "chats_dev.jsonl"
# Written before the conversation round of issue 23 (readers' style, noise, votes, "more", "source?") and
# scored once, at its end.
CHATS_HOLDOUT = ROOT / "benchmarks" / "data" / "chats_holdout.jsonl"
QUOTING_KINDS = frozenset({"answer", "brief", "more"})


@dataclass
class ChatScores:
    """Per chat set: `standalone_same` is the share of standalone turns whose in-chat reply (first quote, or a
    decline) is what the same question gets alone; P@1 counts a turn right when its first quote holds a gold
    string; `no_quote` is the share of noise, vote and other-language turns that quote nothing; `more_ok`,
    `source_ok`, `vote_ok` and `language_ok` whether those turns were understood as such."""

    dataset: str
    turns: int
    standalone: int
    standalone_same: float
    standalone_p_at_1: float
    standalone_unanswerable_declined: float
    follow_ups: int
    follow_up_p_at_1: float
    follow_up_unanswerable_declined: float
    noise: int
    no_quote: float
    vote_ok: float
    more_ok: float
    source_ok: float
    language_ok: float
    ms_per_turn: float = 0.0


def _first_quote(record: dict[str, Any]) -> str | None:
    if record.get("kind", "answer") in QUOTING_KINDS and record.get("answered") and record.get("passages"):
        return str(record["passages"][0]["quote"])
    return None


def score_chats(dataset: str, path: Path, threshold: float, corpus: Path = ROOT / "corpus") -> ChatScores:
    """Each chat's turns go through `ask --json` chat lines, in order, as one conversation; each standalone turn
    is also asked alone, as a plain line."""
    from bot.ask_lines import ask_line
    from bot.conversation import Contexts
    from bot.service import QAService
    from bot.storage import Database

    service = QAService(Database.in_memory(), threshold=threshold, meaning=True)
    service.start(corpus)
    hits: dict[str, list[bool]] = {}

    def add(name: str, value: bool) -> None:
        hits.setdefault(name, []).append(value)

    turns = 0
    started = time.perf_counter()
    for chat in load_dialogues(path):
        contexts = Contexts()
        for turn in chat["turns"]:
            turns += 1
            record = ask_line(json.dumps({"chat": chat["id"], "question": turn["q"]}), service, contexts, 3)
            first, kind = _first_quote(record), turn["kind"]
            if kind in ("standalone", "follow-up"):
                if turn["a"]:
                    add(f"{kind} p@1", first is not None and correct(first, turn["a"]))
                else:
                    add(f"{kind} declined", first is None)
                if kind == "standalone":
                    add("same", _first_quote(ask_line(turn["q"], service, contexts, 3)) == first)
                continue
            if kind in ("noise", "vote", "other-language"):
                add("no quote", first is None)
            # "then what" asks for more of the story: the events after the last quote answer it as well as More
            expected = {"vote": {"vote"}, "more": {"more", "sequence"}, "source": {"source"},
                        "other-language": {"other_language"}}
            if kind in expected:
                add(kind, record.get("kind") in expected[kind])
    elapsed = time.perf_counter() - started

    def share(name: str) -> float:
        values = hits.get(name, [])
        return sum(values) / len(values) if values else 0.0

    standalone = len(hits.get("same", []))
    follow_ups = len(hits.get("follow-up p@1", [])) + len(hits.get("follow-up declined", []))
    return ChatScores(dataset, turns, standalone, share("same"), share("standalone p@1"), share("standalone declined"),
                      follow_ups, share("follow-up p@1"), share("follow-up declined"), len(hits.get("no quote", [])),
                      share("no quote"), share("vote"), share("more"), share("source"), share("other-language"),
                      1000 * elapsed / max(turns, 1))


def chat_table(results: Sequence[ChatScores]) -> str:
    header = ["chats", "turns", "standalone same as alone", "standalone P@1", "standalone unans. declined",
              "follow-up P@1", "follow-up unans. declined", "noise: no quote", "votes", "more", "source?",
              "other language", "ms/turn"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        cells = [r.dataset, str(r.turns), f"{r.standalone_same:.3f}", f"{r.standalone_p_at_1:.3f}",
                 f"{r.standalone_unanswerable_declined:.3f}", f"{r.follow_up_p_at_1:.3f}",
                 f"{r.follow_up_unanswerable_declined:.3f}", f"{r.no_quote:.3f}", f"{r.vote_ok:.3f}",
                 f"{r.more_ok:.3f}", f"{r.source_ok:.3f}", f"{r.language_ok:.3f}", f"{r.ms_per_turn:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
