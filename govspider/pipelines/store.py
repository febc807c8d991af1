"""Store items in MongoDB in batches, and record the crawl run."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import Future
from datetime import datetime, timezone
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from govspider.items import Post
from govspider.pipelines.corpus import Corpus
from govspider.processors import parse_time
from govspider.storage.derived import refresh_last_post_at
from govspider.storage.writer import StorageUnavailable

logger = logging.getLogger(__name__)


class StorePipeline:
    """Upsert items into the corpus (``GOVSPIDER_STORE_*`` settings).

    Items are batched (``GOVSPIDER_STORE_BATCH_SIZE``) and written on a background thread; when
    more than ``GOVSPIDER_STORE_MAX_PENDING`` batches wait, the pipeline waits for the oldest,
    so a slow database slows the crawl instead of filling memory. One ``crawl_runs`` document is
    written per run, with the crawl's stats.

    The ``govspider/store/*`` stats count only what the database acknowledged. While the
    database cannot be reached, batches are held and retried (``GOVSPIDER_STORE_OUTAGE_SECONDS``,
    default 120) and the crawl waits for them; past that the crawl stops with the finish reason
    ``storage_unavailable`` (so an unhealthy verdict and a non-zero exit) and what it could not
    write is counted in ``govspider/store/lost/*``.

    A crawl that finishes (finish reason ``finished``) with nothing lost, no failed batch and
    no platform error given up is *completed*: its ``crawl_runs`` document lists the accounts it
    covered in ``accounts_completed``, which is where the next incremental crawl of each
    account stops (:meth:`Corpus.latest_post_time`).

    When the crawl closes, the ``last_post_at`` of the accounts whose posts it stored is set
    from the stored posts (:func:`govspider.storage.derived.refresh_last_post_at`). A crawl on
    a frozen clock (``GOVSPIDER_NOW``: a sandbox world's "now") records it in ``now``.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        settings = crawler.settings
        if not settings.getbool("GOVSPIDER_STORE_ENABLED", True):
            raise NotConfigured("GOVSPIDER_STORE_ENABLED is off")
        self.batch_size = settings.getint("GOVSPIDER_STORE_BATCH_SIZE", 500)
        self.max_pending = settings.getint("GOVSPIDER_STORE_MAX_PENDING", 4)
        self.corpus: Corpus | None = None
        self.batch: list[Any] = []
        self.pending: deque[Future[Any]] = deque()
        #: accounts whose posts this crawl stored (their last_post_at is refreshed at the end)
        self.posting_accounts: set[str] = set()
        self.started_at = datetime.now(timezone.utc)
        #: set when the crawl is being stopped because the database is unavailable
        self.stopping = False
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        self.corpus = Corpus.for_crawler(self.crawler)
        self.crawler.stats.set_value("govspider/crawl_id", self.corpus.crawl_id)
        run: dict[str, Any] = {"spider": self.crawler.spidercls.name,
                               "started_at": self.started_at, "status": "running"}
        frozen = self.crawler.settings.get("GOVSPIDER_NOW")
        if frozen:
            run["now"] = parse_time(frozen)
        self.corpus.db["crawl_runs"].update_one({"_id": self.corpus.crawl_id}, {"$set": run},
                                                upsert=True)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        # synchronous on the hot path; a Deferred only when the database is behind
        self.batch.append(item)
        account_id = getattr(item, "account_id", None)
        if account_id is not None and isinstance(item, Post):
            self.posting_accounts.add(account_id)
        if len(self.batch) >= self.batch_size:
            self._submit()
        if len(self.pending) > self.max_pending:
            return deferred_from_coro(self._wait_for_writer(item))
        return item

    async def _wait_for_writer(self, item: Any) -> Any:
        while len(self.pending) > self.max_pending:
            future = self.pending.popleft()
            try:
                await asyncio.wrap_future(future)
            except Exception:  # noqa: BLE001 - _check reports it, once, as a stop when it must
                pass
            self._check(future)
        return item

    def add(self, item: Any) -> None:
        """Queue an item that did not come through ``process_item`` (findings)."""
        self.batch.append(item)
        if len(self.batch) >= self.batch_size:
            self._submit()

    def _submit(self) -> None:
        assert self.corpus is not None
        batch, self.batch = self.batch, []
        self.pending.append(self.corpus.submit(batch))
        while self.pending and self.pending[0].done():
            self._check(self.pending.popleft())

    def _check(self, future: Future[Any], closing: bool = False) -> None:
        exc = future.exception()
        if exc is None:
            return
        self.crawler.stats.inc_value("govspider/store/batch_failed")
        if not isinstance(exc, StorageUnavailable):
            logger.error("A batch could not be written: %s", exc)
            return
        if self.stopping:
            return
        self.stopping = True
        logger.error("Stopping the crawl: %s (what was not written is counted in "
                     "govspider/store/lost; the next incremental crawl fetches it again)", exc)
        engine = getattr(self.crawler, "engine", None)
        if not closing and engine is not None and getattr(engine, "spider", None) is not None:
            deferred_from_coro(engine.close_spider_async(reason="storage_unavailable"))

    def close_spider(self, spider: Any = None) -> None:
        if self.corpus is None:
            return
        if self.batch:
            self._submit()
        while self.pending:
            future = self.pending.popleft()
            future.exception()  # wait
            self._check(future, closing=True)
        stats = self.corpus.writer.stats
        for name, counts in (("inserted", stats.inserted), ("updated", stats.updated),
                             ("unchanged", stats.unchanged), ("failed", stats.failed),
                             ("lost", stats.lost)):
            for collection, n in counts.items():
                self.crawler.stats.set_value(f"govspider/store/{name}/{collection}", n)
        self.crawler.stats.set_value("govspider/store/versions", stats.versions)
        self.crawler.stats.set_value("govspider/store/stored", stats.total())
        if stats.retries:
            self.crawler.stats.set_value("govspider/store/retries", stats.retries)

    def spider_closed(self, spider: Any, reason: str) -> None:
        corpus = self.corpus
        if corpus is None:
            return
        try:
            all_stats = self.crawler.stats.get_stats()
            errors = {k.split("/", 2)[2]: v for k, v in all_stats.items()
                      if k.startswith("govspider/errors/")}
            run: dict[str, Any] = {
                "finished_at": datetime.now(timezone.utc), "status": "finished",
                "finish_reason": reason, "stats": _mongo_safe(all_stats), "errors": errors,
                "write_errors": corpus.writer.stats.errors}
            if _completed(reason, all_stats):
                run["accounts_completed"] = _account_ids(spider)
            if corpus.writer.unavailable is None:
                corpus.db["crawl_runs"].update_one({"_id": corpus.crawl_id}, {"$set": run},
                                                   upsert=True)
                refresh_last_post_at(corpus.db, self.posting_accounts)
            else:
                logger.error("The crawl run %s could not be recorded: %s", corpus.crawl_id,
                             corpus.writer.unavailable)
        except Exception as exc:  # the database went away at the very end
            logger.error("The crawl run %s could not be recorded: %s", corpus.crawl_id, exc)
        finally:
            corpus.close()


def _completed(reason: str, stats: dict[str, Any]) -> bool:
    """Did the crawl see everything it was asked to, and store it all?"""
    return reason == "finished" and not any(
        v for k, v in stats.items()
        if k.startswith(("govspider/store/lost/", "govspider/errors_gave_up/"))
        or k == "govspider/store/batch_failed")


def _account_ids(spider: Any) -> list[str]:
    """The accounts the spider was asked to crawl (its registry's, on its platform)."""
    accounts = getattr(spider, "accounts", None)
    if not callable(accounts):
        return []
    try:
        return sorted({a.account_id for a in accounts()})
    except Exception:  # a spider without a registry
        return []


def _mongo_safe(stats: dict[str, Any]) -> dict[str, Any]:
    """Stats keys may hold dots (exception class paths); MongoDB field names should not."""
    return {k.replace(".", "_").replace("$", "_"): v for k, v in stats.items()}
