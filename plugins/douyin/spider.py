"""The Douyin spider: a signing browser (default) or signed plain HTTP (``DOUYIN_MODE=direct``).

Browser mode: one scrapy-playwright page per account opens ``{DOUYIN_BASE_URL}/user/{sec_uid}``;
the page's own JavaScript signs and fetches ``user/profile/other``, ``aweme/post`` (more pages
as the spider scrolls) and ``comment/list`` (+ ``/reply/``). The spider takes those responses
as they arrive and runs the plugin's offline parsers on them. It scrolls until ``has_more`` is 0
or the posts reach what is already stored (pinned posts excluded) or ``-a since=``.

An empty body, ``blocked``, a verify page or a non-zero ``status_code`` in any captured response
is a block, never "no posts": it is counted in ``govspider/errors/<kind>``; the spider backs off
(``DOUYIN_RETRY_DELAY``, doubling) and presses the page's retry control, and after
``DOUYIN_PAGE_ERRORS`` errors in a row it closes the page and its context and retries the account
in a fresh context after the global backoff (``GOVSPIDER_BACKOFF_*``), resuming where it was (the
posts are paged again, only the comments still missing are opened). An account is given up after
``GOVSPIDER_ERROR_RETRY_TIMES`` fresh contexts in a row without progress.

Browser resources are bounded: at most ``DOUYIN_BROWSER_CONCURRENCY`` accounts (and never more
than ``PLAYWRIGHT_MAX_CONTEXTS`` contexts) at a time in a process, one context per account
attempt, page and context always closed afterwards, so memory stays flat over a long crawl
(``bench/bench_douyin_browser.py``). The bound is a page slot taken by :class:`PageSlots` (a
downloader middleware) when a page request is about to be sent and given back when its page
closes, so it holds in a distributed crawl too, where a worker opens pages for requests other
workers queued. Page requests carry only picklable data (the page-init callback by import path),
so scrapy-redis can share them.

Direct mode: plain HTTP requests with the parameters of platforms.md §3.1, signed by the
operator's ``DOUYIN_SIGNER`` (:mod:`govspider_plugins.douyin.signer`); an error is retried with backoff and
a fresh signature. Both modes feed the same offline parsers (:mod:`govspider_plugins.douyin.pages`).

Re-crawls (something stored, no ``full``) follow ``DOUYIN_RECRAWL_POLICY`` (docs/recrawl.md):

- ``changed`` (default): the posts listed on the pages fetched are compared with what is stored.
  A stored post's comments are fetched again only when its listed comment count differs from
  the stored one. Paging stops at the stored posts, unless the account's post count
  (``aweme_count``) dropped (the pages go back, at most ``DOUYIN_DELETION_SEARCH_PAGES``, until
  the stored posts they skip account for the drop), the first page showed a change (new post,
  comment count, text: the ``DOUYIN_REVISIT_DAYS`` window is paged through), or a stored post
  of the window the pages did not reach is due by ``DOUYIN_REVISIT_SCHEDULE`` (hours since it
  was last seen, by its age in days). A stored post missing from the range of the listing the
  pages covered is stored as deleted. In direct mode the profile comes from the listing's
  ``author`` when it carries the counts (``DOUYIN_PROFILE_FROM_POSTS``): an unchanged account
  costs one request.
- ``all``: the comments of every listed post fetched again, the window always paged through.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import scrapy
from scrapy import signals

from govspider.downloadermiddlewares import ACCOUNT_META, BACKOFF_META
from govspider.items import Account, Comment, Post
from govspider.platform import END_OF_LIST, ERROR, OK, ParseInput, ParseResult
from govspider.registry import RegistryAccount
from govspider.spiders.base import DISCOVERY, PURPOSE_META, REVISIT, PlatformSpider
from govspider_plugins.douyin.browser import (
    SCROLL_JS,
    ResponseCollector,
    browser_cookies,
    close_page,
    query_param,
)
from govspider_plugins.douyin.pages import PARSERS
from govspider_plugins.douyin.signer import DEFAULT_USER_AGENT, api_url, load_signer

logger = logging.getLogger(__name__)

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
PAGE_SLOTS = f"{__name__}.PageSlots"
#: the token of the spider (process) whose page slot a page request holds; "" when none
PAGE_SLOT_META = "douyin_page_slot"
#: [cookie file, base URL] for the page-init callback (the path, never the cookie)
COOKIES_META = "douyin_cookies_from"
PROFILE_PATH = "/aweme/v1/web/user/profile/other/"
POSTS_PATH = "/aweme/v1/web/aweme/post/"
COMMENTS_PATH = "/aweme/v1/web/comment/list/"
REPLIES_PATH = "/aweme/v1/web/comment/list/reply/"
POSTS_PAGE_SIZE = 18


class PageBlocked(Exception):
    """A captured response was an error shape (or the page stalled): retry the account."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class AccountState:
    """What the spider knows about one account; survives page attempts (fresh contexts)."""

    account: RegistryAccount
    #: posts at or before this time are already stored (or before ``since``): stop there
    stop_at: datetime | None
    since: datetime | None
    uid: str | None = None
    profile_done: bool = False
    posts_done: bool = False
    post_pages: int = 0
    #: aweme id -> True while its comment pages are still expected (False once complete)
    comments_pending: dict[str, bool] = field(default_factory=dict)
    #: non-pinned posts whose comments were asked for (``DOUYIN_COMMENT_POSTS`` bounds it)
    commented: int = 0
    #: comment id -> aweme id, for reply lists still expected
    replies_pending: dict[str, str] = field(default_factory=dict)
    replies_done: set[str] = field(default_factory=set)
    #: attempts in a row that made no progress (the account is given up after too many)
    idle_attempts: int = 0
    progress: int = 0
    #: re-crawl policy: stored posts (the window's, and those listed) by ``_id`` (None: no policy)
    known: dict[str, dict[str, Any]] | None = None
    #: the stored account document (posts_count), when the policy runs
    stored_account: dict[str, Any] | None = None
    #: direct mode: the profile is taken from the listing's ``author`` (no profile request)
    profile_from_posts: bool = False
    #: ``aweme_count`` shown by this crawl, and new (not stored) non-pinned posts listed
    listed_count: int | None = None
    new_posts: int = 0
    #: the range of non-pinned post times the pages covered (newest first, contiguous)
    covered_from: datetime | None = None
    covered_to: datetime | None = None
    #: the listing showed a change (new post, comment count, text)
    active: bool = False
    #: posts the listing showed in this crawl (``_id``)
    shown: set[str] = field(default_factory=set)
    #: stored posts inside the covered range the listing skipped (deleted or hidden)
    missing: set[str] = field(default_factory=set)
    deletion_pages_used: int = 0
    deletions_done: bool = False

    @property
    def sec_uid(self) -> str:
        return self.account.platform_id

    @property
    def account_id(self) -> str:
        return f"douyin:{self.account.platform_id}"

    def meta(self, **extra: Any) -> dict[str, Any]:
        return {"sec_uid": self.sec_uid, "uid": self.uid, "account_id": self.account_id, **extra}

    def complete(self) -> bool:
        return (self.profile_done and self.posts_done
                and not any(self.comments_pending.values()) and not self.replies_pending)

    def posts_needing_comments(self) -> list[str]:
        """Posts whose comments (or some replies) are still expected."""
        waiting = {aid for aid, pending in self.comments_pending.items() if pending}
        waiting.update(self.replies_pending.values())
        return [aid for aid in self.comments_pending if aid in waiting]

    def is_old(self, post: Post) -> bool:
        """Already stored or before ``since`` (pinned posts never stop the paging)."""
        if post.is_pinned or post.published_at is None:
            return False
        if self.stop_at is not None and post.published_at <= self.stop_at:
            return True
        return self.since is not None and post.published_at < self.since


class DouyinSpider(PlatformSpider):
    """Profiles, posts and comments of the registry's Douyin accounts."""

    name = "douyin"
    platform = "douyin"
    base_url_setting = "DOUYIN_BASE_URL"
    default_base_url = "https://www.douyin.com"

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        if str(settings.get("DOUYIN_MODE") or "browser").lower() != "direct":
            # only this spider uses the browser; the handler serves other requests as plain HTTP
            settings.set("DOWNLOAD_HANDLERS", {"http": PLAYWRIGHT_HANDLER,
                                               "https": PLAYWRIGHT_HANDLER}, priority="spider")
            # let the page send its own headers (the signature covers its User-Agent)
            settings.set("PLAYWRIGHT_PROCESS_REQUEST_HEADERS", None, priority="spider")
            # page requests are the only Scrapy requests of browser mode: a process takes no
            # more of them from the (possibly shared) queue than it can open pages for, so a
            # distributed crawl spreads accounts over workers instead of one hoarding them
            settings.set("CONCURRENT_REQUESTS", browser_concurrency(settings), priority="spider")
            middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
            if PAGE_SLOTS not in middlewares:
                middlewares[PAGE_SLOTS] = 60  # after the backoff (50): no slot held while waiting
                settings.set("DOWNLOADER_MIDDLEWARES", middlewares,
                             priority=max(settings.getpriority("DOWNLOADER_MIDDLEWARES") or 0, 30))

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DouyinSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.mode = str(s.get("DOUYIN_MODE") or "browser").lower()
        if spider.mode not in ("browser", "direct"):
            raise ValueError(f"DOUYIN_MODE must be 'browser' or 'direct', not {spider.mode!r}")
        spider.page_timeout = s.getfloat("DOUYIN_PAGE_TIMEOUT", 30.0)
        spider.max_post_pages = s.getint("DOUYIN_MAX_POST_PAGES", 0)
        spider.page_errors = s.getint("DOUYIN_PAGE_ERRORS", 3)
        spider.retry_delay = s.getfloat("DOUYIN_RETRY_DELAY", 1.0)
        spider.want_comments = s.getbool("DOUYIN_COMMENTS", True)
        #: comments of the N most recent posts of each account (0: every post in the window)
        spider.comment_posts = s.getint("DOUYIN_COMMENT_POSTS", 0)
        spider.concurrency = browser_concurrency(s)
        spider.direct_user_agent = s.get("DOUYIN_USER_AGENT") or DEFAULT_USER_AGENT
        spider.signer = load_signer(s.get("DOUYIN_SIGNER")) if spider.mode == "direct" else None
        spider.context_kwargs = dict(s.getdict("DOUYIN_BROWSER_CONTEXT") or {})
        spider.cookie_file = s.get("GOVSPIDER_DOUYIN_COOKIE_FILE")
        spider.recrawl_settings(s, "DOUYIN")
        spider.deletion_pages = s.getint("DOUYIN_DELETION_SEARCH_PAGES", 10)
        spider.profile_from_posts = s.getbool("DOUYIN_PROFILE_FROM_POSTS", True)
        #: open account pages of this process (taken by PageSlots, given back at page close)
        spider.page_slots = asyncio.Semaphore(spider.concurrency)
        spider.slot_token = secrets.token_hex(6)
        return spider

    # ------------------------------------------------------------------ start
    async def start(self) -> AsyncIterator[Any]:
        accounts = self.accounts()
        if not accounts:
            logger.warning("No douyin accounts in the registry: nothing to crawl")
        corpus = None if self.full else self.corpus()
        for account in accounts:
            latest = await self.stored_latest(account.account_id)
            state = AccountState(account=account, stop_at=latest, since=self.since)
            if corpus is not None and latest is not None:
                window = self.now() - timedelta(days=max(self.revisit_days, 0))
                stored = await corpus.read(corpus.recrawl_state, state.account_id, window)
                state.known, state.stored_account = stored["posts"], stored["account"]
                if self.mode == "direct" and self.profile_from_posts \
                        and state.stored_account is not None:
                    state.profile_from_posts = True
            if self.mode == "direct":
                for request in self.direct_start(state):
                    yield request
                continue
            # Scrapy's lazy start: no more account pages queued than the downloader can take
            # (CONCURRENT_REQUESTS follows the page bound), so memory stays flat for a large
            # registry; PageSlots bounds how many pages are open
            if self.crawler.engine.needs_backout():
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            yield self.page_request(state)

    # ------------------------------------------------------------------ browser mode
    def page_request(self, state: AccountState, attempt: int = 0) -> scrapy.Request:
        # a fresh context per attempt, named uniquely across the workers of a distributed crawl
        context = f"douyin-{secrets.token_hex(6)}"
        meta: dict[str, Any] = {
            "playwright": True, "playwright_include_page": True, "playwright_context": context,
            "playwright_context_kwargs": dict(self.context_kwargs),
            # by import path, not a bound method: the request must pickle (scrapy-redis)
            "playwright_page_init_callback": f"{__name__}.init_page",
            COOKIES_META: [self.cookie_file, self.base_url], PAGE_SLOT_META: "",
            # errors of the page are retried by retry_page, in a fresh context
            "dont_retry": True,
            "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded",
                                            "timeout": self.page_timeout * 1000},
            "douyin_state": state, "douyin_attempt": attempt,
        }
        if attempt:
            meta[BACKOFF_META] = min(self.backoff_max,
                                     self.backoff_base * 2 ** max(0, state.idle_attempts - 1))
        # the first attempt goes through the dupefilter: two workers of a distributed crawl
        # both start every account, and only one of them may crawl it
        return scrapy.Request(f"{self.base_url}/user/{state.sec_uid}", callback=self.parse_page,
                              errback=self.page_failed, meta=meta, dont_filter=attempt > 0)

    def release_page_slot(self, meta: dict[str, Any]) -> None:
        """Give back the page slot a request took (once, and only if it took one)."""
        if meta.get(PAGE_SLOT_META) == self.slot_token:
            meta[PAGE_SLOT_META] = ""
            self.page_slots.release()

    async def parse_page(self, response: Any) -> AsyncIterator[Any]:
        page = response.meta.get("playwright_page")
        collector: ResponseCollector = response.meta["douyin_collector"]
        state: AccountState = response.meta["douyin_state"]
        attempt = int(response.meta.get("douyin_attempt", 0))
        retry: scrapy.Request | None = None
        progress_before = state.progress
        try:
            async for item in self.drive_page(page, collector, state):
                yield item
        except PageBlocked as exc:
            retry = self.retry_page(state, attempt, exc, state.progress > progress_before)
        except Exception as exc:  # a broken page or browser: never leave the account hanging
            logger.exception("Douyin page of %s broke", state.sec_uid)
            self.crawler.stats.inc_value("douyin/page_exceptions")
            retry = self.retry_page(state, attempt, PageBlocked("blocked", repr(exc)),
                                    state.progress > progress_before)
        finally:
            await collector.close()
            await close_page(page)
            self.release_page_slot(response.meta)
            self.crawler.stats.inc_value("douyin/pages_closed")
        if retry is not None:
            yield retry

    async def page_failed(self, failure: Any) -> AsyncIterator[Any]:
        request = failure.request
        page = request.meta.get("playwright_page")
        collector = request.meta.get("douyin_collector")
        if collector is not None:
            await collector.close()
        await close_page(page)
        self.release_page_slot(request.meta)
        state: AccountState = request.meta["douyin_state"]
        attempt = int(request.meta.get("douyin_attempt", 0))
        logger.warning("Douyin page of %s failed: %s", state.sec_uid, failure.value)
        self.crawler.stats.inc_value("douyin/page_failures")
        retry = self.retry_page(state, attempt, PageBlocked("blocked", str(failure.value)),
                                progressed=False)
        if retry is not None:
            yield retry

    def retry_page(self, state: AccountState, attempt: int, exc: PageBlocked,
                   progressed: bool) -> Any:
        """A fresh context for the account, after a backoff; ``None`` when giving up."""
        stats = self.crawler.stats
        state.idle_attempts = 0 if progressed else state.idle_attempts + 1
        if state.idle_attempts > self.max_error_retries:
            stats.inc_value(f"govspider/errors_gave_up/{exc.kind}")
            logger.error("Giving up on douyin account %s after %d attempts without progress: "
                         "%s (%s)", state.sec_uid, state.idle_attempts, exc.kind, exc)
            return None
        logger.warning("%s on douyin account %s: retry in a fresh browser context (attempt %d, "
                       "%d without progress): %s", exc.kind, state.sec_uid, attempt + 1,
                       state.idle_attempts, exc)
        stats.inc_value("douyin/context_retries")
        return self.page_request(state, attempt + 1)

    async def drive_page(self, page: Any, collector: ResponseCollector,
                         state: AccountState) -> AsyncIterator[Any]:
        """Take the page's API responses until the account is complete.

        Scrolls for more posts, opens the posts whose comments are wanted, and on an error
        response backs off and presses the page's retry button; too many errors in a row raise
        :class:`PageBlocked` (the caller retries in a fresh context).
        """
        # every attempt pages the posts from the top again, re-opening the posts whose
        # comments are still expected as they appear (stored items are idempotent upserts)
        state.posts_done, state.post_pages = False, 0
        last_event = time.monotonic()
        errors_in_row = 0
        scrolls = 0
        while not state.complete():
            captured = await collector.next(min(2.0, self.page_timeout))
            if captured is None:
                idle = time.monotonic() - last_event
                if not state.posts_done and state.post_pages > 0 and scrolls < 3 and idle > 2.0:
                    scrolls += 1  # the scroll may have raced the render: scroll again
                    await self.scroll(page)
                if idle > self.page_timeout:
                    self.crawler.stats.inc_value("douyin/page_stalled")
                    raise PageBlocked("blocked", "page stalled: expected API responses did not "
                                      f"arrive within {self.page_timeout:.0f}s")
                continue
            last_event = time.monotonic()
            kind = "comments" if captured.kind == "replies" else captured.kind
            meta = state.meta()
            if kind == "comments":
                meta["aweme_id"] = query_param(captured.url, "aweme_id") or query_param(
                    captured.url, "item_id")
            inp = ParseInput(body=captured.body, url=captured.url, status=captured.status,
                             headers=captured.headers, now=self.now(), meta=meta)
            result = PARSERS[kind](inp)
            self.archive(inp, result)
            self.count(result)
            if result.outcome == ERROR:
                errors_in_row += 1
                message = f"{captured.kind} response: {result.message}"
                if errors_in_row > self.page_errors:
                    raise PageBlocked(result.error_kind or "blocked", message)
                await self.retry_in_page(page, errors_in_row, result.error_kind or "", message)
                continue
            errors_in_row = 0
            state.progress += 1
            if captured.kind == "profile":
                if not state.profile_done:
                    for item in self.profile_items(state, result):
                        yield item
            elif captured.kind == "posts":
                if state.posts_done:
                    continue  # a page the browser loaded on its own after the window closed
                shown: list[str] = []
                items, more = await self.posts_result(state, result)
                for item in items:
                    if isinstance(item, Post):
                        shown.append(item.platform_id)
                    yield item
                waiting = set(state.posts_needing_comments())
                await self.open_comments(page, [aid for aid in shown if aid in waiting])
                if more:
                    scrolls = 0
                    await self.scroll(page)
            else:
                for item in self.comment_items(state, captured, result):
                    yield item
        self.crawler.stats.inc_value("douyin/accounts_complete")

    async def open_comments(self, page: Any, aweme_ids: list[str]) -> None:
        """Open posts (a click without scrolling) so the page loads their comments."""
        for aweme_id in aweme_ids:
            try:
                await page.dispatch_event(f'li.post[data-aweme-id="{aweme_id}"]', "click",
                                          timeout=self.page_timeout * 1000)
            except Exception as exc:  # a missing post: the page stall check retries the page
                logger.debug("cannot open post %s: %s", aweme_id, exc)

    async def retry_in_page(self, page: Any, errors_in_row: int, kind: str, message: str) -> None:
        """Back off, then press the page's retry buttons (the page re-sends the failed call)."""
        delay = min(self.backoff_max, self.retry_delay * 2 ** (errors_in_row - 1))
        logger.info("%s (%s): retrying in the page in %.1fs", kind, message, delay)
        self.crawler.stats.inc_value("douyin/page_retries")
        await asyncio.sleep(delay)
        try:
            await page.wait_for_selector("#errors button.retry", timeout=5000)
            for button in await page.query_selector_all("#errors button.retry"):
                await button.dispatch_event("click")
        except Exception as exc:  # no retry control: the stall check takes over
            logger.debug("no retry button: %s", exc)

    async def scroll(self, page: Any) -> None:
        try:
            await page.evaluate(SCROLL_JS)
        except Exception as exc:  # a closed/crashed page: the wait will time out and retry
            logger.debug("scroll failed: %s", exc)

    # ------------------------------------------------------------------ shared result handling
    def count(self, result: ParseResult) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"govspider/outcome/{result.outcome}")
        if result.outcome == ERROR:
            stats.inc_value(f"govspider/errors/{result.error_kind}")

    def profile_items(self, state: AccountState, result: ParseResult) -> Iterator[Any]:
        state.profile_done = True
        for item in result.items:
            if isinstance(item, Account):
                item.unit = item.unit or state.account.unit or None
                state.uid = (item.extra or {}).get("uid") or state.uid
                state.listed_count = item.posts_count
            yield item

    def posts_items(self, state: AccountState, result: ParseResult) -> Iterator[Any]:
        """Posts of one page inside the crawl window; yields :data:`_MORE` to ask for a page."""
        state.post_pages += 1
        reached_old = False
        policy = state.known is not None
        for post in result.items:
            if not isinstance(post, Post):
                continue
            old = state.is_old(post)
            reached_old = reached_old or old
            if old and (not policy or (state.since is not None and post.published_at is not None
                                       and post.published_at < state.since)):
                continue
            post.account_id = post.account_id or state.account_id
            want = True
            if policy:
                want = self._compare_listed(state, post)
            if (want and self.want_comments and post.metrics and post.metrics.get("comments")
                    and post.platform_id not in state.comments_pending
                    and not (self.comment_posts and not post.is_pinned
                             and state.commented >= self.comment_posts)):
                state.comments_pending[post.platform_id] = True
                state.commented += not post.is_pinned
            elif want and policy and post.platform_id in state.comments_pending:
                self.crawler.stats.inc_value("douyin/recrawl/comments_already_fetched")
            yield post
        has_next = (result.outcome == OK and result.next is not None
                    and not (self.max_post_pages and state.post_pages >= self.max_post_pages))
        more = has_next and not reached_old
        if policy and has_next and reached_old:
            yield _MAYBE  # the caller decides (posts_result): deletions, activity, schedule
            return
        if more:
            yield _MORE
        else:
            state.posts_done = True
            if result.outcome == END_OF_LIST:
                self.crawler.stats.inc_value("douyin/end_of_list")

    # ------------------------------------------------------------------ re-crawl policy
    async def posts_result(self, state: AccountState, result: ParseResult) -> tuple[list[Any], bool]:
        """A posts page's items (with the policy's deletions once the paging ends) and whether
        the next page is wanted."""
        if state.known is not None and result.outcome == OK:
            corpus = self.corpus()
            unknown = [p._id for p in result.items if isinstance(p, Post) and p._id not in state.known]
            if corpus is not None and unknown:  # older than the window, or new
                state.known.update(await corpus.read(corpus.stored_posts, unknown))
        items: list[Any] = []
        more = maybe = False
        for item in self.posts_items(state, result):
            if item is _MORE:
                more = True
            elif item is _MAYBE:
                maybe = True
            else:
                items.append(item)
        if maybe:
            more = await self._look_further(state)
            if not more:
                state.posts_done = True
        if state.posts_done and state.known is not None and not state.deletions_done:
            state.deletions_done = True
            items.extend(await self._deleted_from_listing(state))
        return items, more

    def _compare_listed(self, state: AccountState, post: Post) -> bool:
        """Note what a listed post shows against what is stored; ``True`` when its comments
        are to be fetched (a new post, a changed comment count, or the ``all`` policy)."""
        assert state.known is not None
        stats = self.crawler.stats
        state.shown.add(post._id)
        if not post.is_pinned and post.published_at is not None:
            state.covered_from = min(filter(None, (state.covered_from, post.published_at)))
            state.covered_to = max(filter(None, (state.covered_to, post.published_at)))
        stored = state.known.get(post._id)
        if stored is None or stored.get("deleted"):
            if stored is None and not post.is_pinned and not state.is_old(post):
                state.new_posts += 1
            state.active = True
            return True
        if post.text != stored.get("text"):
            state.active = True
            stats.inc_value("douyin/recrawl/edits_listed")
        listed = (post.metrics or {}).get("comments")
        if listed is not None and listed == (stored.get("metrics") or {}).get("comments") \
                and not stored.get("unconfirmed"):  # a killed crawl may have cut its comments
            if self.policy == "all":
                return True
            stats.inc_value("douyin/recrawl/comments_skipped")
            return False
        state.active = True
        return True

    async def _look_further(self, state: AccountState) -> bool:
        """The pages reached stored posts: page on when deletions are still to be located
        (``aweme_count`` dropped), the account is active and the window not covered, or a
        stored post of the window beyond the pages is due by the schedule."""
        assert state.known is not None
        stats = self.crawler.stats
        oldest, newest = state.covered_from, state.covered_to
        if oldest is None or newest is None:
            return False
        stored_count = (state.stored_account or {}).get("posts_count")
        if state.listed_count is not None and stored_count is not None:
            expected = stored_count + state.new_posts - state.listed_count
            if expected > 0:
                corpus = self.corpus()
                ids = await corpus.read(corpus.post_ids_between, state.account_id, oldest,
                                        newest) if corpus is not None else []
                state.missing.update(i for i in ids if i not in state.shown)
                if len(state.missing) < expected and state.deletion_pages_used < self.deletion_pages:
                    state.deletion_pages_used += 1
                    stats.inc_value("douyin/recrawl/deletion_search_pages")
                    return True
        window = self.now() - timedelta(days=max(self.revisit_days, 0))
        if oldest <= window:
            return False
        if state.active or self.policy == "all":
            stats.inc_value("douyin/recrawl/active_pages")
            return True
        for _id, doc in state.known.items():
            published = doc.get("published_at")
            if _id in state.shown or doc.get("deleted") or doc.get("is_pinned") \
                    or published is None or published >= oldest or published < window:
                continue
            if self.due(doc):
                stats.inc_value("douyin/recrawl/scheduled_pages")
                return True
        stats.inc_value("douyin/recrawl/pages_stopped")
        return False

    async def _deleted_from_listing(self, state: AccountState) -> list[Post]:
        """Stored posts inside the range the listing covered that it did not show: gone
        (the listing is complete and newest first; a deleted post is simply left out).

        The stored posts of the range are read from the corpus: those older than the
        re-visit window are not in ``state.known`` (a deletion may be months old)."""
        oldest, newest = state.covered_from, state.covered_to
        corpus = self.corpus()
        gone = set(state.missing)
        if oldest is not None and newest is not None and corpus is not None:
            gone.update(await corpus.read(corpus.post_ids_between, state.account_id, oldest,
                                          newest))
        out = [Post(_id=_id, platform="douyin", platform_id=_id.split(":", 1)[1],
                    account_id=state.account_id, deleted=True,
                    deleted_reason="gone from the listing")
               for _id in sorted(gone - state.shown)]
        self.crawler.stats.inc_value("douyin/recrawl/deleted_from_listing", len(out))
        return out

    def comment_items(self, state: AccountState, captured: Any,
                      result: ParseResult) -> Iterator[Any]:
        """Comments of a post in this crawl's window; tracks which pages are still expected."""
        aweme_id = query_param(captured.url, "aweme_id") or query_param(captured.url, "item_id")
        if not aweme_id or aweme_id not in state.comments_pending:
            return  # comments of a post outside this crawl's window
        if captured.kind == "replies":
            cid = query_param(captured.url, "comment_id") or ""
            if result.next is None:
                state.replies_pending.pop(cid, None)
                state.replies_done.add(cid)
        else:
            if result.next is None:
                state.comments_pending[aweme_id] = False
            for url in result.requests:  # reply lists the page fetches for these comments
                cid = query_param(url, "comment_id")
                if cid and cid not in state.replies_done:
                    state.replies_pending.setdefault(cid, aweme_id)
        for item in result.items:
            if isinstance(item, Comment):
                item.account_id = item.account_id or state.account_id
                yield item

    # ------------------------------------------------------------------ direct mode
    def signed_request(self, path: str, params: dict[str, Any], callback: Any,
                       meta: dict[str, Any]) -> scrapy.Request | None:
        unsigned = api_url(self.base_url, path, params, self.direct_user_agent)
        try:
            url = self.signer(unsigned, self.direct_user_agent)  # type: ignore[misc]
        except Exception as exc:  # an operator's signer: any failure is a failed signature
            self.crawler.stats.inc_value("govspider/errors/blocked")
            logger.error("Signer failed for %s: %s", path, exc)
            return None
        meta = {**meta, "douyin_path": path, "douyin_params": params}
        state = meta.get("douyin_state")
        if state is not None:  # a wall that persists ends the account (GOVSPIDER_ACCOUNT_MAX_WALLS)
            meta[ACCOUNT_META] = state.account_id
        return scrapy.Request(url, callback=callback, meta=meta, dont_filter=True,
                              headers={"User-Agent": self.direct_user_agent,
                                       "Referer": f"{self.base_url}/"})

    def direct_start(self, state: AccountState) -> Iterator[scrapy.Request]:
        if state.profile_from_posts:  # a re-crawl: the listing's author stands for the profile
            self.crawler.stats.inc_value("douyin/recrawl/profile_from_posts")
            requests = [self.posts_request(state, 0)]
        else:
            requests = [self.profile_request(state), self.posts_request(state, 0)]
        for request in requests:
            if request is not None:
                yield request

    def profile_request(self, state: AccountState) -> scrapy.Request | None:
        return self.signed_request(PROFILE_PATH, {"sec_user_id": state.sec_uid,
                                                  "publish_video_strategy_type": 2,
                                                  "personal_center_strategy": 1},
                                   self.parse_direct_profile, {"douyin_state": state})

    def posts_request(self, state: AccountState, max_cursor: int,
                      purpose: str = DISCOVERY) -> scrapy.Request | None:
        params = {"sec_user_id": state.sec_uid, "max_cursor": max_cursor,
                  "count": POSTS_PAGE_SIZE, "locate_query": "false",
                  "publish_video_strategy_type": 2, "need_time_list": 1 if not max_cursor else 0,
                  "time_list_query": 0, "whale_cut_token": "", "cut_version": 1,
                  "show_live_replay_strategy": 1}
        return self.signed_request(POSTS_PATH, params, self.parse_direct_posts,
                                   {"douyin_state": state, PURPOSE_META: purpose})

    def resign(self, response: Any, result: ParseResult) -> Iterator[scrapy.Request]:
        """Retry an error with backoff and a fresh signature."""
        for retry in self.retry_error(response, result):
            fresh = self.signed_request(retry.meta["douyin_path"], retry.meta["douyin_params"],
                                        retry.callback, {PURPOSE_META: retry.meta.get(PURPOSE_META)})
            yield retry.replace(url=fresh.url) if fresh is not None else retry

    def direct_result(self, response: Any, kind: str) -> tuple[AccountState, ParseResult]:
        state: AccountState = response.meta["douyin_state"]
        meta = state.meta()
        if kind == "comments":
            meta["aweme_id"] = query_param(response.url, "aweme_id") or query_param(
                response.url, "item_id")
        inp = ParseInput.from_response(response, now=self.now())
        inp.meta = meta
        result = PARSERS[kind](inp)
        self.count(result)
        return state, result

    def parse_direct_profile(self, response: Any) -> Iterator[Any]:
        state, result = self.direct_result(response, "profile")
        if result.outcome == ERROR:
            yield from self.resign(response, result)
            return
        yield from self.profile_items(state, result)

    async def parse_direct_posts(self, response: Any) -> AsyncIterator[Any]:
        state, result = self.direct_result(response, "posts")
        if result.outcome == ERROR:
            for retry in self.resign(response, result):
                yield retry
            return
        if state.profile_from_posts and not state.profile_done and state.post_pages == 0:
            for item in self._profile_from_posts(state, response):
                yield item
        items, more = await self.posts_result(state, result)
        for item in items:
            yield item
            if isinstance(item, Post) and state.comments_pending.get(item.platform_id):
                request = self.comments_request(state, item.platform_id, 0)
                if request is not None:
                    yield request
        if more and result.next:
            # pages past the stored posts re-check them: revisits
            purpose = REVISIT if state.known is not None and state.stop_at is not None \
                and state.covered_from is not None and state.covered_from <= state.stop_at \
                else DISCOVERY
            request = self.posts_request(state, int(result.next["max_cursor"]), purpose)
            if request is not None:
                yield request

    def _profile_from_posts(self, state: AccountState, response: Any) -> list[Any]:
        """The account and its metrics point from the listing's ``author`` (re-crawls); when
        it does not carry the counts, the profile is asked for."""
        try:
            data = response.json()
        except ValueError:
            data = {}
        for aweme in (data.get("aweme_list") or []) if isinstance(data, dict) else []:
            author = aweme.get("author") if isinstance(aweme, dict) else None
            if isinstance(author, dict) and author.get("sec_uid") == state.sec_uid \
                    and author.get("follower_count") is not None \
                    and author.get("aweme_count") is not None:
                body = json.dumps({"status_code": 0, "user": author, "extra": data.get("extra")})
                inp = ParseInput(body=body.encode(), url=response.url, status=200,
                                 now=self.now(), meta=state.meta())
                result = PARSERS["profile"](inp)
                if result.outcome == OK:
                    return list(self.profile_items(state, result))
        self.crawler.stats.inc_value("douyin/recrawl/profile_requested")
        request = self.profile_request(state)
        return [request] if request is not None else []

    def comments_request(self, state: AccountState, aweme_id: str, cursor: int,
                         comment_id: str | None = None) -> scrapy.Request | None:
        if comment_id:
            params: dict[str, Any] = {"item_id": aweme_id, "comment_id": comment_id,
                                      "cursor": cursor, "count": 20, "item_type": 0}
            path = REPLIES_PATH
        else:
            params = {"aweme_id": aweme_id, "cursor": cursor, "count": 20, "item_type": 0}
            path = COMMENTS_PATH
        stored = state.known is not None and f"douyin:{aweme_id}" in state.known \
            and not state.known[f"douyin:{aweme_id}"].get("deleted")
        return self.signed_request(path, params, self.parse_direct_comments,
                                   {"douyin_state": state,
                                    PURPOSE_META: REVISIT if stored else DISCOVERY})

    def parse_direct_comments(self, response: Any) -> Iterator[Any]:
        state, result = self.direct_result(response, "comments")
        if result.outcome == ERROR:
            yield from self.resign(response, result)
            return
        captured = _UrlOnly(response.url, "replies" if REPLIES_PATH in response.url
                            else "comments")
        known = set(state.replies_pending)
        yield from self.comment_items(state, captured, result)
        aweme_id = query_param(response.url, "aweme_id") or query_param(response.url, "item_id")
        comment_id = query_param(response.url, "comment_id")
        if result.next is not None and aweme_id and aweme_id in state.comments_pending:
            request = self.comments_request(state, aweme_id, int(result.next["cursor"]),
                                            comment_id)
            if request is not None:
                yield request
        for cid in sorted(set(state.replies_pending) - known):
            request = self.comments_request(state, state.replies_pending[cid], 0, cid)
            if request is not None:
                yield request


@dataclass
class _UrlOnly:
    url: str
    kind: str


#: Marker yielded by :meth:`DouyinSpider.posts_items`: the next posts page is wanted.
_MORE = object()
#: Marker yielded by :meth:`DouyinSpider.posts_items` under the re-crawl policy: the page
#: reached stored posts and has a next one; :meth:`DouyinSpider.posts_result` decides.
_MAYBE = object()


def browser_concurrency(settings: Any) -> int:
    """Account pages a process keeps open at once (``DOUYIN_BROWSER_CONCURRENCY``, at most
    ``PLAYWRIGHT_MAX_CONTEXTS``)."""
    return max(1, min(settings.getint("DOUYIN_BROWSER_CONCURRENCY", 2),
                      settings.getint("PLAYWRIGHT_MAX_CONTEXTS", 2) or 2))


async def init_page(page: Any, request: scrapy.Request) -> None:
    """scrapy-playwright's page-init callback: collect the page's API responses and add the
    login cookie, if one is configured (read here, so it never travels in a request)."""
    collector = ResponseCollector()
    collector.attach(page)
    request.meta["douyin_collector"] = collector
    cookie_file, base_url = request.meta.get(COOKIES_META) or (None, "")
    cookies = browser_cookies(cookie_file, base_url)
    if cookies:
        await page.context.add_cookies(cookies)


class PageSlots:
    """Downloader middleware: a Douyin page request waits for one of the process's page slots
    (``DOUYIN_BROWSER_CONCURRENCY``) before its page is opened; the spider gives the slot back
    when the page closes (or the request fails). Counting at the process that opens the page
    keeps the bound in a distributed crawl, where pages come from requests any worker queued."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageSlots:
        return cls(crawler)

    async def process_request(self, request: scrapy.Request, spider: Any = None) -> None:
        spider = self.crawler.spider
        slots = getattr(spider, "page_slots", None)
        if PAGE_SLOT_META not in request.meta or slots is None:
            return None  # not a page request of the Douyin spider
        if request.meta[PAGE_SLOT_META] != spider.slot_token:
            await slots.acquire()
            request.meta[PAGE_SLOT_META] = spider.slot_token
        return None
