"""SQuAD v1.1 dev part-b answered from outside, as a user of the command line would: every article written as a
document into a corpus folder, every question piped through `python -m bot ask --corpus DIR --json --top 10`,
which builds the index, waits for every sentence vector (the meaning layer in use) and answers each line. A quote
is right when it holds a gold answer. Prints a table, saves JSON.

    python -m benchmarks.squad_outside [--part b] [--limit N] [--out benchmarks/results/squad_outside.json]

The answer model was trained on part-a (and the SQuAD 2.0 sample), never on part-b.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "benchmarks" / "data" / "squad"


def write_corpus(part: str, folder: Path) -> list[tuple[str, list[str]]]:
    """One document per article (its paragraphs as paragraphs); the questions with their gold answers."""
    data = json.loads(gzip.decompress((SQUAD / f"squad-v1.1-dev-part-{part}.json.gz").read_bytes()))["data"]
    questions: list[tuple[str, list[str]]] = []
    for number, article in enumerate(data, start=1):
        title = article["title"].replace("_", " ")
        text = "\n\n".join(p["context"] for p in article["paragraphs"])
        (folder / f"article-{number:03d}.txt").write_text(f"---\ntitle: {title}\n---\n{text}\n", encoding="utf-8")
        for paragraph in article["paragraphs"]:
            questions += [(qa["question"], sorted({a["text"] for a in qa["answers"]})) for qa in paragraph["qas"]]
    return questions


def right(quote: str, answers: list[str]) -> bool:
    folded = quote.casefold()
    return any(a.casefold() in folded for a in answers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", default="b", choices=("a", "b"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "squad_outside.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        corpus, data = Path(temporary) / "corpus", Path(temporary) / "data"
        corpus.mkdir()
        questions = write_corpus(args.part, corpus)
        if args.limit:
            questions = questions[: args.limit]
        env = {**os.environ, "DATA_DIR": str(data), "MEANING": "on", "TOP_K": "10"}
        env.pop("DATABASE_URL", None)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--corpus", str(corpus), "--json", "--top", "10"],
            input="\n".join(" ".join(q.split()) for q, _ in questions) + "\n", capture_output=True, text=True,
            env=env, cwd=ROOT, check=True)
        seconds = time.perf_counter() - started
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(replies) == len(questions), (len(replies), len(questions), result.stderr[-2000:])
    first = ranks = answered_right = answered = 0
    for (_, answers), reply in zip(questions, replies):
        quotes = [p["quote"] for p in reply.get("passages", [])]
        rank = next((i for i, q in enumerate(quotes[:10], start=1) if right(q, answers)), None)
        first += rank == 1
        ranks += 1 / rank if rank else 0
        answered += bool(reply.get("answered"))
        answered_right += bool(reply.get("answered")) and rank == 1
    n = len(questions)
    figures = {"part": args.part, "questions": n, "p_at_1": round(first / n, 4), "mrr_at_10": round(ranks / n, 4),
               "answered": round(answered / n, 4), "p_at_1_counting_declines": round(answered_right / n, 4),
               "seconds": round(seconds, 1), "meaning": "on", "sentence_vectors": "waited for (ask's batch mode)"}
    print("| SQuAD v1.1 dev part | questions | P@1 | MRR@10 | answered | P@1 counting declines | seconds |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.part} | {n} | {figures['p_at_1']:.3f} | {figures['mrr_at_10']:.3f} | {figures['answered']:.3f} "
          f"| {figures['p_at_1_counting_declines']:.3f} | {seconds:.0f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
