"""Question sets scored one question at a time: our answer path beside plain baselines on the same sentences.

The event sets and SQuAD (`datasets`), each ranked by ours (with and without the meaning layer), scikit-learn's
TfidfVectorizer defaults and bm25s with Snowball + English stop words. The baselines are development
dependencies; a missing one or a missing dataset is skipped, saying so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.answers.answering import Answerer
from bot.evaluation.datasets import (EVENT_HOLDOUT, EVENT_HOLDOUT2, EVENT_HOLDOUT3, EVENT_HOLDOUT4, EVENT_HOLDOUT5,
                                     EVENT_HOLDOUT6, EVENT_HOLDOUT7, EVENT_HOLDOUT8, EVENT_TRAIN, K, SQUAD, Item, Pool, correct, load_event,
                                     load_squad)
from bot.search import KnowledgeBase
from bot.search.encoder import shared_encoder
from bot.search.meaning import Vectors


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

def pool_vectors(pool: Pool, knowledge: KnowledgeBase) -> Vectors | None:
    """The meaning layer's vectors for a pool (None when the model is off or absent: lexical figures)."""
    encoder = shared_encoder()
    if encoder is None:
        return None
    vectors = Vectors(encoder)
    table = knowledge.table
    vectors.add(table.keys.tolist(), [table.text(i) for i in range(len(table))], knowledge.surface)
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
        "event-holdout8": lambda: load_event(EVENT_HOLDOUT8),
        **{f"event-train-{name}": (lambda path=path: load_event(path)) for name, path in EVENT_TRAIN.items()},
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
