"""The meaning layer's cost on the seed corpus: the in-process answer path with the layer on and off, a
question's encoding, and sentence vectors made per second. Prints a table, saves JSON.

    python -m benchmarks.meaning_speed [--out benchmarks/results/meaning_speed.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bot import evaluation
from bot.service import QAService
from bot.storage import Database

ROOT = Path(__file__).resolve().parent.parent


def percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95)], 2)}


def large(size: int, seconds: float, questions: list[str]) -> dict[str, object]:
    """A service over `size` synthetic sentences with the layer on: how soon it answers while the vectors are
    made in the background, how fast it answers meanwhile, and how fast the vectors come."""
    from benchmarks.speed import SENTENCES_PER_DOCUMENT, corpus
    from bot.corpus.records import ChunkRow, DocumentRef
    from bot.search import KnowledgeBase

    service = QAService(Database.in_memory(), meaning=True)
    service.database.migrate()
    documents = {d: DocumentRef(d, f"Document {d}") for d in range(1, size // SENTENCES_PER_DOCUMENT + 2)}
    rows = [ChunkRow(i + 1, i // SENTENCES_PER_DOCUMENT + 1, i % SENTENCES_PER_DOCUMENT, t)
            for i, t in enumerate(corpus(size))]
    service.index._swap(KnowledgeBase.build(rows, documents), service.store.content_version())  # noqa: SLF001
    del rows
    began = time.perf_counter()
    service._vectorise()  # noqa: SLF001 - what start() does once the lexical index is ready
    service.answer(questions[0])
    first = time.perf_counter() - began
    assert service.vectors is not None
    times, deadline = [], time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for question in questions[:50]:
            asked = time.perf_counter()
            service.answer(question)
            times.append((time.perf_counter() - asked) * 1000)
    made = size - len(service.vectors.missing(service.knowledge.table.keys))
    return {"sentences": size, "first_answer_s": round(first, 2), "answer_while_vectorising": percentiles(times),
            "vectors_made": made, "vectors_per_s": round(made / (time.perf_counter() - began), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "meaning_speed.json")
    parser.add_argument("--large", type=int, default=100_000,
                        help="sentences of a synthetic corpus whose vectors are made in the background")
    parser.add_argument("--seconds", type=float, default=40.0, help="how long to watch the background work")
    args = parser.parse_args()
    questions = [json.loads(line)["q"] for line in evaluation.EVENT_SET.read_text().splitlines() if line.strip()]
    results: dict[str, object] = {}
    for meaning in (False, True):
        service = QAService(Database.in_memory(), meaning=meaning)
        started = time.perf_counter()
        service.start(ROOT / "corpus")
        results[f"start_s_{'meaning' if meaning else 'lexical'}"] = round(time.perf_counter() - started, 2)
        for question in questions[:20]:
            service.answer(question)
        times = []
        for question in questions * 2:
            began = time.perf_counter()
            service.answer(question)
            times.append((time.perf_counter() - began) * 1000)
        results["answer_meaning" if meaning else "answer_lexical"] = percentiles(times)
        if meaning and service.vectors is not None:
            encoding = []
            for question in questions:
                began = time.perf_counter()
                service.vectors.question(question)
                encoding.append((time.perf_counter() - began) * 1000)
            results["question_encoding"] = percentiles(encoding)
            table = service.knowledge.table
            texts = [table.text(i) for i in range(len(table))] * 5
            began = time.perf_counter()
            service.vectors._encode(texts)
            results["sentence_vectors_per_s"] = round(len(texts) / (time.perf_counter() - began), 1)
    if args.large:
        results["large"] = large(args.large, args.seconds, questions)
    print("| measure | p50 ms | p95 ms |\n|---|---|---|")
    for name in ("answer_lexical", "answer_meaning", "question_encoding"):
        row = results[name]
        assert isinstance(row, dict)
        print(f"| {name.replace('_', ' ')} | {row['p50_ms']} | {row['p95_ms']} |")
    print(f"\nsentence vectors: {results['sentence_vectors_per_s']} per second; start (lexical / meaning): "
          f"{results['start_s_lexical']} s / {results['start_s_meaning']} s")
    if args.large:
        big = results["large"]
        assert isinstance(big, dict)
        print(f"{big['sentences']:,} sentences: vectors queued and the first answer in {big['first_answer_s']} s; "
              f"answers meanwhile p50 {big['answer_while_vectorising']['p50_ms']} ms; "
              f"{big['vectors_per_s']} vectors/s in the background")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
