"""Crawl health as declarative spidermon monitors (run when a spider closes).

Monitors watch the crawl; detectors judge content. The verdict is written into the crawl's
stats (``govspider/health/*``), and so into its ``crawl_runs`` document.

Thresholds (settings): ``GOVSPIDER_MIN_UNDERSTOOD`` (responses a parser understood, default 1:
an incremental run that rightly finds nothing new still passes), ``GOVSPIDER_MAX_GAVE_UP`` (platform
errors given up after every retry, default 0), ``GOVSPIDER_MAX_INVALID_SHARE`` (dropped invalid
items / items, default 0.01), ``SPIDERMON_MAX_ERRORS`` (ERROR log lines, default 0).
"""

from __future__ import annotations

from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors import (
    BaseScrapyMonitor,
    ErrorCountMonitor,
    FinishReasonMonitor,
)
from spidermon.core.actions import Action


@monitors.name("Platform errors given up")
class GaveUpMonitor(BaseScrapyMonitor):
    """No request was abandoned on a platform error (login wall, rate limit...) after retries."""

    @monitors.name("No platform error was given up")
    def test_gave_up(self) -> None:
        stats = self.data.stats
        gave_up = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                   if k.startswith("govspider/errors_gave_up/")}
        allowed = self.crawler.settings.getint("GOVSPIDER_MAX_GAVE_UP", 0)
        self.assertLessEqual(sum(gave_up.values()), allowed,
                             msg=f"platform errors given up after retries: {gave_up}")


@monitors.name("Responses understood")
class UnderstoodMonitor(BaseScrapyMonitor):
    """Some responses were understood by a parser (any outcome but error)."""

    @monitors.name("Parsers understood the platform's answers")
    def test_understood(self) -> None:
        stats = self.data.stats
        understood = sum(v for k, v in stats.items()
                         if k.startswith("govspider/outcome/") and not k.endswith("/error"))
        minimum = self.crawler.settings.getint("GOVSPIDER_MIN_UNDERSTOOD", 1)
        self.assertGreaterEqual(understood, minimum,
                                msg=f"only {understood} responses understood by a parser")


@monitors.name("Invalid items")
class InvalidItemsMonitor(BaseScrapyMonitor):
    """Few items were dropped for breaking the data model."""

    @monitors.name("Share of invalid items is small")
    def test_invalid_share(self) -> None:
        stats = self.data.stats
        invalid = sum(v for k, v in stats.items() if k.startswith("govspider/invalid/"))
        valid = sum(v for k, v in stats.items() if k.startswith("govspider/items/"))
        limit = self.crawler.settings.getfloat("GOVSPIDER_MAX_INVALID_SHARE", 0.01)
        self.assertLessEqual(invalid, limit * max(valid + invalid, 1),
                             msg=f"{invalid} invalid items for {valid} valid ones")


@monitors.name("Items stored")
class StoredMonitor(BaseScrapyMonitor):
    """Everything the crawl scraped reached the database (no batch lost to an outage)."""

    @monitors.name("No item was lost for want of the database")
    def test_stored(self) -> None:
        stats = self.data.stats
        lost = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                if k.startswith("govspider/store/lost/") and v}
        self.assertFalse(lost, msg=f"items not stored (database unavailable): {lost}")
        self.assertFalse(stats.get("govspider/store/batch_failed"),
                         msg=f"{stats.get('govspider/store/batch_failed')} batches not written")


class RecordHealth(Action):
    """Write the monitors' verdict into the crawl stats (stored in ``crawl_runs``)."""

    def run_action(self) -> None:
        failed = sorted({r.monitor.name for r in self.result.monitors_failed_results})
        stats = self.data.crawler.stats
        stats.set_value("govspider/health/passed", not failed)
        stats.set_value("govspider/health/failed", failed)


class CrawlHealth(MonitorSuite):
    """The monitors run when a govspider crawl closes."""

    monitors = [FinishReasonMonitor, UnderstoodMonitor, ErrorCountMonitor, GaveUpMonitor,
                InvalidItemsMonitor, StoredMonitor]
    monitors_finished_actions = [RecordHealth]
