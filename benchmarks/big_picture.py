"""Issue 22's figures: brief key-fact coverage, highlight precision and recall, sequence P@1, timeline order errors
against hand dates, and the speed of a brief and a timeline (seed corpus, and a brief at 100k sentences).

    python -m benchmarks.big_picture [--sizes 100000] [--out benchmarks/results/big_picture.json]

Prints a table and saves JSON. The scoring functions are also what tests/test_big_picture.py holds floors on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from bot.answers.brief import make_brief
from bot.answers.chronology import chronology
from bot.chat.replies import big_picture
from bot.chat.requests import brief_request
from bot.corpus.records import ChunkRow, DocumentRef
from bot.search import KnowledgeBase
from bot.search.centrality import unit_vectors
from bot.service import QAService
from bot.storage import Database

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"


def load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def seed_service() -> QAService:
    service = QAService(Database.in_memory())
    service.start(ROOT / "corpus")
    return service


def brief_scores(service: QAService) -> dict[str, Any]:
    """Key-fact coverage (share of each item's facts some quote holds, averaged), routing, and quotes that say the
    same thing (two quotes holding the same key fact, or a cosine of 0.5 or more)."""
    coverage, routed, repeated = [], 0, 0
    for item in load("brief_dev.jsonl"):
        reply = big_picture(item["q"], service)
        passages = reply.brief.passages if reply is not None and reply.brief is not None else []
        routed += reply is not None and reply.kind == "brief"
        coverage.append(sum(any(any(a in p.quote for a in fact) for p in passages) for fact in item["facts"])
                        / len(item["facts"]))
        for i, p in enumerate(passages):
            for q in passages[i + 1:]:
                same_fact = any(any(a in p.quote for a in f) and any(a in q.quote for a in f) for f in item["facts"])
                repeated += same_fact
    return {"items": len(coverage), "coverage": round(statistics.mean(coverage), 3), "routed": routed,
            "pairs_saying_the_same": repeated}


def highlight_scores(service: QAService) -> dict[str, Any]:
    """Over the passage holding the hand-marked sentence: precision = right bold parts / bold parts, recall = right
    bold parts / items (right: min within bold within max)."""
    made = right = found = 0
    for item in load("highlight_dev.jsonl"):
        answer = service.answer(item["q"])
        passage = next((p for p in answer.passages if item["sentence"] in p.quote), None)
        if passage is None:
            continue
        found += 1
        if passage.answer is not None:
            made += 1
            right += item["min"] in passage.answer.text and passage.answer.text in item["max"]
    total = len(load("highlight_dev.jsonl"))
    return {"items": total, "sentence_found": found, "bold": made, "right": right,
            "precision": round(right / made, 3) if made else None, "recall": round(right / total, 3)}


def sequence_scores(service: QAService) -> dict[str, Any]:
    """P@1: the first event given holds one of the accepted sentences. An item with `after` asks "what happened
    next?" after the answer to that question (the core function the conversation layer calls)."""
    hits = []
    for item in load("sequence_dev.jsonl"):
        if item["after"]:
            answer = service.answer(item["after"])
            events = service.next_after(answer.passages[0].chunk_id)[1] if answer.answered else []
            quotes = [e.quote for e in events]
        else:
            reply = big_picture(item["q"], service)
            quotes = [e.quote for e in (reply.events or [])] if reply is not None else []
        hits.append(bool(quotes) and any(a in quotes[0] for a in item["a"]))
    return {"items": len(hits), "p_at_1": round(sum(hits) / len(hits), 3)}


def timeline_scores(service: QAService) -> dict[str, Any]:
    """Order errors: pairs of hand-dated sentences that the hand order puts one way and our times strictly the other
    (on the timeline shown, and over every sentence); and how many shown dates equal the hand date."""
    hand = load("timeline_dates.jsonl")
    order = chronology(service.knowledge)
    shown = {e.chunk_id for e in service.timeline()}

    def placed(events: list[Any]) -> list[tuple[dict[str, Any], Any]]:
        return [(h, e) for h in hand for e in events if h["sentence"] in e.quote]

    def errors(pairs: list[tuple[dict[str, Any], Any]]) -> int:
        return sum(1 for h1, e1 in pairs for h2, e2 in pairs if h1["order"] < h2["order"] and e2.when.before(e1.when))

    on_timeline = placed([e for e in order.events if e.chunk_id in shown])
    everywhere = placed(order.events)
    return {"hand_dated": len(hand), "on_timeline": len(on_timeline), "order_errors_timeline": errors(on_timeline),
            "order_errors_all": errors(everywhere),
            "dates_right_on_timeline": sum(e.when.iso() == h["date"] for h, e in on_timeline)}


def ms(fn: Any, repeat: int = 50) -> dict[str, float]:
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(float(np.percentile(times, 50)), 3), "p95_ms": round(float(np.percentile(times, 95)), 3)}


def seed_speed(service: QAService) -> dict[str, Any]:
    """Warm figures in-process: the timeline's order is made once per knowledge base, so it is timed as a user
    meets it after the first request (and the first, cold, once)."""
    request = brief_request("What happened?")
    assert request is not None
    knowledge = service.knowledge
    fresh = KnowledgeBase(knowledge.table, knowledge.retriever, knowledge.all_documents, shapes=knowledge.shapes)
    started = time.perf_counter()
    chronology(fresh)
    cold = (time.perf_counter() - started) * 1000
    return {"brief": ms(lambda: service.brief("What happened?", request)), "timeline": ms(service.timeline),
            "timeline_first_ms": round(cold, 2)}


def large_speed(size: int) -> dict[str, Any]:
    """A brief at `size` synthetic sentences (10 per document): centrality made at build, the brief per question."""
    from benchmarks.speed import corpus

    texts = corpus(size)
    rows = [ChunkRow(i + 1, i // 10 + 1, i % 10, t) for i, t in enumerate(texts)]
    documents = {d: DocumentRef(d, f"doc {d}") for d in range(1, size // 10 + 2)}
    started = time.perf_counter()
    knowledge = KnowledgeBase.build(rows, documents)
    build = time.perf_counter() - started
    started = time.perf_counter()
    knowledge.with_active(documents, [1])  # a removal: centrality redone from the saved shapes
    removal = (time.perf_counter() - started) * 1000
    extra = [ChunkRow(size + 100 + i, size // 10 + 5, i, texts[i]) for i in range(10)]
    started = time.perf_counter()
    knowledge.extend(extra, {size // 10 + 5: DocumentRef(size // 10 + 5, "new")})
    extend = (time.perf_counter() - started) * 1000
    request = brief_request("What happened?")
    assert request is not None
    brief = ms(lambda: make_brief(knowledge, "What happened?", request, threshold=0.15), repeat=10)
    return {"sentences": size, "build_s": round(build, 2), "removal_ms": round(removal, 1),
            "add_document_ms": round(extend, 1), "brief": brief}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated synthetic corpus sizes ('' for none)")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "big_picture.json")
    args = parser.parse_args()
    service = seed_service()
    result = {"brief": brief_scores(service), "highlight": highlight_scores(service),
              "sequence": sequence_scores(service), "timeline": timeline_scores(service),
              "speed_seed": seed_speed(service),
              "speed_large": [large_speed(int(s)) for s in args.sizes.split(",") if s]}
    for name, value in result.items():
        print(f"{name:12} {json.dumps(value)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
