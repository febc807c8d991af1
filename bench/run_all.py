"""Run every benchmark under bench/ and print their headline figures together.

Each benchmark prints its figure last and writes a JSON file under ``bench/results/``; figures
are ratios against a baseline measured in the same run (shared, noisy machines).

    python bench/run_all.py [--quick] [--only storage,crawl,...]

``--quick`` uses smaller sizes (a few minutes in all); the default runs the full sizes
(the 100,000-post scale run takes the longest).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS = {
    "storage": (["bench_storage.py"], ["bench_storage.py", "-n", "5000", "--repeat", "2"]),
    "detectors": (["bench_detectors.py"], ["bench_detectors.py", "--posts", "20000"]),
    "crawl": (["bench_crawl.py"], ["bench_crawl.py", "--size", "24x40", "--repeat", "1"]),
    "scale": (["bench_scale.py"], ["bench_scale.py", "--max-posts", "10000"]),
    "browser": (["bench_douyin_browser.py"], ["bench_douyin_browser.py", "--ns", "2,4"]),
    "recrawl": (["bench_recrawl.py"], ["bench_recrawl.py", "--accounts", "5"]),
    "server_scan": (["bench_server_scan.py"], ["bench_server_scan.py", "-n", "5000"]),
    "search": (["bench_search.py"], ["bench_search.py", "-n", "5000", "--repeat", "2"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--only", help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    opts = parser.parse_args()
    chosen = opts.only.split(",") if opts.only else list(BENCHMARKS)
    unknown = [c for c in chosen if c not in BENCHMARKS]
    if unknown:
        print(f"error: unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    headlines: list[tuple[str, str]] = []
    failed = 0
    for name in chosen:
        full, quick = BENCHMARKS[name]
        args = quick if opts.quick else full
        print(f"== {name}: python bench/{' '.join(args)}", flush=True)
        started = time.monotonic()
        proc = subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], cwd=HERE.parent,
                              stdout=subprocess.PIPE, text=True)
        sys.stdout.write(proc.stdout)
        lines = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()]
        if proc.returncode != 0 or not lines:
            failed += 1
            headlines.append((name, f"FAILED (exit {proc.returncode})"))
        else:
            headlines.append((name, f"{lines[-1]}  [{time.monotonic() - started:.0f}s]"))
    print("\n== summary")
    for name, line in headlines:
        print(f"{name:<10} {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
