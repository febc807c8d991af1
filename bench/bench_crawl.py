"""Crawl throughput: the full govspider pipeline vs a bare Scrapy spider, same sandbox, same run.

The full run is ``scrapy crawl weibo`` with every pipeline on (parse, normalize, validate, store
in MongoDB, detect); the baseline is ``bench/bare_weibo.py``, which requests the same pages and
only ``json.loads`` them. Runs alternate (bare, full, bare, full...) and the best of each counts.
Target: full/bare >= 0.8 pages per second. Also reported: ``scrapy bench`` on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import headline, write_result  # noqa: E402


def crawl(spider: str, out_dir: Path, tag: str, sets: dict[str, str], args: dict[str, str]) -> dict:
    out = out_dir / f"{tag}.json"
    cmd = [sys.executable, str(ROOT / "bench" / "run_crawl.py"), str(out), spider]
    for k, v in args.items():
        cmd += ["-a", f"{k}={v}"]
    for k, v in sets.items():
        cmd += ["-s", f"{k}={v}"]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures = json.loads(out.read_text())
    figures["pages_per_s"] = figures["responses"] / max(figures["elapsed_seconds"] or figures["wall_seconds"], 1e-9)
    return figures


def scrapy_bench(seconds: int) -> float | None:
    """Pages per second of ``scrapy bench`` (outside the project, so none of our components)."""
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                              "-s", "LOGSTATS_INTERVAL=1"], cwd=tmp, capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"})
    rates = [int(r) for r in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", res.stderr)]
    steady = sorted(rates)[len(rates) // 2:] if rates else []
    return sum(steady) / len(steady) / 60 if steady else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="30x60", help="sandbox world size (ACCOUNTSxPOSTS)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--bench-seconds", type=int, default=10)
    opts = parser.parse_args()

    from govspider.sandbox.server import SandboxServer
    from govspider.storage.embedded import EmbeddedServer

    tmp = Path(tempfile.mkdtemp(prefix="govspider-bench-crawl-"))
    db_server = EmbeddedServer(tmp / "data")
    uri = db_server.start()
    bare, full = [], []
    try:
        with SandboxServer(seed=11, size=opts.size, troubles=None) as sandbox:
            common = dict(sandbox.settings) | {"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": "16",
                                               "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}
            args = {"accounts": str(sandbox.registry_path)}
            for i in range(opts.repeat):
                bare.append(crawl(str(ROOT / "bench" / "bare_weibo.py"), tmp, f"bare{i}", common, args))
                full.append(crawl("weibo", tmp, f"full{i}", common | {
                    "MONGODB_URI": uri, "MONGODB_DATABASE": f"bench_full_{i}"}, args | {"full": "1"}))
        sb = scrapy_bench(opts.bench_seconds)
    finally:
        db_server.stop()
    b = max(bare, key=lambda f: f["pages_per_s"])
    f = max(full, key=lambda f: f["pages_per_s"])
    ratio = f["pages_per_s"] / b["pages_per_s"]
    print(f"bare spider      {b['pages_per_s']:8.1f} pages/s ({b['responses']} pages, {b['items']} dicts)")
    print(f"full pipeline    {f['pages_per_s']:8.1f} pages/s ({f['responses']} pages, {f['items']} items stored)")
    if sb:
        print(f"scrapy bench     {sb:8.1f} pages/s (local link-following benchmark, no parsing)")
    write_result("crawl", {"size": opts.size, "bare": bare, "full": full, "scrapy_bench_pages_per_s": sb,
                           "ratio_full_bare": round(ratio, 3),
                           "ratio_full_scrapy_bench": round(f["pages_per_s"] / sb, 3) if sb else None,
                           "target": 0.8})
    headline(f"crawl: full/bare = {ratio:.2f} (target >= 0.8)"
             + (f"; full/scrapy bench = {f['pages_per_s'] / sb:.2f}" if sb else ""))


if __name__ == "__main__":
    main()
