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


def gov_posts(n: int, seed: int = 3, accounts: int = 200) -> list[Any]:
    """``n`` invented government posts (Post items) with the sandbox's Chinese text (about 120
    characters each, from one to six sentences), a minute apart."""
    import random
    from datetime import datetime, timedelta

    from govspider.items import Post
    from govspider.processors import CST
    from govspider.sandbox import text as sandbox_text

    rng = random.Random(seed)
    ctx = {"r": "江城", "full": "江城市", "org": "江城市公安局", "date": "11月20日", "year": "2026",
           "short": "江城", "unit": "江城市公安局"}
    duties = list(sandbox_text.TOPICS)
    t0 = datetime(2026, 1, 1, tzinfo=CST)
    return [Post(_id=f"weibo:{4900000000000000 + i}", platform="weibo",
                 platform_id=str(4900000000000000 + i), account_id=f"weibo:{6100000000 + i % accounts}",
                 text="".join(sandbox_text.gov_sentences(rng, rng.choice(duties), ctx, rng.randint(1, 6))),
                 published_at=t0 + timedelta(minutes=i), metrics={"likes": i % 97}) for i in range(n)]


def embedded_or_uri(prefix: str) -> tuple[str, Any]:
    """``MONGODB_URI``, or a fresh embedded server in a temporary directory: (uri, server)."""
    import os
    import tempfile

    from govspider.storage.embedded import EmbeddedServer

    uri = os.environ.get("MONGODB_URI")
    if uri:
        return uri, None
    server = EmbeddedServer(tempfile.mkdtemp(prefix=prefix))
    return server.start(), server
