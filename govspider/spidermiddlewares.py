"""Per-account progress: an account is *complete* once every request of it was answered.

A crawl of thousands of accounts that dies at 90% should not crawl the 90% again. This spider
middleware counts, per account (the request meta key ``ACCOUNT_META``), the requests scheduled
and not yet answered (their callback's output fully consumed). When an account's count drops
to zero and none of its requests gave up on an error or hit a persistent wall, it yields an
:class:`~govspider.items.AccountCrawl` after the account's last items; the storage writer
stores it after them (last in its batch), so a stored mark means the account's items are
stored. The next incremental crawl of the account stops where that crawl stopped
(``Corpus.completed_at``), even when the run as a whole was killed.

A request that is never answered (a download error after every retry, a request dropped by a
middleware) leaves its account without a mark: the safe direction, the next run crawls the
account again. Marks are off with ``since`` (an account crawled down to a date is not
complete), in distributed crawls (another worker answers some of the requests) and with
``GOVSPIDER_ACCOUNT_MARKS = False``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

from govspider.downloadermiddlewares import ACCOUNT_META
from govspider.items import AccountCrawl

#: request meta key: this request was counted for its account
_COUNTED = "govspider_account_counted"


class AccountProgressMiddleware:
    def __init__(self, crawler: Any):
        settings = crawler.settings
        if not settings.getbool("GOVSPIDER_ACCOUNT_MARKS", True):
            raise NotConfigured("GOVSPIDER_ACCOUNT_MARKS is off")
        if "scrapy_redis" in str(settings.get("SCHEDULER")) or "Shared" in str(settings.get("SCHEDULER")):
            raise NotConfigured("account marks are per process; a distributed crawl has none")
        self.crawler = crawler
        self.pending: Counter[str] = Counter()
        self.marked: set[str] = set()
        self.account_ids: set[str] | None = None
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> AccountProgressMiddleware:
        return cls(crawler)

    # ------------------------------------------------------------------ counting
    def _count(self, out: Any) -> None:
        if isinstance(out, Request) and out.meta.get(ACCOUNT_META) is not None \
                and not out.meta.get(_COUNTED):
            out.meta[_COUNTED] = True
            self.pending[str(out.meta[ACCOUNT_META])] += 1

    def _answered(self, request: Any, spider: Any) -> AccountCrawl | None:
        """One counted request answered; the account's mark when it was the last one."""
        if request is None or not request.meta.get(_COUNTED):
            return None
        account = str(request.meta[ACCOUNT_META])
        self.pending[account] -= 1
        if self.pending[account] > 0 or account in self.marked:
            return None
        del self.pending[account]
        spoiled = set(getattr(spider, "failed_accounts", ())) | set(getattr(spider, "walled_accounts", ()))
        if account in spoiled or getattr(spider, "since", None) or account not in self._ids(spider):
            return None
        self.marked.add(account)
        self.crawler.stats.inc_value("govspider/accounts_complete")
        return AccountCrawl(_id=account, account_id=account, platform=account.split(":", 1)[0])

    def _ids(self, spider: Any) -> set[str]:
        """The ``_id``s of the accounts the spider was asked to crawl (a request keyed by
        something else, e.g. an account name before the platform's id of it is known, marks nothing)."""
        if self.account_ids is None:
            accounts = getattr(spider, "accounts", None)
            try:
                self.account_ids = {a.account_id for a in accounts()} if callable(accounts) else set()
            except Exception:  # noqa: BLE001 - a spider without a registry marks nothing
                self.account_ids = set()
        return self.account_ids

    def request_dropped(self, request: Any, spider: Any = None) -> None:
        # a duplicate of a request already answered: nothing left to wait for
        if request.meta.get(_COUNTED):
            account = str(request.meta[ACCOUNT_META])
            self.pending[account] -= 1

    # ------------------------------------------------------------------ Scrapy hooks
    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for out in start:
            self._count(out)
            yield out

    def process_spider_output(self, response: Any, result: Iterable[Any],
                              spider: Any = None) -> Iterator[Any]:
        for out in result:
            self._count(out)
            yield out
        mark = self._answered(response.request, spider or self.crawler.spider)
        if mark is not None:
            yield mark

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        async for out in result:
            self._count(out)
            yield out
        mark = self._answered(response.request, spider or self.crawler.spider)
        if mark is not None:
            yield mark
