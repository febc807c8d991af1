"""Shared helpers for benchmarks: timing, peak memory, result files.

Figures are printed as ratios against a baseline measured in the same run, because these
machines are shared and noisy; each benchmark prints its headline figure last and writes a
JSON result file under ``bench/results/``.
"""

from __future__ import annotations

import json
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """The best wall time of ``repeat`` runs (less noise than the mean on a shared machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_of_alternating(fns: list[Callable[[], Any]], repeat: int = 3) -> list[float]:
    """The best wall time of each function, runs interleaved (a, b, a, b...) so that a slow
    spell of a shared machine falls on both sides of a ratio instead of on one.

    Each function first runs once unmeasured: a database server is much faster on its very
    first writes (SecantusDB took half the time to fill its first collection as to refill it
    after a drop), and best-of would otherwise hand that to whichever side ran first.
    """
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "python": sys.version.split()[0], "machine": platform.machine(),
               "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **figures}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    return path


def headline(text: str) -> None:
    """The benchmark's figure: printed last."""
    print(text, flush=True)
