"""Speed and scale: index build, memory, start-up, answer latency at 10k/100k/1M sentences beside bm25s and a
plain scikit-learn TF-IDF product; ingesting 1,000 files; adding a document live; and the bot's throughput.

    .venv/bin/python -m benchmarks.speed [--sizes 10000,100000,1000000] [--parts index,ingest,live,bot]

Corpora are drawn reproducibly (fixed seed) with the word and sentence-length statistics of the SQuAD
articles in benchmarks/data/squad, and the queries are that data's real questions. Each size and method runs in
a child process so that its peak memory (resident set size) is its own. Prints tables; saves
data/benchmarks/speed.json (untracked; `--out benchmarks/results/speed.json` updates the kept figures).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "benchmarks" / "data" / "squad"  # kept in the repository (CC BY-SA 4.0, its README)
QUERIES = 1000
SENTENCES_PER_DOCUMENT = 50


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def questions() -> list[str]:
    found = []
    for part in ("squad-v1.1-dev-part-a.json.gz", "squad-v1.1-dev-part-b.json.gz"):
        for article in json.loads(gzip.decompress((SQUAD / part).read_bytes()))["data"]:
            found += [qa["question"] for p in article["paragraphs"] for qa in p["qas"]]
    return random.Random(7).sample(found, QUERIES)


def corpus(size: int) -> list[str]:
    from benchmarks.synthetic import TextModel

    return TextModel.from_squad(SQUAD / "squad-v1.1-dev-part-a.json.gz", SQUAD / "squad-v1.1-dev-part-b.json.gz").sentences(size)


def timed(fn: Any, items: list[str]) -> list[float]:
    for item in items[:20]:
        fn(item)
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


# --- one size, one method, in a child process ------------------------------------------------------------

def child(method: str, size: int) -> dict[str, Any]:
    texts = corpus(size)
    queries = questions()
    base_mb = peak_mb()
    result: dict[str, Any] = {"method": method, "sentences": size}
    if method == "ours":
        from bot.chat.texts import answer_messages
        from bot.search import index_files
        from bot.answers.answering import Answerer
        from bot.corpus.records import ChunkRow, DocumentRef
        from bot.search import KnowledgeBase

        documents = {d: DocumentRef(d, f"Document {d}") for d in range(1, size // SENTENCES_PER_DOCUMENT + 2)}
        rows = [ChunkRow(i + 1, i // SENTENCES_PER_DOCUMENT + 1, i % SENTENCES_PER_DOCUMENT, t)
                for i, t in enumerate(texts)]
        del texts
        started = time.perf_counter()
        knowledge = KnowledgeBase.build(rows, documents)
        result["build_s"] = time.perf_counter() - started
        result["peak_mb"] = peak_mb()
        del rows
        folder = Path(tempfile.mkdtemp()) / "index"
        started = time.perf_counter()
        index_files.save(knowledge, folder, version="bench")
        result["save_s"] = time.perf_counter() - started
        del knowledge
        started = time.perf_counter()
        knowledge = index_files.load(folder, version="bench", documents=documents, inactive=set(),
                                     synonyms=knowledge_synonyms())
        result["load_s"] = time.perf_counter() - started
        assert knowledge is not None
        shutil.rmtree(folder.parent)
        answerer = Answerer(knowledge)

        def answer(question: str) -> None:
            answer_messages(answerer.answer(question), sources=len(documents))

        latencies = timed(answer, queries)
        result["answered_share"] = sum(answerer.answer(q).answered for q in queries[:200]) / 200
        # the same questions without the answer model: the lexical search alone, the candidates it would score
        lexical = timed(lambda question: knowledge.search(question, 20), queries)
        result["search_only_p50_ms"] = percentile(lexical, 0.5)
        result["search_only_p99_ms"] = percentile(lexical, 0.99)
    elif method == "bm25s":
        import bm25s
        import numpy as np
        import Stemmer

        stemmer = Stemmer.Stemmer("english")
        started = time.perf_counter()
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
                        show_progress=False)
        result["build_s"] = time.perf_counter() - started
        result["peak_mb"] = peak_mb()

        def answer(question: str) -> None:
            tokens = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, show_progress=False)
            if tokens.vocab:
                retriever.retrieve(tokens, k=5, show_progress=False, n_threads=1)

        latencies = timed(answer, queries)
        del np
    else:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        started = time.perf_counter()
        vectorizer = TfidfVectorizer(dtype=np.float32)
        transposed = vectorizer.fit_transform(texts).T.tocsr()
        result["build_s"] = time.perf_counter() - started
        result["peak_mb"] = peak_mb()

        def answer(question: str) -> None:
            scores = (vectorizer.transform([question]) @ transposed).toarray()[0]
            np.argpartition(-scores, 5)[:5]

        latencies = timed(answer, queries)
    result["base_mb"] = base_mb
    result["p50_ms"] = percentile(latencies, 0.5)
    result["p99_ms"] = percentile(latencies, 0.99)
    result["mean_ms"] = statistics.fmean(latencies)
    return result


def knowledge_synonyms() -> Any:
    from bot.search.synonyms import SynonymTable

    return SynonymTable()


def run_child(method: str, size: int) -> dict[str, Any]:
    output = subprocess.run([sys.executable, "-m", "benchmarks.speed", "--child", method, str(size)], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=3600)
    return json.loads(output.stdout.strip().splitlines()[-1])


# --- ingesting raw files ---------------------------------------------------------------------------------

def ingest(size: int, files: int) -> dict[str, Any]:
    """`ask --corpus DIR` on `files` plain files holding `size` sentences: time to the first answer, by stage."""
    from bot.answers.answering import Answerer
    from bot.corpus.chunking import chunk_many
    from bot.corpus.documents import list_files, read_file
    from bot.search import KnowledgeBase
    from bot.storage import Database, DocumentStore
    from bot.search.synonyms import SynonymTable

    folder = Path(tempfile.mkdtemp(prefix="eventbot-ingest-"))
    texts = corpus(size)
    per_file = size // files
    for f in range(files):
        (folder / f"doc{f:04d}.txt").write_text(" ".join(texts[f * per_file: (f + 1) * per_file]))
    del texts
    stages: dict[str, float] = {}
    started = time.perf_counter()
    records = [read_file(p) for p in list_files(folder)]
    stages["read files"] = time.perf_counter() - started
    mark = time.perf_counter()
    chunked = list(chunk_many([r.text for r in records]))
    stages["split sentences (all cores)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    database = Database.in_memory()
    database.migrate()
    store = DocumentStore(database)
    for record, chunks in zip(records, chunked):
        store.add(record, added_by="bench", chunks=chunks)
    stages["store in database"] = time.perf_counter() - mark
    mark = time.perf_counter()
    documents, inactive = store.all_documents()
    knowledge = KnowledgeBase.build(store.chunks(), documents, inactive=inactive, synonyms=SynonymTable())
    stages["build index"] = time.perf_counter() - mark
    mark = time.perf_counter()
    Answerer(knowledge).answer("Which NFL team represented the AFC at Super Bowl 50?")
    stages["first answer"] = time.perf_counter() - mark
    total = time.perf_counter() - started
    shutil.rmtree(folder)
    return {"sentences": size, "files": files, "indexed": len(knowledge), "total_s": total, "stages_s": stages}


# --- a document added live ---------------------------------------------------------------------------------

def live(size: int) -> dict[str, Any]:
    """Add a document to a service holding `size` sentences, while a thread keeps asking questions."""
    import threading

    from bot.corpus.documents import parse_pasted
    from bot.corpus.records import ChunkRow, DocumentRef
    from bot.search import KnowledgeBase
    from bot.service import QAService
    from bot.storage import Database

    service = QAService(Database.in_memory())
    service.database.migrate()
    documents = {d: DocumentRef(d, f"Document {d}") for d in range(1, size // SENTENCES_PER_DOCUMENT + 2)}
    rows = [ChunkRow(i + 1, i // SENTENCES_PER_DOCUMENT + 1, i % SENTENCES_PER_DOCUMENT, t)
            for i, t in enumerate(corpus(size))]
    service.index._swap(KnowledgeBase.build(rows, documents), service.store.content_version())  # noqa: SLF001 (bench only)
    del rows
    queries = questions()
    waits: list[float] = []
    stop = threading.Event()

    def ask() -> None:
        i = 0
        while not stop.is_set():
            started = time.perf_counter()
            service.answer(queries[i % len(queries)])
            waits.append((time.perf_counter() - started) * 1000)
            i += 1

    asker = threading.Thread(target=ask)
    asker.start()
    time.sleep(0.5)
    text = ("title: Live report\nThe zoologist counted seventeen snow leopards in the Sarychat-Ertash reserve. "
            "Rangers installed forty camera traps along the ridges.")
    started = time.perf_counter()
    result = service.add_document(parse_pasted(text), added_by="bench")
    answerable = service.answer("How many snow leopards did the zoologist count?")
    seconds = time.perf_counter() - started
    time.sleep(0.5)
    stop.set()
    asker.join()
    assert answerable.answered and answerable.passages[0].document.id == result.document_id
    return {"sentences": size, "add_to_answerable_s": seconds, "questions_meanwhile": len(waits),
            "question_p99_ms_meanwhile": percentile(waits, 0.99), "question_max_ms_meanwhile": max(waits)}


# --- the postings budget: quality and speed at a million sentences ------------------------------------------

def budget(budgets: list[int], questions_count: int = 2000) -> list[dict[str, Any]]:
    """SQuAD part-b's sentences hidden among generated ones up to a million, its answerable questions asked with
    each postings budget (postings walked per question; None: all): P@1 and latency."""
    from bot.answers.answering import Answerer
    from bot.evaluation import correct, load_squad
    from bot.corpus.records import ChunkRow, DocumentRef
    from bot.search import KnowledgeBase

    pool, items = load_squad(SQUAD / "squad-v1.1-dev-part-b.json.gz")
    items = [i for i in items if i.answerable][:questions_count]
    rows, documents = list(pool.rows), dict(pool.documents)
    first_doc, first_id = max(documents) + 1, len(rows) + 1
    for i, text in enumerate(corpus(1_000_000 - len(rows))):
        document = first_doc + i // SENTENCES_PER_DOCUMENT
        documents.setdefault(document, DocumentRef(document, f"Document {document}"))
        rows.append(ChunkRow(first_id + i, document, i % SENTENCES_PER_DOCUMENT, text))
    knowledge = KnowledgeBase.build(rows, documents)
    del rows
    squad_ids = {r.chunk_id for r in pool.rows}
    results = []
    for walked in budgets:
        knowledge.retriever.max_postings = walked or 10**12
        answerer = Answerer(knowledge, top_k=10)
        hits = 0

        def answer(question: str, item: Any = None) -> None:
            nonlocal hits
            passages = answerer.answer(question).passages
            if item is not None and passages and passages[0].chunk_id in squad_ids \
                    and correct(passages[0].quote, item.answers):
                hits += 1

        for item in items[:20]:
            answer(item.question)
        latencies = []
        for item in items:
            started = time.perf_counter()
            answer(item.question, item)
            latencies.append((time.perf_counter() - started) * 1000)
        results.append({"budget": walked, "questions": len(items), "p_at_1": hits / len(items),
                        "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99)})
    return results


# --- the command line, measured from outside ------------------------------------------------------------------

def cli_gaps(count: int = 1000) -> list[dict[str, Any]]:
    """`python -m bot ask --json --top 10 --corpus DIR` fed `count` questions on standard input: the time
    between consecutive answer lines, as a program reading its output sees it (start-up excluded)."""
    import threading

    event = [json.loads(line)["q"] for line in (ROOT / "benchmarks" / "data" / "event_questions.jsonl")
             .read_text().splitlines() if line.strip()]
    squad_dir = Path(tempfile.mkdtemp())
    try:
        articles = json.loads(gzip.decompress((SQUAD / "squad-v1.1-dev-part-b.json.gz").read_bytes()))["data"]
        for i, article in enumerate(articles):
            body = "\n\n".join(p["context"] for p in article["paragraphs"])
            (squad_dir / f"{i:02d}.txt").write_text(f"---\ntitle: {article['title']}\n---\n{body}\n")
        squad = [qa["question"] for a in articles for p in a["paragraphs"] for qa in p["qas"]]
        results = []
        for name, folder, asked in (("seed corpus", ROOT / "corpus", event),
                                    ("SQuAD part-b, 24 articles", squad_dir, squad)):
            lines = [(asked * (count // len(asked) + 1))[i] for i in range(count)]
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "ask", "--json", "--top", "10", "--corpus", str(folder)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
            assert process.stdin is not None and process.stdout is not None

            def feed(stream: Any = process.stdin) -> None:
                for line in lines:
                    stream.write(line.replace("\n", " ") + "\n")
                stream.close()

            threading.Thread(target=feed, daemon=True).start()
            stamps = [time.perf_counter() for _ in process.stdout]
            process.wait(60)
            gaps = [(b - a) * 1000 for a, b in zip(stamps, stamps[1:])]
            results.append({"corpus": name, "answers": len(stamps), "gap_p50_ms": percentile(gaps, 0.5),
                            "gap_mean_ms": statistics.mean(gaps), "gap_p99_ms": percentile(gaps, 0.99)})
        return results
    finally:
        shutil.rmtree(squad_dir, ignore_errors=True)


# --- the bot's throughput ------------------------------------------------------------------------------------

def bot_throughput(users: int, seconds: float) -> list[dict[str, Any]]:
    """Answered questions per second with `users` simulated users, each waiting for its answer before asking
    again: end to end through the Bot API test server (real HTTP, the bot as a process), and in-process."""
    import asyncio

    from tests.botapi import FakeBotApi, OfflineRequest

    queries = questions()
    results = []
    token = "42:bench"

    # End to end.
    api = FakeBotApi(token).start()
    tmp = Path(tempfile.mkdtemp())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "FLOOD_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=api.url, DATABASE_URL=f"sqlite:///{tmp / 'b.sqlite3'}",
               CORPUS_DIR=str(ROOT / "corpus"), FLOOD_LIMIT="100000", SEND_RATE_LIMIT="0", LOG_LEVEL="WARNING")
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        async def users_asking() -> tuple[int, int, float]:
            done = lost = 0
            deadline = time.perf_counter() + seconds

            async def user(uid: int) -> None:
                nonlocal done, lost
                i = 0
                while time.perf_counter() < deadline:
                    if await api.ask(queries[(uid * 37 + i) % len(queries)], user_id=uid):
                        done += 1
                    else:
                        lost += 1
                        return
                    i += 1

            started = time.perf_counter()
            await asyncio.gather(*(user(10_000 + u) for u in range(users)))
            return done, lost, time.perf_counter() - started

        answered, lost, elapsed = api.run(users_asking())
        done = [answered]
        lost = [lost]
        results.append({"path": "end to end (HTTP, bot process)", "users": users, "answered": done[0],
                        "lost": lost[0], "per_second": done[0] / elapsed, "errors": len(api.errors)})
    finally:
        process.terminate()
        process.wait(15)
        api.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    # In-process: the same application, PTB's dispatch, no HTTP.
    from pydantic import SecretStr
    from telegram import Update

    from bot.config import Settings
    from bot.service import QAService
    from bot.storage import Database
    from bot.telegram.app import build_application

    async def in_process() -> dict[str, Any]:
        api = FakeBotApi(token)
        settings = Settings(telegram_bot_token=SecretStr(token), flood_limit=100_000, send_rate_limit=0,
                            _env_file=None)  # type: ignore[call-arg]
        service = QAService(Database.in_memory())
        service.start(ROOT / "corpus")
        application = build_application(settings, service, request=OfflineRequest(api))
        await application.initialize()
        answered = 0
        deadline = time.perf_counter() + seconds

        async def user(uid: int) -> None:
            nonlocal answered
            i = 0
            while time.perf_counter() < deadline:
                api.send_text(queries[(uid * 37 + i) % len(queries)], user_id=uid)
                update = api.take_updates()
                for data in update:
                    await application.process_update(Update.de_json(data, application.bot))
                answered += 1
                i += 1

        started = time.perf_counter()
        await asyncio.gather(*(user(20_000 + u) for u in range(users)))
        elapsed = time.perf_counter() - started
        await application.shutdown()
        return {"path": "in-process (PTB dispatch, no HTTP)", "users": users, "answered": answered, "lost": 0,
                "per_second": answered / elapsed, "errors": len(api.errors)}

    results.append(asyncio.run(in_process()))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--parts", default="index,ingest,live,bot,cli",
                        help="comma-separated: index,ingest,live,bot,cli,budget (budget: P@1 and speed per "
                             "postings budget at 1M sentences, about 4 minutes)")
    parser.add_argument("--methods", default="ours,bm25s,sklearn", help="for the index part")
    parser.add_argument("--ingest-size", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "speed.json")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    if not SQUAD.exists():
        print(f"skipped: {SQUAD} is absent (the speed benchmark draws its corpora and questions from it)")
        return
    parts = args.parts.split(",")
    report: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    if "index" in parts:
        rows = []
        for size in (int(s) for s in args.sizes.split(",")):
            for method in args.methods.split(","):
                rows.append(run_child(method, size))
                print(f"  measured {method} at {size:,} sentences", file=sys.stderr)
        report["index"] = rows
        print("\n| sentences | method | build s | peak MB | load s | p50 ms | p99 ms | p50 vs ours |")
        print("|---|---|---|---|---|---|---|---|")
        for row in rows:
            ours = next(r for r in rows if r["method"] == "ours" and r["sentences"] == row["sentences"])
            print(f"| {row['sentences']:,} | {row['method']} | {row['build_s']:.1f} | {row['peak_mb']:.0f} | "
                  f"{row.get('load_s', float('nan')):.2f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                  f"{row['p50_ms'] / ours['p50_ms']:.1f}x |")
            if "search_only_p50_ms" in row:
                print(f"| {row['sentences']:,} | ours without the answer model (lexical search, top 20) | | | | "
                      f"{row['search_only_p50_ms']:.2f} | {row['search_only_p99_ms']:.2f} | |")
    if "ingest" in parts:
        report["ingest"] = ingest(args.ingest_size, 1000)
        print(f"\nIngest {args.ingest_size:,} sentences in 1,000 files to first answer: "
              f"{report['ingest']['total_s']:.0f} s")
        for stage, seconds in report["ingest"]["stages_s"].items():
            print(f"  {stage}: {seconds:.1f} s")
    if "live" in parts:
        report["live"] = live(max(int(s) for s in args.sizes.split(",")))
        print(f"\nLive add at {report['live']['sentences']:,} sentences: answerable after "
              f"{report['live']['add_to_answerable_s']:.2f} s; questions meanwhile p99 "
              f"{report['live']['question_p99_ms_meanwhile']:.1f} ms, max {report['live']['question_max_ms_meanwhile']:.1f} ms")
    if "bot" in parts:
        report["bot"] = bot_throughput(args.users, args.seconds)
        print("\n| path | users | answered | lost | per second |\n|---|---|---|---|---|")
        for row in report["bot"]:
            print(f"| {row['path']} | {row['users']} | {row['answered']} | {row['lost']} | {row['per_second']:.0f} |")
    if "cli" in parts:
        report["cli"] = cli_gaps()
        print("\n| `ask --json --top 10`, from outside | answers | gap p50 ms | gap mean ms | gap p99 ms |\n|---|---|---|---|---|")
        for row in report["cli"]:
            print(f"| {row['corpus']} | {row['answers']} | {row['gap_p50_ms']:.2f} | {row['gap_mean_ms']:.2f} | "
                  f"{row['gap_p99_ms']:.2f} |")
    if "budget" in parts:
        report["budget"] = budget([100_000, 80_000, 60_000, 0])
        print("\n| postings budget (1M sentences, SQuAD part-b hidden in them) | P@1 | p50 ms | p99 ms |\n|---|---|---|---|")
        for row in report["budget"]:
            print(f"| {row['budget'] or 'all'} | {row['p_at_1']:.3f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nsaved {args.out}")


if __name__ == "__main__":
    main()
