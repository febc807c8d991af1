"""Running spiders in this process with the project's settings."""

from __future__ import annotations

import signal
import threading
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
    _sighup_like_sigterm()
    process.start()
    return {c.spidercls.name: summarize(c.stats.get_stats()) for c in crawlers}


def _sighup_like_sigterm() -> None:
    """Scrapy shuts down gracefully on SIGINT and SIGTERM; make SIGHUP (a closed terminal or
    SSH session) do the same, unless it is ignored (``nohup``)."""
    from twisted.internet import reactor  # import-here: Scrapy installs the reactor first

    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        return

    def install() -> None:  # once Scrapy has installed its own handlers
        handler = signal.getsignal(signal.SIGTERM)
        if callable(handler):
            signal.signal(signal.SIGHUP, handler)

    reactor.callLater(0, install)


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
        # what the database acknowledged (items above are what the crawl scraped and validated)
        "stored": stats.get("govspider/store/stored"),
        "not_stored": sum(v for k, v in stats.items()
                          if k.startswith(("govspider/store/lost/", "govspider/store/failed/"))),
        "elapsed_seconds": stats.get("elapsed_time_seconds"),
        # the monitors' verdict (govspider.monitors); None when they did not run
        "health": {"passed": stats.get("govspider/health/passed"),
                   "failed": list(stats.get("govspider/health/failed") or [])},
    }


def unhealthy(summaries: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Crawls whose health checks failed (or never ran), with the failed checks' names."""
    return {name: s["health"]["failed"] or ["health checks did not run"]
            for name, s in summaries.items() if s["health"]["passed"] is not True}
