"""The base of every platform spider: registry input, offline parsers, error handling.

A platform spider decides *what to fetch*; its plugin's parsers (``Platform.parsers``) decide
*what a response says*. Callbacks hold no CSS or JSON paths: they call :meth:`parse_with` and
:meth:`follow_result`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured

from govspider.downloadermiddlewares import (  # noqa: F401 - retry_after, backoff_delay: public here too
    ACCOUNT_META,
    BACKOFF_META,
    PROXY_META,
    backoff_delay,
    retry_after,
)
from govspider.pipelines.corpus import Corpus
from govspider.platform import (
    BLOCKED,
    CAPTCHA,
    ERROR,
    GONE,
    LOGIN_REQUIRED,
    RATE_LIMITED,
    ParseInput,
    ParseResult,
)
from govspider.plugins import installed_plugins
from govspider.processors import CST, parse_time
from govspider.registry import AccountRegistry, RegistryAccount

logger = logging.getLogger(__name__)

#: Request meta: why a request is sent, counted in ``govspider/requests/<purpose>``:
#: ``discovery`` (profiles, listings, what is new), ``revisit`` (what is already stored:
#: re-checks of posts, their comments and long texts); retries are counted as ``retry``.
PURPOSE_META = "govspider_purpose"
DISCOVERY, REVISIT, RETRY = "discovery", "revisit", "retry"
#: platform errors that mean "this address is pushed back on": the proxy that got them is banned
PROXY_BAN_KINDS = frozenset({RATE_LIMITED, CAPTCHA, BLOCKED, LOGIN_REQUIRED})
#: errors that, persisting for an account, end it for the crawl (GOVSPIDER_ACCOUNT_MAX_WALLS)
WALL_KINDS = frozenset({CAPTCHA, BLOCKED, LOGIN_REQUIRED})
#: re-crawl policies (``<PLATFORM>_RECRAWL_POLICY``, docs/recrawl.md)
RECRAWL_POLICIES = ("changed", "all")
#: default ``<PLATFORM>_REVISIT_SCHEDULE``: hours between re-visits of a stored post, by its
#: age in days (younger than 1 day every 6 hours, than 3 days every 24, than 7 days every 72)
DEFAULT_REVISIT_SCHEDULE = {"1": 6, "3": 24, "7": 72}


class PlatformSpider(scrapy.Spider):
    """Base spider of a platform plugin.

    Subclasses set ``name``, ``platform`` and ``base_url_setting`` and implement ``start()``
    (the first requests of each registry account, see the built-in spiders). Spider arguments
    (``-a``): ``accounts=FILE`` (registry), ``full=1`` (re-crawl everything, ignoring what is
    stored), ``since=YYYY-MM-DD``.
    """

    platform: str = ""
    #: Setting that holds the platform's base URL (``<PLATFORM>_BASE_URL``), so the sandbox can
    #: stand in for the platform and the same spider runs against the real site.
    base_url_setting: str = ""
    default_base_url: str = ""

    def __init__(self, *args: Any, accounts: str | None = None, full: Any = False,
                 since: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.registry_path = accounts
        self.full = str(full).lower() in ("1", "true", "yes", "on")
        self.since = datetime.fromisoformat(since).replace(tzinfo=CST) if since else None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PlatformSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.base_url = (settings.get(cls.base_url_setting) or cls.default_base_url).rstrip("/")
        path = spider.registry_path or settings.get("GOVSPIDER_REGISTRY")
        spider.registry = AccountRegistry.load(path) if path else AccountRegistry()
        spider.max_error_retries = settings.getint("GOVSPIDER_ERROR_RETRY_TIMES", 4)
        spider.backoff_base = settings.getfloat("GOVSPIDER_BACKOFF_BASE", 2.0)
        spider.backoff_max = settings.getfloat("GOVSPIDER_BACKOFF_MAX", 300.0)
        spider.backoff_jitter = settings.getfloat("GOVSPIDER_BACKOFF_JITTER", 0.25)
        spider.retry_after_max = settings.getfloat("GOVSPIDER_RETRY_AFTER_MAX", 3600.0)
        crawler.signals.connect(spider.count_request, signal=signals.request_reached_downloader)
        return spider

    def count_request(self, request: Any, spider: Any = None) -> None:
        """Requests by purpose (``govspider/requests/discovery|revisit|retry``)."""
        meta = request.meta
        if meta.get("govspider_error_retries") or meta.get("retry_times"):
            purpose = RETRY
        else:
            purpose = meta.get(PURPOSE_META) or DISCOVERY
        self.crawler.stats.inc_value(f"govspider/requests/{purpose}")

    # ------------------------------------------------------------------ re-crawl policy
    def recrawl_settings(self, settings: Any, prefix: str) -> None:
        """The platform's re-crawl policy settings (docs/recrawl.md): ``<prefix>_RECRAWL_POLICY``
        (``changed`` or ``all``), ``<prefix>_REVISIT_DAYS`` (7) and ``<prefix>_REVISIT_SCHEDULE``
        (hours between re-visits by age in days, :data:`DEFAULT_REVISIT_SCHEDULE`)."""
        self.policy = str(settings.get(f"{prefix}_RECRAWL_POLICY") or "changed").lower()
        if self.policy not in RECRAWL_POLICIES:
            raise ValueError(f"{prefix}_RECRAWL_POLICY must be 'changed' or 'all', "
                             f"not {self.policy!r}")
        self.revisit_days = settings.getfloat(f"{prefix}_REVISIT_DAYS", 7)
        self.revisit_schedule = sorted(
            (float(age), float(hours)) for age, hours in
            (settings.getdict(f"{prefix}_REVISIT_SCHEDULE") or DEFAULT_REVISIT_SCHEDULE).items())

    def due(self, doc: dict[str, Any]) -> bool:
        """Is a stored post to be seen again? By the schedule: hours since it was last seen
        (the wall clock, as ``last_seen_at``) against the interval for its age in days (the
        spider's clock, as ``published_at``); older than the schedule's last age: never."""
        published, seen = doc.get("published_at"), doc.get("last_seen_at")
        if published is None or seen is None:
            return True
        if published.tzinfo is None:  # a client without tz_aware: BSON dates are UTC
            published = published.replace(tzinfo=timezone.utc)
        if seen.tzinfo is None:
            seen = seen.replace(tzinfo=timezone.utc)
        age = (self.now() - published).total_seconds() / 86400
        for max_age, hours in self.revisit_schedule:
            if age < max_age:
                return (datetime.now(timezone.utc) - seen).total_seconds() / 3600 >= hours
        return False

    # ------------------------------------------------------------------ helpers
    def now(self) -> datetime:
        """The fetch time (relative platform times resolve against it).

        ``GOVSPIDER_NOW`` (ISO 8601) freezes it, for replaying a capture or a sandbox world.
        """
        frozen = self.settings.get("GOVSPIDER_NOW") if hasattr(self, "settings") else None
        if frozen:
            return parse_time(frozen) or datetime.now(CST)
        return datetime.now(CST)

    def accounts(self) -> list[RegistryAccount]:
        """The registry's accounts on this spider's platform."""
        return self.registry.for_platform(self.platform)

    def corpus(self) -> Any:
        """Read access to what is already stored (``None`` when storage is off)."""
        try:
            return Corpus.for_crawler(self.crawler)
        except NotConfigured:
            return None

    async def stored_latest(self, account_id: str) -> datetime | None:
        """Publish time of the newest stored post of an account: where an incremental crawl
        stops. ``None`` with ``full`` or without storage. Read on a thread (``Corpus.read``),
        so the reactor keeps downloading meanwhile."""
        corpus = None if self.full else self.corpus()
        if corpus is None:
            return None
        return await corpus.read(corpus.latest_post_time, account_id)

    def parse_with(self, response: Any, kind: str, platform: str | None = None) -> ParseResult:
        """Run the plugin's offline parser ``kind`` on a response and count the outcome."""
        parser = installed_plugins().parser(platform or self.platform, kind)
        inp = ParseInput.from_response(response, now=self.now())
        result = parser(inp)
        self.archive(inp, result)
        stats = self.crawler.stats
        stats.inc_value(f"govspider/outcome/{result.outcome}")
        if result.outcome == ERROR:
            stats.inc_value(f"govspider/errors/{result.error_kind}")
        return result

    def archive(self, inp: ParseInput, result: ParseResult) -> None:
        """With ``GOVSPIDER_ARCHIVE_RESPONSES``, keep the body of a response that gave items in
        ``raw_responses`` and point its items (and so their findings) at it.

        A platform's notice that a post is gone (outcome ``gone``) is not kept: its post goes on
        pointing at the response it was last seen whole in (storage never writes an unknown
        field over a known one), so a finding on the post still cites its text after the
        deletion (the deletion itself is in ``post_versions``)."""
        if not result.items or result.outcome == GONE \
                or not self.settings.getbool("GOVSPIDER_ARCHIVE_RESPONSES"):
            return
        corpus = self.corpus()
        if corpus is None:
            return
        raw_id = corpus.archive(inp)
        for item in result.items:
            if getattr(item, "raw_response_id", "absent") is None:
                item.raw_response_id = raw_id

    def retry_error(self, response: Any, result: ParseResult) -> Iterator[scrapy.Request]:
        """Retry a transient error with exponential backoff; log and count when giving up."""
        request = response.request
        urls = request.meta.get("redirect_urls")
        if urls:  # retry what was asked for, not the captcha page it was redirected to
            meta = {k: v for k, v in request.meta.items() if not k.startswith("redirect_")}
            request = request.replace(url=urls[0], meta=meta)
        attempt = int(request.meta.get("govspider_error_retries", 0)) + 1
        account = request.meta.get(ACCOUNT_META)
        walled = getattr(self, "walled_accounts", set())
        if account is not None and account in walled:
            return  # the account was ended: a wall that persists is not retried further
        if attempt > self.max_error_retries:
            self.crawler.stats.inc_value(f"govspider/errors_gave_up/{result.error_kind}")
            logger.error("Giving up on %s after %d attempts: %s%s", request.url, attempt,
                         result.error_kind, f" ({result.message})" if result.message else "")
            if account is not None:  # not complete: its next crawl does not stop early
                self.__dict__.setdefault("failed_accounts", set()).add(str(account))
                if result.error_kind in WALL_KINDS:
                    self._count_wall(str(account), result.error_kind)
            return
        delay = backoff_delay(attempt, self.backoff_base, self.backoff_max,
                              getattr(self, "backoff_jitter", 0.0),
                              retry_after(response, getattr(self, "retry_after_max", 3600.0)))
        retry = get_retry_request(request, spider=self, reason=f"govspider_{result.error_kind}",
                                  max_retry_times=self.max_error_retries + 1)
        if retry is None:
            return
        # Scrapy's own per-download keys must not travel with the copy (our attempts are counted
        # in govspider_error_retries; retry_times only guards Scrapy's HTTP retries)
        for key in ("download_latency", "download_slot", "download_timeout", "retry_times"):
            retry.meta.pop(key, None)
        retry.meta["govspider_error_retries"] = attempt
        retry.meta[BACKOFF_META] = delay
        proxy = request.meta.get(PROXY_META)
        pool = getattr(self.crawler, "govspider_proxy_pool", None)
        if proxy and pool is not None and result.error_kind in PROXY_BAN_KINDS:
            # the platform pushes back on this address: ban it, retry through another
            pool.banned(proxy, result.error_kind)
            retry.meta.pop("proxy", None)
            retry.meta.pop(PROXY_META, None)
        logger.warning("%s on %s: retry %d/%d in %.1fs", result.error_kind, request.url, attempt,
                       self.max_error_retries, delay)
        yield retry

    def _count_wall(self, account: str, kind: str) -> None:
        """A request of ``account`` given up on a captcha / login wall / block; after
        ``GOVSPIDER_ACCOUNT_MAX_WALLS`` of them the account is ended for this crawl (its other
        requests are dropped) with one clear error, instead of every request looping."""
        counts = self.__dict__.setdefault("_wall_counts", {})
        counts[account] = counts.get(account, 0) + 1
        limit = self.crawler.settings.getint("GOVSPIDER_ACCOUNT_MAX_WALLS", 2)
        walled = self.__dict__.setdefault("walled_accounts", set())
        if counts[account] >= limit and account not in walled:
            walled.add(account)
            self.crawler.stats.inc_value("govspider/accounts_walled")
            self.crawler.stats.inc_value(f"govspider/accounts_walled/{kind}")
            logger.error("Account %s: the platform keeps answering with a %s (%d requests given up "
                         "after every retry); no more requests for this account in this crawl",
                         account, kind, counts[account])

    def follow_result(self, response: Any, result: ParseResult,
                      next_page: Callable[[dict[str, Any]], scrapy.Request | None] | None = None,
                      follow: Callable[[str], scrapy.Request | None] | None = None,
                      ) -> Iterator[Any]:
        """Yield a result's items, its follow-up requests and its next page, or retry it."""
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        yield from result.items
        if follow is not None:
            for url in result.requests:
                request = follow(url)
                if request is not None:
                    yield request
        if next_page is not None and result.next:
            request = next_page(result.next)
            if request is not None:
                yield request
