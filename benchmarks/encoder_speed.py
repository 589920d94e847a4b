"""How fast the meaning layer's encoder is (bot/search/encoder.py): a question's encoding, sentences per second
when a corpus is indexed, and what a million vectors weigh.

    .venv/bin/python -m benchmarks.encoder_speed [--rounds 30] [--sentences 2000]

Questions are the event questions of benchmarks/data (readers' own words); sentences are the seed corpus's
sentences of 15 to 40 words (news prose, about 25 words), cycled to `--sentences`. Each is timed with the
onnxruntime engine the bot uses and with the numpy one, each on as many threads as numpy's BLAS starts with
(2 here) and on one (threadpoolctl for numpy), since the bot may encode beside other work. The environment is left as it is (OPENBLAS_CORETYPE included) and recorded.
Prints a table and saves data/benchmarks/encoder_speed.json (untracked; `--out
benchmarks/results/encoder_speed.json` updates the kept figures).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from bot.corpus.chunking import chunk_text
from bot.corpus.documents import list_files, read_file
from bot.search.encoder import DIMENSIONS, SentenceEncoder, default_model_dir, load_encoder

ROOT = Path(__file__).resolve().parent.parent
QUESTION_SETS = ("event_questions.jsonl", "event_holdout.jsonl", "event_holdout2.jsonl")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def corpus_sentences() -> list[str]:
    sentences = []
    for path in list_files(ROOT / "corpus"):
        sentences += [c.text for c in chunk_text(read_file(path).text) if 15 <= len(c.text.split()) <= 40]
    return sentences


def measure(encoder: SentenceEncoder, questions: list[str], ten_token: str, sentences: list[str],
            rounds: int) -> dict[str, float]:
    for question in questions[:20]:
        encoder.encode([question])
    timings, ten = [], []
    for _ in range(rounds):
        for question in questions:
            t0 = time.perf_counter()
            encoder.encode([question])
            timings.append((time.perf_counter() - t0) * 1000)
    for _ in range(rounds * 10):
        t0 = time.perf_counter()
        encoder.encode([ten_token])
        ten.append((time.perf_counter() - t0) * 1000)
    encoder.encode(sentences[:200])
    t0 = time.perf_counter()
    encoder.encode(sentences)
    per_s = len(sentences) / (time.perf_counter() - t0)
    return {"question_p50_ms": round(percentile(timings, 0.5), 3), "question_p95_ms": round(percentile(timings, 0.95), 3),
            "ten_token_p50_ms": round(percentile(ten, 0.5), 3), "ten_token_p95_ms": round(percentile(ten, 0.95), 3),
            "sentences_per_s": round(per_s, 1), "hours_for_1m_sentences": round(1_000_000 / per_s / 3600, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="passes over the question set")
    parser.add_argument("--sentences", type=int, default=2000, help="sentences encoded for the throughput")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "encoder_speed.json")
    args = parser.parse_args()

    started = time.perf_counter()
    loaded = load_encoder(True)
    load_s = time.perf_counter() - started
    if loaded.encoder is None:
        raise SystemExit(f"no encoder: {loaded.reason}")
    tokenizer = loaded.encoder._tokenizer  # noqa: SLF001 - token counts for the table only
    model_dir = default_model_dir()
    assert model_dir is not None

    questions = [json.loads(line)["q"] for name in QUESTION_SETS
                 for line in (ROOT / "benchmarks" / "data" / name).read_text().splitlines() if line.strip()]
    ten_token = "how many people were hurt in the raid"  # [CLS] + 8 words + [SEP]
    base = corpus_sentences()
    sentences = (base * (args.sentences // len(base) + 1))[: args.sentences]

    rows = []
    blas_threads = max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"), default=1)
    for backend in ("onnxruntime", "numpy"):
        for threads in sorted({blas_threads, 1}, reverse=True):
            encoder = SentenceEncoder(model_dir, backend=backend, threads=threads)
            with threadpool_limits(threads, user_api="blas"):
                rows.append({"backend": backend, "threads": threads,
                             **measure(encoder, questions, ten_token, sentences, args.rounds)})

    sample = loaded.encoder.encode(sentences[: len(base)])
    half = sample.astype(np.float16).astype(np.float32)
    memory = {
        "float32_mb_per_1m": round(1_000_000 * DIMENSIONS * 4 / 1e6, 1),
        "float16_mb_per_1m": round(1_000_000 * DIMENSIONS * 2 / 1e6, 1),
        "float16_min_cosine_to_float32": round(float(((sample * half).sum(1) / np.linalg.norm(half, axis=1)).min()), 7),
    }
    question_tokens = [len(tokenizer.encode(q).ids) for q in questions]
    sentence_tokens = [len(tokenizer.encode(s).ids) for s in base]

    print(f"encoder loaded (hashes checked) in {load_s:.2f} s; {len(questions)} questions, median "
          f"{statistics.median(question_tokens):.0f} tokens; {len(sentences)} sentences ({len(base)} distinct), "
          f"mean {statistics.fmean(len(s.split()) for s in base):.1f} words, {statistics.fmean(sentence_tokens):.1f} tokens")
    print("| engine | threads | question p50 ms | p95 ms | 10-token p50 ms | p95 ms | sentences/s | 1M sentences |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['backend']} | {row['threads']} | {row['question_p50_ms']} | {row['question_p95_ms']} | {row['ten_token_p50_ms']} "
              f"| {row['ten_token_p95_ms']} | {row['sentences_per_s']} | {row['hours_for_1m_sentences']} h |")
    print(f"1M vectors: float32 {memory['float32_mb_per_1m']} MB, float16 {memory['float16_mb_per_1m']} MB "
          f"(float16 keeps cosine >= {memory['float16_min_cosine_to_float32']})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "machine": f"{platform.machine()}, {platform.python_version()}, {os.cpu_count()} cores",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "blas": [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                 for i in threadpool_info() if i["user_api"] == "blas"],
        "load_seconds": round(load_s, 3),
        "questions": len(questions), "question_tokens_median": statistics.median(question_tokens),
        "sentences": len(sentences), "sentence_words_mean": round(statistics.fmean(len(s.split()) for s in base), 1),
        "sentence_tokens_mean": round(statistics.fmean(sentence_tokens), 1),
        "rows": rows, "memory": memory,
    }, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
