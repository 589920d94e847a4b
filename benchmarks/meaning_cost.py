"""What a message of unknown words costs with the meaning layer: fresh 500-character gibberish messages answered by
the service on the seed corpus, with the layer on and off, after warm-up; and how many word-neighbour look-ups and
encoded characters each took. Prints a table, saves JSON.

    python -m benchmarks.meaning_cost [--messages 40] [--out benchmarks/results/meaning_cost.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import string
import time
from pathlib import Path

import numpy as np

from bot.search.meaning import Vectors
from bot.service import QAService
from bot.storage import Database

ROOT = Path(__file__).resolve().parent.parent


def gibberish(rng: np.random.Generator, length: int = 500) -> str:
    """Words of 2 to 14 random letters, `length` characters in all: every one unknown to the corpus."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append("".join(rng.choice(list(string.ascii_lowercase), size=int(rng.integers(2, 15)))))
    return " ".join(words)[:length]


def measure(meaning: bool, messages: int) -> dict[str, object]:
    service = QAService(Database.in_memory(), meaning=meaning)
    service.start(ROOT / "corpus")
    if service.vectors is not None:
        service.vectors.wait(600)
    rng = np.random.default_rng(20190807)
    counts = {"neighbours": 0, "encoded_chars": 0}
    if service.vectors is not None:
        vectors = service.vectors
        looked_up, encoded = Vectors.neighbours, vectors.encoder.encode

        def counted_neighbours(word: str, vector: np.ndarray | None = None) -> list[tuple[str, float]]:
            counts["neighbours"] += 1
            return looked_up(vectors, word, vector)

        def counted_encode(texts: list[str]) -> np.ndarray:
            counts["encoded_chars"] += sum(len(t) for t in texts)
            return encoded(texts)

        vectors.neighbours = counted_neighbours  # type: ignore[method-assign]
        vectors.encoder.encode = counted_encode  # type: ignore[method-assign]
    for question in ("How many people were admitted to hospital?", "Who is Kursan Asanov?"):
        service.answer(question)
    for _ in range(5):
        service.answer(gibberish(rng))
    counts.update(neighbours=0, encoded_chars=0)
    times = []
    for _ in range(messages):
        text = gibberish(rng)
        began = time.perf_counter()
        service.answer(text)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95)], 1),
            "max_ms": round(times[-1], 1), "neighbour_lookups_per_message": counts["neighbours"] / messages,
            "encoded_chars_per_message": counts["encoded_chars"] / messages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "meaning_cost.json")
    args = parser.parse_args()
    results = {"messages": args.messages, "characters": 500,
               "lexical": measure(False, args.messages), "meaning": measure(True, args.messages)}
    print(f"{args.messages} fresh 500-character gibberish messages, service.answer on the seed corpus\n")
    print("| layer | p50 ms | p95 ms | max ms | neighbour look-ups / message | characters encoded / message |")
    print("|---|---|---|---|---|---|")
    for name in ("lexical", "meaning"):
        row = results[name]
        assert isinstance(row, dict)
        print(f"| {name} | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} | "
              f"{row['neighbour_lookups_per_message']:.1f} | {row['encoded_chars_per_message']:.0f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nsaved {args.out}")


if __name__ == "__main__":
    main()
