"""The corpus's normal form: one rule per field (``docs/data-model.md``), applied to every item
a crawl stores, whatever its platform's parsers said.

* posts: ``deleted`` is always a boolean; a post with a ``text`` has ``topics``, ``mentions``,
  ``links`` and ``media`` lists (``[]`` when it has none); ``monitored`` tells whether its
  account is monitored (in the crawl's registry or already in ``accounts``), so the originals
  of reposts by other accounts carry ``monitored: false``;
* accounts: ``unit``, ``region`` (a GB/T 2260 code) and ``region_name`` come from the
  registry (:func:`govspider.registry.region_fields`).

The rules themselves are in :mod:`govspider.normalform` (shared with ``govspider db migrate``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import NotConfigured

from govspider.items import Account, Post
from govspider.normalform import normalize_account, normalize_post
from govspider.pipelines.corpus import Corpus
from govspider.registry import RegistryAccount

logger = logging.getLogger(__name__)

class NormalizePipeline:
    """Bring items to the corpus's normal form before they are stored.

    The accounts known to be monitored are the crawl's registry's (every platform) and those
    already in ``accounts`` when the crawl opens.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.entries: dict[str, RegistryAccount] = {}
        self.monitored: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> NormalizePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        spider = spider if spider is not None else getattr(self.crawler, "spider", None)
        registry = getattr(spider, "registry", None)
        self.entries = {a.account_id: a for a in getattr(registry, "accounts", ())}
        self.monitored = set(self.entries)
        try:
            corpus = Corpus.for_crawler(self.crawler)
        except NotConfigured:
            return
        self.monitored.update(d["_id"] for d in corpus.db["accounts"].find({}, {"_id": 1}))

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, Post):
            normalize_post(item.__dict__, self.monitored)
        elif isinstance(item, Account):
            normalize_account(item.__dict__, self.entries.get(item._id))
        return item
