"""What `/timeline` costs at scale: a synthetic corpus of dated sentences (a quarter of them other sources'
retellings, which the timeline must tell once), the first timeline of an index and a later one, four asked at once,
in time and in peak memory beyond what the index already holds. Prints a table, saves JSON.

    python -m benchmarks.timeline_cost [--events 20000] [--out benchmarks/results/timeline_cost.json]

Time is measured without tracemalloc (it slows Python down), memory with it, each on an index of its own, so that
nothing is cached from the other measure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.answers import chronology
from bot.corpus.records import ChunkRow, DocumentRef
from bot.search import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
SENTENCES_PER_DOCUMENT = 50
RETOLD = 0.25  # share of sentences that retell another source's sentence
MONTHS = ("June", "July", "August", "September")
PARTS = ("", " morning", " evening", " night")


def knowledge_base(events: int, seed: int = 20190807) -> KnowledgeBase:
    """`events` sentences that each say when they happened, 50 to a document, a quarter of them retold from
    another document with a word changed and the same date."""
    from benchmarks.speed import corpus

    rng = np.random.default_rng(seed)
    bodies = corpus(events)
    texts: list[str] = []
    for i, body in enumerate(bodies):
        if i >= SENTENCES_PER_DOCUMENT and rng.random() < RETOLD:
            source = int(rng.integers(0, (i // SENTENCES_PER_DOCUMENT) * SENTENCES_PER_DOCUMENT))
            words = texts[source].split()
            words[int(rng.integers(len(words) // 2, len(words)))] = "reportedly"
            texts.append(" ".join(words))
            continue
        month, day = MONTHS[int(rng.integers(len(MONTHS)))], int(rng.integers(1, 29))
        texts.append(f"On {month} {day}{PARTS[int(rng.integers(len(PARTS)))]}, {body[0].lower()}{body[1:]}")
    count = events // SENTENCES_PER_DOCUMENT + 1
    documents = {d: DocumentRef(d, f"Report {d}", f"Publisher {d % 7}", dt.date(2019, 10, 1) + dt.timedelta(days=d))
                 for d in range(1, count + 1)}
    rows = [ChunkRow(i + 1, i // SENTENCES_PER_DOCUMENT + 1, i % SENTENCES_PER_DOCUMENT, t)
            for i, t in enumerate(texts)]
    return KnowledgeBase.build(rows, documents)


def timed(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def peak_mb(call: Callable[[], object]) -> float:
    """Peak memory allocated during `call` beyond what was held before it (numpy's arrays included)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        call()
        return (tracemalloc.get_traced_memory()[1] - before) / 2**20
    finally:
        tracemalloc.stop()


def at_once(knowledge: KnowledgeBase, threads: int) -> None:
    workers = [threading.Thread(target=chronology.timeline, args=(knowledge,)) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "timeline_cost.json")
    parser.add_argument("--one-at-a-time", action="store_true",
                        help="leave out four timelines asked at once (which cost four times as much without a cache)")
    args = parser.parse_args()
    began = time.perf_counter()
    knowledge = knowledge_base(args.events)
    built = time.perf_counter() - began
    # the events in time order: made once per index, and shared with "what happened next"
    placed_s = timed(lambda: chronology.chronology(knowledge))
    first_s = timed(lambda: chronology.timeline(knowledge))
    shown = chronology.timeline(knowledge)
    cached_s = timed(lambda: chronology.timeline(knowledge))
    fresh = knowledge_base(args.events)
    chronology.chronology(fresh)
    first_mb = peak_mb(lambda: chronology.timeline(fresh))
    cached_mb = peak_mb(lambda: chronology.timeline(fresh))
    results: dict[str, object] = {
        "events": args.events, "shown": len(shown), "index_built_s": round(built, 2),
        "events_placed_in_time_s": round(placed_s, 2),
        "first": {"seconds": round(first_s, 3), "extra_mb": round(first_mb, 1)},
        "cached": {"seconds": round(cached_s, 4), "extra_mb": round(cached_mb, 2)}}
    if not args.one_at_a_time:
        four = knowledge_base(args.events)
        chronology.chronology(four)
        four_s = timed(lambda: at_once(four, 4))
        other = knowledge_base(args.events)
        chronology.chronology(other)
        four_mb = peak_mb(lambda: at_once(other, 4))
        results["four_at_once"] = {"seconds": round(four_s, 3), "extra_mb": round(four_mb, 1)}
    print(f"{args.events:,} dated events ({len(shown):,} told once); index built in {built:.1f} s; events placed in "
          f"time (once per index, shared with what came next) in {placed_s:.1f} s\n")
    print("| /timeline | seconds | extra MB |\n|---|---|---|")
    print(f"| first | {first_s:.3f} | {first_mb:.1f} |")
    print(f"| cached | {cached_s:.4f} | {cached_mb:.2f} |")
    if not args.one_at_a_time:
        print(f"| four at once (first) | {four_s:.3f} | {four_mb:.1f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nsaved {args.out}")


if __name__ == "__main__":
    main()
