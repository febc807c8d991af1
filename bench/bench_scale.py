"""Scale: crawl worlds of about 1,000, 10,000 and 100,000 Weibo posts into MongoDB.

Reports how crawl time and the crawler's peak memory grow with the world. Expected: time grows
linearly and peak memory stays flat (growth under 50 MB from the smallest to the largest). Time
is compared per page fetched: worlds of different sizes have different comment densities, so
items per page differ while the work per page does not. Comments are capped at one page per post (``WEIBO_MAX_COMMENT_PAGES``)
so that the run measures posts, not the comment volume. The browser path (Douyin) is measured
by ``bench/bench_douyin_browser.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_crawl import crawl  # noqa: E402
from bench.common import headline, write_result  # noqa: E402

#: sandbox sizes (ACCOUNTSxPOSTS, a third of the accounts are on Weibo) -> about N Weibo posts
SIZES = {1_000: "30x100", 10_000: "300x100", 100_000: "3000x100"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-posts", type=int, default=100_000, help="largest world to crawl")
    opts = parser.parse_args()

    from govspider.sandbox.server import SandboxServer
    from govspider.storage.embedded import EmbeddedServer

    tmp = Path(tempfile.mkdtemp(prefix="govspider-bench-scale-"))
    db_server = EmbeddedServer(tmp / "data")
    uri = db_server.start()
    rows = []
    try:
        for posts, size in SIZES.items():
            if posts > opts.max_posts:
                continue
            with SandboxServer(seed=11, size=size, troubles=None) as sandbox:
                figures = crawl("weibo", tmp, f"scale{posts}", dict(sandbox.settings) | {
                    "MONGODB_URI": uri, "MONGODB_DATABASE": f"scale_{posts}", "LOG_LEVEL": "WARNING",
                    "WEIBO_MAX_COMMENT_PAGES": "1"}, {"accounts": str(sandbox.registry_path), "full": "1"})
            figures["world_posts"] = posts
            rows.append(figures)
            print(f"{posts:>8,} posts: {figures['elapsed_seconds']:7.1f} s, {figures['items']:>8,} items, "
                  f"{figures['responses']:>7,} pages, peak RSS {figures['peak_rss_mb']:6.1f} MB", flush=True)
    finally:
        db_server.stop()
    base = rows[0]
    for r in rows:
        r["time_per_page_ratio"] = (r["elapsed_seconds"] / r["responses"]) / (base["elapsed_seconds"] / base["responses"])
        r["time_per_item_ratio"] = (r["elapsed_seconds"] / r["items"]) / (base["elapsed_seconds"] / base["items"])
        r["memory_growth_mb"] = r["peak_rss_mb"] - base["peak_rss_mb"]
    last = rows[-1]
    write_result("scale", {"rows": rows, "memory_target_mb": 50})
    for r in rows:
        print(f"{r['world_posts']:>8,} posts: time per page x{r['time_per_page_ratio']:.2f} of the smallest "
              f"(per item x{r['time_per_item_ratio']:.2f}), memory +{r['memory_growth_mb']:.1f} MB")
    headline(f"scale: {base['world_posts']:,} -> {last['world_posts']:,} posts: time per page "
             f"x{last['time_per_page_ratio']:.2f}, peak memory +{last['memory_growth_mb']:.1f} MB "
             "(targets: ~x1.0, < 50 MB)")


if __name__ == "__main__":
    main()
