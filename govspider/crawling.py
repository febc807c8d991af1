"""Running spiders in this process with the project's settings."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import CrawlerProcess


def run_crawls(spiders: list[str], settings: Any, spider_args: dict[str, Any] | None = None,
               ) -> dict[str, dict[str, Any]]:
    """Run the named spiders together (one reactor) and return a summary of each crawl's stats."""
    process = CrawlerProcess(settings)
    crawlers = []
    for name in spiders:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler, **(spider_args or {}))
    process.start()
    return {c.spidercls.name: summarize(c.stats.get_stats()) for c in crawlers}


def summarize(stats: dict[str, Any]) -> dict[str, Any]:
    """The figures an operator looks at first."""
    items = {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("govspider/items/")}
    errors = {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("govspider/errors/")}
    return {
        "crawl_id": stats.get("govspider/crawl_id"),
        "finish_reason": stats.get("finish_reason"),
        "requests": stats.get("downloader/request_count", 0),
        "items": items,
        "invalid": sum(v for k, v in stats.items() if k.startswith("govspider/invalid/")),
        "errors": errors,
        "gave_up": sum(v for k, v in stats.items() if k.startswith("govspider/errors_gave_up/")),
        "findings": sum(v for k, v in stats.items() if k.startswith("govspider/findings/")),
        "elapsed_seconds": stats.get("elapsed_time_seconds"),
        # the monitors' verdict (govspider.monitors); None when they did not run
        "health": {"passed": stats.get("govspider/health/passed"),
                   "failed": list(stats.get("govspider/health/failed") or [])},
    }


def unhealthy(summaries: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Crawls whose health checks failed (or never ran), with the failed checks' names."""
    return {name: s["health"]["failed"] or ["health checks did not run"]
            for name, s in summaries.items() if s["health"]["passed"] is not True}
