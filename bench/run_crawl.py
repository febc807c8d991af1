"""Run one crawl in this process and write its figures (stats, peak memory) as JSON.

Used by the benchmarks as a subprocess, so every crawl gets a fresh reactor and its own
peak-memory figure: ``python bench/run_crawl.py OUT.json SPIDER [-a K=V] [-s K=V]``, where
SPIDER is a project spider name or a path to a spider file.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    out, spider, *rest = sys.argv[1:]
    args, sets = {}, {}
    for flag, pair in zip(rest[::2], rest[1::2], strict=True):
        key, value = pair.split("=", 1)
        (args if flag == "-a" else sets)[key] = value
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govspider.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(sets, priority="cmdline")
    process = CrawlerProcess(settings)
    if spider.endswith(".py"):
        import importlib.util

        spec = importlib.util.spec_from_file_location("bench_spider", spider)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        from scrapy import Spider

        spidercls = next(v for v in vars(module).values()
                         if isinstance(v, type) and issubclass(v, Spider) and v is not Spider)
        crawler = process.create_crawler(spidercls)
    else:
        crawler = process.create_crawler(spider)
    marks: dict[str, float] = {}

    def cpu_now() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    from scrapy import signals

    # CPU between spider_opened and spider_closed: the crawl itself, without imports and set-up
    # (receivers are held here: Scrapy's signals keep only weak references)
    def opened(spider: object) -> None:
        marks.setdefault("opened", cpu_now())

    def closed(spider: object, reason: str) -> None:
        marks.setdefault("closed", cpu_now())

    crawler.signals.connect(opened, signal=signals.spider_opened)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    started = time.perf_counter()
    process.crawl(crawler, **args)
    process.start()
    wall = time.perf_counter() - started
    stats = crawler.stats.get_stats()
    figures = {
        "spider": spider, "wall_seconds": wall,
        "elapsed_seconds": stats.get("elapsed_time_seconds"),
        "responses": stats.get("response_received_count", 0),
        "items": stats.get("item_scraped_count", 0),
        "errors": {k: v for k, v in stats.items() if k.startswith("govspider/errors")},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_seconds": (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)),
        "crawl_cpu_seconds": marks.get("closed", 0.0) - marks.get("opened", 0.0),
        "children_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    Path(out).write_text(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
