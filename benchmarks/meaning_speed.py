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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "meaning_speed.json")
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
    print("| measure | p50 ms | p95 ms |\n|---|---|---|")
    for name in ("answer_lexical", "answer_meaning", "question_encoding"):
        row = results[name]
        assert isinstance(row, dict)
        print(f"| {name.replace('_', ' ')} | {row['p50_ms']} | {row['p95_ms']} |")
    print(f"\nsentence vectors: {results['sentence_vectors_per_s']} per second; start (lexical / meaning): "
          f"{results['start_s_lexical']} s / {results['start_s_meaning']} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
