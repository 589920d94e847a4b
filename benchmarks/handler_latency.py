"""How long the bot's own work per question takes on the seed corpus: retrieval, answer composition and
Telegram formatting (keyboard included), without and with the question-log write; no network.

    .venv/bin/python -m benchmarks.handler_latency [--rounds 20]

Prints a table and saves data/benchmarks/handler_latency.json (untracked; `--out
benchmarks/results/handler_latency.json` updates the kept figures).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from bot.chat import texts
from bot.evaluation import EVENT_SET
from bot.service import QAService
from bot.storage import Database
from bot.telegram.callbacks import answer_keyboard

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "handler_latency.json")
    args = parser.parse_args()
    questions = [json.loads(line)["q"] for line in EVENT_SET.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        service = QAService(Database(f"sqlite:///{tmp}/bench.sqlite3"), meaning=True)
        service.start(ROOT / "corpus")
        sources = len(service.knowledge.documents)

        def answer_and_format(question: str) -> None:
            answer = service.answer(question)
            texts.answer_messages(answer, sources=sources)
            if answer.answered:
                answer_keyboard(1, answer.passages[0].chunk_id).to_dict()

        def answer_log_and_format(question: str) -> None:
            logged = service.ask(question, user_id=1)
            texts.answer_messages(logged.answer, sources=sources)
            if logged.answer.answered:
                answer_keyboard(logged.question_id, logged.answer.passages[0].chunk_id).to_dict()

        rows = []
        for name, work in (("answer + format", answer_and_format), ("answer + log + format", answer_log_and_format)):
            for question in questions[:20]:  # warm-up
                work(question)
            timings = []
            for _ in range(args.rounds):
                for question in questions:
                    started = time.perf_counter()
                    work(question)
                    timings.append((time.perf_counter() - started) * 1000)
            rows.append({"work": name, "questions": len(timings), "p50_ms": round(percentile(timings, 0.5), 3),
                         "p99_ms": round(percentile(timings, 0.99), 3), "mean_ms": round(statistics.fmean(timings), 3)})
        service.database.dispose()
    print("| work | questions | p50 ms | p99 ms | mean ms |\n|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['work']} | {row['questions']} | {row['p50_ms']} | {row['p99_ms']} | {row['mean_ms']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": f"{platform.machine()}, {platform.python_version()}, 2 cores",
                                    "corpus": "seed corpus (2 documents)", "rows": rows}, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
