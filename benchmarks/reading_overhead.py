"""What reading a normal document in a worker process costs, against reading it in the bot's own process.

    .venv/bin/python -m benchmarks.reading_overhead [--repeat 30] [--out PATH]

"Before" is what the bot did until issue 24: parse in-process (`parse_upload`, or trafilatura for a page), then
split into sentences (`chunk_text`, done by the store). "After" is `DocumentReader`: both in a warm worker,
the bytes sent down a pipe and the record and sentence spans sent back as JSON. Each figure is the median of
`--repeat` runs after a warm-up. Prints a table and saves JSON to data/benchmarks/reading_overhead.json
(untracked; `--out benchmarks/results/reading_overhead.json` updates the figures kept in the repository).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = ("<p>Security forces stormed the residence of former president Almazbek Atambayev in Koi-Tash on "
             "Wednesday evening, the health ministry said, and {n} people were taken to hospital.</p>")


def article(paragraphs: int) -> bytes:
    """A news page of `paragraphs` paragraphs with the usual furniture around it (about 200 bytes each)."""
    body = "".join(PARAGRAPH.format(n=i) for i in range(paragraphs))
    return ("<!doctype html><html><head><title>Raid in Koi-Tash | Wire</title>"
            "<meta property='og:site_name' content='Wire'></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Raid in Koi-Tash</h1>{body}</article><footer>Copyright Wire</footer></body></html>").encode()


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def whole_add(reader: object, repeat: int) -> dict[str, object]:
    """The whole /add of an HTML upload (read, split, store, index) into an in-memory database, before and after,
    runs interleaved so that both see the index grow alike; each document is new (its number differs)."""
    from bot.corpus.chunking import chunk_text  # noqa: F401 - the store splits when no sentences are given
    from bot.corpus.documents import parse_upload
    from bot.service import QAService
    from bot.storage import Database

    service = QAService(Database.in_memory())
    service.start(None)
    before, after = [], []
    for i in range(repeat + 1):
        data = article(40).replace(b"Raid in Koi-Tash</h1>", f"Raid number {i} in Koi-Tash</h1><p>Run {i}.</p>".encode())
        started = time.perf_counter()
        service.add_document(parse_upload(data + b"<!-- a -->", filename="raid.html"), added_by="bench")
        middle = time.perf_counter()
        read = reader.upload(data.replace(b"Run ", b"Second run "), filename="raid.html")  # type: ignore[attr-defined]
        service.add_document(read.record, added_by="bench", chunks=read.chunks)
        ended = time.perf_counter()
        if i:
            before.append((middle - started) * 1000)
            after.append((ended - middle) * 1000)
    in_bot, in_worker = statistics.median(before), statistics.median(after)
    return {"document": "whole /add of the HTML upload", "bytes": len(article(40)), "in_process_ms": round(in_bot, 2),
            "in_worker_ms": round(in_worker, 2), "overhead_ms": round(in_worker - in_bot, 2),
            "overhead_pct": round(100 * (in_worker - in_bot) / in_bot, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "reading_overhead.json")
    args = parser.parse_args()

    import trafilatura

    from bot.corpus.chunking import chunk_text
    from bot.corpus.documents import parse_upload
    from bot.intake.reading import DocumentReader

    from tests.test_formats import make_pdf

    upload_html = article(40)  # about 8 KB, 40 paragraphs
    page = article(40)
    pdf = make_pdf([f"The raid on Koi-Tash began at dawn, said witness number {i}." for i in range(40)])

    def in_process_upload(data: bytes, name: str) -> None:
        chunk_text(parse_upload(data, filename=name).text)

    def in_process_page() -> None:
        found = trafilatura.bare_extraction(page.decode(), url="http://wire.example/raid", with_metadata=True,
                                            favor_precision=True)
        chunk_text(found.as_dict()["text"])

    reader = DocumentReader(workers=1)
    reader.start()
    try:
        rows = []
        for label, size, before, after in (
            ("HTML upload", len(upload_html), lambda: in_process_upload(upload_html, "raid.html"),
             lambda: reader.upload(upload_html, filename="raid.html")),
            ("PDF upload", len(pdf), lambda: in_process_upload(pdf, "raid.pdf"),
             lambda: reader.upload(pdf, filename="raid.pdf")),
            ("fetched page", len(page), in_process_page,
             lambda: reader.page("http://wire.example/raid", "html", page, "utf-8")),
        ):
            in_bot, in_worker = median_ms(before, args.repeat), median_ms(after, args.repeat)
            rows.append({"document": label, "bytes": size, "in_process_ms": round(in_bot, 2),
                         "in_worker_ms": round(in_worker, 2), "overhead_ms": round(in_worker - in_bot, 2),
                         "overhead_pct": round(100 * (in_worker - in_bot) / in_bot, 1)})
        rows.append(whole_add(reader, args.repeat))
        started = time.perf_counter()
        cold = DocumentReader(workers=1)
        cold.upload(upload_html, filename="raid.html")
        cold_start_ms = (time.perf_counter() - started) * 1000
        cold.close()
    finally:
        reader.close()
    print("| document | size | in the bot (before) | in a worker (after) | overhead |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['document']} | {row['bytes'] / 1024:.1f} KB | {row['in_process_ms']:.1f} ms | "
              f"{row['in_worker_ms']:.1f} ms | {row['overhead_ms']:+.1f} ms ({row['overhead_pct']:+.0f}%) |")
    print(f"\nA worker's start (imports, warm-up) before its first document: {cold_start_ms:.0f} ms "
          "(done when the bot starts, and after a worker is killed)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.machine(), "python": platform.python_version(),
                                    "repeat": args.repeat, "results": rows,
                                    "worker_cold_start_ms": round(cold_start_ms)}, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
