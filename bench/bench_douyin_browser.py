"""Browser memory over a long Douyin crawl: is it flat in the number of accounts?

Crawls N douyin accounts of the sandbox in browser mode (scrapy-playwright + Debian's chromium)
for several N and samples, every 0.2 s, the memory of the crawler process and of all chromium
processes under it (the sum over chromium's processes; RSS and PSS, since chromium's processes
share pages). Prints, per N, the peaks and their ratio against the smallest N: a ratio near 1.0
means memory does not grow with the length of the crawl (one context per account attempt,
pages closed after use, at most ``PLAYWRIGHT_MAX_CONTEXTS`` contexts).

    python bench/bench_douyin_browser.py [--ns 3,6,12] [--posts 20] [--no-comments]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import headline, write_result  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")


# --------------------------------------------------------------------------- /proc sampling
def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: split after the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _descendants(root: int) -> list[int]:
    children = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            out.append(child)
            todo.append(child)
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in kB; (0, 0) once it is gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


def _is_chromium(pid: int) -> bool:
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
    except OSError:
        return False
    return comm.startswith(("chromium", "chrome")) or "/chromium/" in cmd


class Sampler(threading.Thread):
    """Peak memory of a process and of the chromium processes below it."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.stop_event = threading.Event()
        self.crawler_rss = self.chromium_rss = self.chromium_pss = self.chromium_procs = 0
        self.samples = 0

    def run(self) -> None:
        while not self.stop_event.is_set():
            crawler_rss, _ = _memory_kb(self.pid)
            chrome = [p for p in _descendants(self.pid) if _is_chromium(p)]
            mem = [_memory_kb(p) for p in chrome]
            self.crawler_rss = max(self.crawler_rss, crawler_rss)
            self.chromium_rss = max(self.chromium_rss, sum(r for r, _ in mem))
            self.chromium_pss = max(self.chromium_pss, sum(p for _, p in mem))
            self.chromium_procs = max(self.chromium_procs, len(chrome))
            self.samples += 1
            self.stop_event.wait(self.interval)


# --------------------------------------------------------------------------- crawls
def write_registry(source: Path, sec_uids: list[str], dest: Path) -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    wanted = set(sec_uids)
    units = []
    for unit in data.get("units", []):
        accounts = [a for a in unit.get("accounts", []) if a.get("platform") == "douyin"
                    and a.get("platform_id") in wanted]
        if accounts:
            units.append({**unit, "accounts": accounts, "apps": []})
    dest.write_text(yaml.safe_dump({"version": 1, "units": units}, allow_unicode=True),
                    encoding="utf-8")
    return dest


def crawl(n: int, registry: Path, settings: dict[str, Any], workdir: Path) -> dict[str, Any]:
    out = workdir / f"crawl-{n}.json"
    cmd = [sys.executable, str(ROOT / "bench" / "run_crawl.py"), str(out), "douyin",
           "-a", f"accounts={registry}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    log = open(workdir / f"crawl-{n}.log", "wb")  # noqa: SIM115
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log)
    sampler = Sampler(proc.pid)
    sampler.start()
    code = proc.wait()
    sampler.stop_event.set()
    sampler.join()
    log.close()
    if code != 0:
        tail = (workdir / f"crawl-{n}.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"error: the crawl of {n} accounts failed ({code}):\n{tail}")
    figures = json.loads(out.read_text())
    return {
        "accounts": n, "items": figures["items"], "wall_seconds": time.perf_counter() - started,
        "errors": figures["errors"],
        "crawler_peak_rss_mb": max(sampler.crawler_rss / 1024, figures["peak_rss_mb"]),
        "chromium_peak_rss_mb": sampler.chromium_rss / 1024,
        "chromium_peak_pss_mb": sampler.chromium_pss / 1024,
        "chromium_processes_peak": sampler.chromium_procs, "samples": sampler.samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ns", default="3,6,12",
                        help="numbers of accounts to crawl, comma-separated (default 3,6,12)")
    parser.add_argument("--posts", type=int, default=20, help="posts per account in the world")
    parser.add_argument("--no-comments", action="store_true", help="skip comments")
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit("error: /usr/bin/chromium is missing (apt-get install -y chromium)")
    try:
        ns = sorted({int(x) for x in opts.ns.split(",") if x.strip()})
    except ValueError:
        raise SystemExit(f"error: --ns {opts.ns!r}: expected numbers like 3,6,12") from None
    if not ns or ns[0] < 1:
        raise SystemExit("error: --ns needs positive numbers")

    from govspider.sandbox.server import SandboxServer

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-douyin-") as tmp, SandboxServer(
            seed=opts.seed, size={"units": max(ns), "posts_per_account": opts.posts},
            now="2026-11-20T12:00:00+08:00") as sandbox:
        workdir = Path(tmp)
        accounts = [a.platform_id for a in sandbox.world.accounts("douyin")]
        if len(accounts) < max(ns):
            raise SystemExit(f"error: the sandbox has only {len(accounts)} douyin accounts")
        settings = {"DOUYIN_BASE_URL": sandbox.settings["DOUYIN_BASE_URL"],
                    "GOVSPIDER_STORE_ENABLED": False, "GOVSPIDER_DETECT_ENABLED": False,
                    "LOG_LEVEL": "WARNING", "DOUYIN_COMMENTS": not opts.no_comments}
        for n in ns:
            registry = write_registry(Path(sandbox.registry_path), accounts[:n],
                                      workdir / f"registry-{n}.yaml")
            row = crawl(n, registry, settings, workdir)
            rows.append(row)
            print(f"N={n:>4}  items={row['items']:>6}  {row['wall_seconds']:6.1f}s  "
                  f"crawler {row['crawler_peak_rss_mb']:7.1f} MB  "
                  f"chromium RSS {row['chromium_peak_rss_mb']:7.1f} MB "
                  f"PSS {row['chromium_peak_pss_mb']:7.1f} MB "
                  f"({row['chromium_processes_peak']} procs)", flush=True)

    base = rows[0]
    print(f"\n{'N':>5} {'crawler RSS':>12} {'ratio':>6} {'chromium RSS':>13} {'ratio':>6} "
          f"{'chromium PSS':>13} {'ratio':>6}")
    for row in rows:
        row["crawler_ratio"] = row["crawler_peak_rss_mb"] / max(base["crawler_peak_rss_mb"], 1e-9)
        row["chromium_rss_ratio"] = row["chromium_peak_rss_mb"] / max(
            base["chromium_peak_rss_mb"], 1e-9)
        row["chromium_pss_ratio"] = row["chromium_peak_pss_mb"] / max(
            base["chromium_peak_pss_mb"], 1e-9)
        print(f"{row['accounts']:>5} {row['crawler_peak_rss_mb']:>9.1f} MB {row['crawler_ratio']:>6.2f}"
              f" {row['chromium_peak_rss_mb']:>10.1f} MB {row['chromium_rss_ratio']:>6.2f}"
              f" {row['chromium_peak_pss_mb']:>10.1f} MB {row['chromium_pss_ratio']:>6.2f}")
    last = rows[-1]
    path = write_result("douyin_browser", {"posts_per_account": opts.posts,
                                           "comments": not opts.no_comments, "rows": rows})
    print(f"results: {path}")
    headline(f"douyin browser memory from N={base['accounts']} to N={last['accounts']} accounts: "
             f"crawler x{last['crawler_ratio']:.2f}, chromium RSS x{last['chromium_rss_ratio']:.2f}"
             f" (PSS x{last['chromium_pss_ratio']:.2f}); ~1.0 = flat")


if __name__ == "__main__":
    main()
