"""Crawl throughput: the full govspider pipeline vs a bare Scrapy spider, same sandbox, same run.

The full run is ``scrapy crawl weibo`` with every pipeline on (parse, normalize, validate, store
in MongoDB, detect); the baseline is ``bench/bare_weibo.py``, which requests the same pages and
only ``json.loads`` them. Runs alternate (bare, full, bare, full...) and the best of each counts.
Target: full/bare >= 0.8 pages per second. Also reported: ``scrapy bench`` on this machine.

Two placements are measured, each with its own bare baseline:

- ``own core``: the crawler alone on one CPU, the sandbox and the embedded database on the
  others (CPU affinity). This is the deployment the target is about: the platforms and MongoDB
  are other machines, so the crawler's own work decides its speed.
- ``shared``: every process free to run anywhere. On a two-core machine the embedded database
  (a Python server, about half a core during the full crawl) and the sandbox compete with the
  crawler, which the bare spider, storing nothing, never meets.
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

import pymongo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import headline, write_result  # noqa: E402


def set_affinity(pid: int, cpus: set[int]) -> None:
    """Move every thread of a running process to ``cpus``."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:  # a thread that just ended
            pass


def crawl(spider: str, out_dir: Path, tag: str, sets: dict[str, str], args: dict[str, str],
          cpus: set[int] | None = None) -> dict:
    out = out_dir / f"{tag}.json"
    cmd = [sys.executable, str(ROOT / "bench" / "run_crawl.py"), str(out), spider]
    for k, v in args.items():
        cmd += ["-a", f"{k}={v}"]
    for k, v in sets.items():
        cmd += ["-s", f"{k}={v}"]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bench-seconds", type=int, default=10)
    opts = parser.parse_args()

    from govspider.sandbox.server import SandboxServer
    from govspider.storage.embedded import EmbeddedServer

    tmp = Path(tempfile.mkdtemp(prefix="govspider-bench-crawl-"))
    every_cpu = os.sched_getaffinity(0)
    crawler_cpu = {min(every_cpu)}
    server_cpus = (every_cpu - crawler_cpu) or every_cpu
    placements = {"own core": (crawler_cpu, server_cpus), "shared": (every_cpu, every_cpu)}
    if len(every_cpu) < 2:
        placements = {"shared": (every_cpu, every_cpu)}
    runs: dict[str, dict[str, list[dict]]] = {p: {"bare": [], "full": []} for p in placements}
    db_server = EmbeddedServer(tmp / "data")
    uri = db_server.start()
    try:
        with SandboxServer(seed=11, size=opts.size, troubles=None) as sandbox:
            common = dict(sandbox.settings) | {"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": "16",
                                               "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}
            args = {"accounts": str(sandbox.registry_path)}
            # the database server's own pid is in mongo.json (db_server.process is its
            # supervisor since the embedded server is supervised)
            state = json.loads((tmp / "data" / "mongo.json").read_text(encoding="utf-8"))
            servers = [int(state["pid"])] + [p.pid for p in (sandbox.proc,) if p is not None]
            for i in range(opts.repeat):
                for place, (mine, theirs) in placements.items():
                    for pid in servers:
                        set_affinity(pid, theirs)
                    tag = f"{place.replace(' ', '_')}{i}"
                    runs[place]["bare"].append(crawl(str(ROOT / "bench" / "bare_weibo.py"), tmp,
                                                     f"bare_{tag}", common, args, mine))
                    runs[place]["full"].append(crawl("weibo", tmp, f"full_{tag}", common | {
                        "MONGODB_URI": uri, "MONGODB_DATABASE": f"bench_full_{tag}"},
                        args | {"full": "1"}, mine))
                    with pymongo.MongoClient(uri) as client:  # every full run starts from an empty server
                        client.drop_database(f"bench_full_{tag}")
        sb = scrapy_bench(opts.bench_seconds)
    finally:
        db_server.stop()
    figures: dict[str, dict] = {}
    for place, by_kind in runs.items():
        b = max(by_kind["bare"], key=lambda f: f["pages_per_s"])
        f = max(by_kind["full"], key=lambda f: f["pages_per_s"])
        cpu = {k: min(r["crawl_cpu_seconds"] / r["responses"] for r in v) * 1000 for k, v in by_kind.items()}
        figures[place] = {"bare_pages_per_s": round(b["pages_per_s"], 1), "full_pages_per_s": round(f["pages_per_s"], 1),
                          "ratio_full_bare": round(f["pages_per_s"] / b["pages_per_s"], 3),
                          "crawler_cpu_ms_per_page": {k: round(v, 3) for k, v in cpu.items()},
                          "runs": by_kind}
        print(f"[{place}] bare spider   {b['pages_per_s']:8.1f} pages/s ({b['responses']} pages, {b['items']} dicts), "
              f"crawler CPU {cpu['bare']:.2f} ms/page")
        print(f"[{place}] full pipeline {f['pages_per_s']:8.1f} pages/s ({f['responses']} pages, {f['items']} items stored), "
              f"crawler CPU {cpu['full']:.2f} ms/page")
    if sb:
        print(f"scrapy bench     {sb:8.1f} pages/s (local link-following benchmark, no parsing)")
    main_place = "own core" if "own core" in figures else "shared"
    best_full = max(fig["full_pages_per_s"] for fig in figures.values())
    write_result("crawl", {"size": opts.size, "placements": figures, "scrapy_bench_pages_per_s": sb,
                           "ratio_full_bare": figures[main_place]["ratio_full_bare"],
                           "ratio_full_scrapy_bench": round(best_full / sb, 3) if sb else None,
                           "target": 0.8})
    others = "; ".join(f"{p}: {fig['ratio_full_bare']:.2f}" for p, fig in figures.items() if p != main_place)
    headline(f"crawl: full/bare = {figures[main_place]['ratio_full_bare']:.2f} with the crawler on its own core "
             f"(target >= 0.8)" + (f"; {others} (crawler, database and sandbox sharing {len(every_cpu)} CPUs)" if others else "")
             + (f"; full/scrapy bench = {best_full / sb:.2f}" if sb else ""))


if __name__ == "__main__":
    main()
