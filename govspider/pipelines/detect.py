"""Run item-scope detectors on items as they are crawled; findings go to the store."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from scrapy.exceptions import NotConfigured

from govspider.detection import DetectContext, Detector
from govspider.items import Item
from govspider.pipelines.store import StorePipeline
from govspider.plugins import installed_plugins
from govspider.processors import CST, parse_time
from govspider.scan import cite_source

logger = logging.getLogger(__name__)


def select_detectors(only: list[str] | tuple[str, ...] | None = None) -> list[Detector]:
    """Installed detectors, or the named ones (``ValueError`` names an unknown one)."""
    installed = installed_plugins().detectors
    if not only:
        return list(installed.values())
    unknown = [n for n in only if n not in installed]
    if unknown:
        raise ValueError(f"unknown detector(s): {', '.join(unknown)} "
                         f"(installed: {', '.join(sorted(installed)) or 'none'})")
    return [installed[n] for n in only]


class DetectPipeline:
    """Judge each crawled item with the item-scope detectors (``GOVSPIDER_DETECT_*``).

    Account- and corpus-scope detectors need the whole history and run in ``govspider scan``.
    """

    def __init__(self, crawler: Any, detectors: list[Detector]):
        self.crawler = crawler
        self.detectors = detectors
        self.by_type: dict[str, list[Detector]] = {}
        for det in detectors:
            for kind in det.accepts:
                self.by_type.setdefault(kind, []).append(det)
        self.store: Any = None
        self.settings: dict[str, Any] = {}
        self.frozen_now: datetime | None = None
        self.ctx = DetectContext(now=datetime.now(CST))

    @classmethod
    def from_crawler(cls, crawler: Any) -> DetectPipeline:
        settings = crawler.settings
        if not settings.getbool("GOVSPIDER_DETECT_ENABLED", True):
            raise NotConfigured("GOVSPIDER_DETECT_ENABLED is off")
        detectors = [d for d in select_detectors(settings.getlist("GOVSPIDER_DETECT_ONLY"))
                     if d.scope == "item"]
        if not detectors:
            raise NotConfigured("no item-scope detector installed")
        return cls(crawler, detectors)

    def _now(self) -> datetime:
        return self.frozen_now or datetime.now(CST)

    def open_spider(self, spider: Any = None) -> None:
        self.settings = {"GOVSPIDER_DETECTORS": self.crawler.settings.getdict("GOVSPIDER_DETECTORS")}
        frozen = self.crawler.settings.get("GOVSPIDER_NOW")
        self.frozen_now = parse_time(frozen) if frozen else None
        #: one context for the crawl; only ``now`` changes from item to item
        self.ctx = DetectContext(now=self._now(), settings=self.settings)
        # the registry's accounts: a finding about a post names its account's unit
        spider = spider if spider is not None else getattr(self.crawler, "spider", None)
        for entry in getattr(getattr(spider, "registry", None), "accounts", ()):
            self.ctx.accounts.setdefault(entry.account_id, {"_id": entry.account_id,
                                                            "unit": entry.unit})
        # build lexicons and automatons now, not inside the first crawled item
        ctx = DetectContext(now=self._now(), settings=self.settings)
        for det in self.detectors:
            for kind in det.accepts:
                sample = {"item_type": kind, "_id": f"{kind}:warm-up", "platform": "warm-up",
                          "text": "预热", "raw_html": "<p>预热</p>", "url": "https://example.invalid/"}
                try:
                    list(det.detect(sample, ctx))
                except Exception:  # a detector that needs more fields warms up on real items
                    pass
        scraper = getattr(self.crawler.engine, "scraper", None)
        for pipe in getattr(getattr(scraper, "itemproc", None), "middlewares", ()):
            if isinstance(pipe, StorePipeline):
                self.store = pipe

    def process_item(self, item: Any, spider: Any = None) -> Any:
        kind = item.item_type if isinstance(item, Item) else item.get("item_type")
        detectors = self.by_type.get(kind or "")
        if not detectors:
            return item
        data = item.to_dict() if isinstance(item, Item) else item
        ctx = self.ctx
        ctx.now = self.frozen_now or datetime.now(CST)
        for det in detectors:
            try:
                findings = list(det.detect(data, ctx))
            except Exception:  # a detector bug must not stop the crawl
                self.crawler.stats.inc_value(f"govspider/detector_failed/{det.name}")
                logger.exception("Detector %s failed on %s", det.name, data.get("_id"))
                continue
            for finding in findings:
                cite_source(finding, data)
                self.crawler.stats.inc_value(f"govspider/findings/{det.name}")
                if self.store is not None:
                    self.store.add(finding)
        return item
