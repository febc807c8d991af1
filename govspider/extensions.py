"""Scrapy extensions of the framework.

``GcTuning``: a crawl builds a large, long-lived heap before its first request (platform plugins,
detector lexicons and automata, pinyin and OpenCC dictionaries, pymongo) and then allocates
millions of short-lived objects (responses, requests, items, asyncio tasks). CPython's
generational collector re-traverses the whole long-lived heap on every full collection, which the
crawl benchmark measured at about a fifth of the crawler's CPU time. Once the crawl is set up
this extension collects once and moves everything alive into the permanent generation
(``gc.freeze()``), so later collections only traverse what the crawl allocates; at the end it
unfreezes, so a process that runs several crawls in turn can free the previous crawl's objects.

Settings: ``GOVSPIDER_GC_FREEZE`` (default True) and ``GOVSPIDER_GC_THRESHOLD`` (the young
generation's allocation threshold, default 10,000 instead of CPython's 700; 0 leaves it alone).
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


class GcTuning:
    def __init__(self, freeze: bool, threshold: int):
        self.freeze = freeze
        self.threshold = threshold
        self._saved_threshold: tuple[int, int, int] | None = None
        self._frozen = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> GcTuning:
        freeze = crawler.settings.getbool("GOVSPIDER_GC_FREEZE", True)
        threshold = crawler.settings.getint("GOVSPIDER_GC_THRESHOLD", 10_000)
        if not freeze and threshold <= 0:
            raise NotConfigured
        ext = cls(freeze, threshold)
        # spider_opened comes after the item pipelines' open_spider (lexicons warmed, database
        # connected), so what is frozen is the crawl's set-up, not its data
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        if self.threshold > 0:
            self._saved_threshold = gc.get_threshold()
            gc.set_threshold(self.threshold, *self._saved_threshold[1:])
        if self.freeze:
            gc.collect()
            gc.freeze()
            self._frozen = True
            logger.debug("gc: froze %d set-up objects", gc.get_freeze_count())

    def spider_closed(self, spider: Any) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
        if self._saved_threshold is not None:
            gc.set_threshold(*self._saved_threshold)
            self._saved_threshold = None
