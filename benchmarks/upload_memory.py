"""Peak memory and time of parsing an HTML upload, per MB of tag-dense HTML (the worst case for a parser).

    .venv/bin/python -m benchmarks.upload_memory [--sizes 1,5] [--out PATH]

Each size is parsed in a fresh process, so that peak RSS is its own. Prints a table and saves JSON to
data/benchmarks/upload_memory.json (untracked; `--out benchmarks/results/upload_memory.json` to update the
figures kept in the repository).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELL = "<p><b>a</b><i>b</i><span>c</span></p>"  # 37 bytes, four elements


def page(megabytes: float) -> bytes:
    cells = int(megabytes * 1_000_000 / len(CELL))
    return ("<html><head><title>Tag soup</title></head><body><article>" + CELL * cells
            + "</article></body></html>").encode()


def measure(megabytes: float) -> dict[str, float]:
    """Parse one page in this process; called in a child process per size."""
    from bot.corpus.documents import parse_upload

    data = page(megabytes)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    record = parse_upload(data, filename="page.html")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"mb": round(len(data) / 1e6, 2), "seconds": round(seconds, 3), "peak_rss_mb": round(peak / 1024, 1),
            "growth_mb": round((peak - before) / 1024, 1), "text_chars": len(record.text)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,5", help="page sizes in MB, comma-separated")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "upload_memory.json")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return
    rows = []
    for size in (float(s) for s in args.sizes.split(",")):
        output = subprocess.run([sys.executable, "-m", "benchmarks.upload_memory", "--child", str(size)],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(output))
    print("| HTML | parse time | memory growth | per MB |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['mb']} MB | {row['seconds']:.2f} s | {row['growth_mb']:.0f} MB | "
              f"{row['growth_mb'] / row['mb']:.0f} MB |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.machine(), "python": platform.python_version(),
                                    "results": rows}, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
