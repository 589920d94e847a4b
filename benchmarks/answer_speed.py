"""The answer path's cost on the seed corpus with the answer model and the message-kind classifier: a question
answered (p50, p99) and where the time goes, and a chat line through `ask --json` chat lines (all turns of the
readers' development chats, and those that were read several ways). Prints a table, saves JSON.

    python -m benchmarks.answer_speed [--out benchmarks/results/answer_speed.json]

Runs on whatever checkout it is in, so the same command measures the code before a change (`git worktree add`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bot import evaluation
from bot.service import QAService
from bot.storage import Database

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 20


def percentiles(times: list[float]) -> dict[str, float]:
    values = np.array(times)
    return {"n": len(times), "p50_ms": round(float(np.percentile(values, 50)), 2),
            "p99_ms": round(float(np.percentile(values, 99)), 2), "max_ms": round(float(values.max()), 2)}


def questions() -> list[str]:
    found: list[str] = []
    for path in sorted((ROOT / "benchmarks" / "data").glob("event_*.jsonl")):
        if "holdout8" in path.name:
            continue  # held out: never read by anything but its one scoring
        found += [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return found


def answer_path(service: QAService, asked: list[str]) -> dict[str, object]:
    for question in asked[:WARM_UP]:
        service.answer(question)
    times = []
    for question in asked:
        started = time.perf_counter()
        service.answer(question)
        times.append((time.perf_counter() - started) * 1000)
    parts: dict[str, object] = {"answer": percentiles(times)}
    try:  # where the time goes (the answer model's code only: absent before it)
        from bot.answers import model
        from bot.answers.features import candidates
    except ImportError:
        return parts
    knowledge, vectors, learned = service.knowledge, service.vectors, model.shared()
    encode, features, scoring = [], [], []
    for question in asked:
        started = time.perf_counter()
        if vectors is not None:
            vectors.encoder.encode([question + " "])  # a text not in the question cache
        encode.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        found = candidates(knowledge, vectors, question)
        features.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        learned.probabilities(found)
        scoring.append((time.perf_counter() - started) * 1000)
    parts.update(question_encoding=percentiles(encode), candidates_and_features=percentiles(features),
                 model=percentiles(scoring))
    return parts


def chat_lines(service: QAService) -> dict[str, object]:
    from bot.chat.ask_lines import ask_line
    from bot.chat.topics import Contexts

    chats = evaluation.load_dialogues(ROOT / "benchmarks" / "data" / "readers_dev.jsonl")
    counted: list[int] = []
    if hasattr(service, "record_readings"):
        service.record_readings = lambda readings, answers, rows: counted.append(len(readings))
    times, several = [], []
    for rounds in range(2):  # the first round warms up
        for chat in chats:
            contexts = Contexts()
            for turn in chat["turns"]:
                counted.clear()
                line = json.dumps({"chat": chat["id"], "question": turn["q"]})
                started = time.perf_counter()
                ask_line(line, service, contexts, 3)
                elapsed = (time.perf_counter() - started) * 1000
                if rounds:
                    times.append(elapsed)
                    if counted and counted[-1] >= 3:
                        several.append(elapsed)
    result: dict[str, object] = {"chat_line": percentiles(times)}
    if several:
        result["chat_line_three_or_more_readings"] = percentiles(several)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "answer_speed.json")
    args = parser.parse_args()
    service = QAService(Database.in_memory(), meaning=True)
    service.start(ROOT / "corpus")
    result = {**answer_path(service, questions()), **chat_lines(service)}
    print("| measure | n | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|")
    for name, figures in result.items():
        print(f"| {name} | {figures['n']} | {figures['p50_ms']} | {figures['p99_ms']} | {figures['max_ms']} |")  # type: ignore[index]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
