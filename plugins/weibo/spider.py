"""The ``weibo`` spider: registry accounts -> profile, timeline, long texts, comments, re-visits.

Run: ``scrapy crawl weibo -a accounts=registry.yaml [-a full=1] [-a since=2026-01-01]``.

Per account:

1. ``getIndex?type=uid&value=UID`` -> ``accounts`` + ``account_metrics`` (and the timeline
   container from ``tabsInfo``).
2. Timeline pages via ``since_id``. Incremental by default: paging stops after the first page
   whose non-pinned posts reach back to the newest post already stored for the account (a
   pinned post never stops it); ``-a full=1`` ignores what is stored; ``-a since=DATE`` stops at
   that date and skips older posts.
3. ``statuses/extend`` for truncated texts (also long retweeted originals): the post is stored
   once, with the full text.
4. ``comments/hotflow`` for posts with comments (``WEIBO_MAX_COMMENT_PAGES`` pages), replies
   included; the account's own comments are ``is_official``.
5. Once the timeline is done, stored posts of the last ``WEIBO_REVISIT_DAYS`` days that the
   timeline did not show again are re-visited through ``statuses/show``: an edit lands as a new
   text (``post_versions``), a deletion as ``deleted: true``.

Errors (login wall, HTTP 418, captcha, HTML block, cut JSON) are classified by the parsers,
counted in the stats and retried with exponential backoff by the base class.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import scrapy

from govspider.downloadermiddlewares import COOKIE_META
from govspider.items import Account, Post
from govspider.platform import ERROR, GONE, NOT_FOUND, OK, ParseResult
from govspider.registry import RegistryAccount
from govspider.spiders.base import PlatformSpider

from . import convert
from .urls import (
    comments_url,
    detail_url,
    extend_url,
    profile_url,
    query_param,
    show_url,
    timeline_url,
)

logger = logging.getLogger(__name__)


@dataclass
class AccountState:
    """What the spider knows about one account during a crawl."""

    entry: RegistryAccount
    #: Stop paging once posts reach back to this time (newest stored post, or ``since``).
    stop_at: datetime | None = None
    #: Skip (do not store) non-pinned posts older than this (``-a since``).
    since: datetime | None = None
    seen: set[str] = field(default_factory=set)
    finished: bool = False

    @property
    def uid(self) -> str:
        return self.entry.platform_id

    @property
    def account_id(self) -> str:
        return self.entry.account_id


class WeiboSpider(PlatformSpider):
    """Weibo accounts of the registry, through ``m.weibo.cn`` (or the sandbox)."""

    name = "weibo"
    platform = "weibo"
    base_url_setting = "WEIBO_BASE_URL"
    default_base_url = "https://m.weibo.cn"
    #: Rate limits and missing pages reach the callbacks, to be classified, counted and backed off.
    handle_httpstatus_list = [403, 404, 418, 429]
    #: 403/418/429 are left to the parsers' backoff instead of Scrapy's immediate retries.
    custom_settings = {"RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408]}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WeiboSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.max_comment_pages = settings.getint("WEIBO_MAX_COMMENT_PAGES", 5)
        spider.max_timeline_pages = settings.getint("WEIBO_MAX_TIMELINE_PAGES", 0)
        spider.revisit_days = settings.getfloat("WEIBO_REVISIT_DAYS", 7)
        spider.states = {}
        spider._entry_index = None
        return spider

    # ------------------------------------------------------------------ requests
    def _request(self, url: str, callback: Any, state: AccountState, **meta: Any) -> scrapy.Request:
        # the account and where its paging stops travel in every request: in a distributed
        # crawl the worker that takes it may not have reached this account in its own start()
        meta.update({"weibo_uid": state.uid, "weibo_stop_at": state.stop_at, COOKIE_META: "weibo"})
        headers = {"Accept": "application/json, text/plain, */*",
                   "X-Requested-With": "XMLHttpRequest",
                   "MWeibo-Pwa": "1",
                   "Referer": meta.pop("referer", f"{self.base_url}/u/{state.uid}")}
        return scrapy.Request(url, callback=callback, meta=meta, headers=headers)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        accounts = self.accounts()
        if not accounts:
            logger.warning("No weibo accounts in the registry (-a accounts=FILE)")
        for entry in accounts:
            latest = await self.stored_latest(entry.account_id)
            stops = [t for t in (latest, self.since) if t is not None]
            state = self.states.setdefault(entry.platform_id, AccountState(
                entry=entry, stop_at=max(stops) if stops else None, since=self.since))
            yield self._request(profile_url(self.base_url, entry.platform_id),
                                self.parse_profile, state)

    def _state(self, response: Any) -> AccountState:
        """The account's state in this worker, rebuilt from the request when another worker
        of a distributed crawl started the account (or this one has not reached it yet)."""
        uid = response.meta["weibo_uid"]
        state = self.states.get(uid)
        if state is None:
            entry = self._entries().get(uid) or RegistryAccount(unit="", platform="weibo",
                                                                platform_id=uid)
            state = AccountState(entry=entry, stop_at=response.meta.get("weibo_stop_at"),
                                 since=self.since)
            self.states[uid] = state
        return state

    def _entries(self) -> dict[str, RegistryAccount]:
        if self._entry_index is None:
            self._entry_index = {e.platform_id: e for e in self.accounts()}
        return self._entry_index

    def _gave_up(self, response: Any) -> bool:
        return int(response.meta.get("govspider_error_retries", 0)) >= self.max_error_retries

    # ------------------------------------------------------------------ profile
    def parse_profile(self, response: Any) -> Iterator[Any]:
        state = self._state(response)
        result = self.parse_with(response, "profile")
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        if result.outcome == NOT_FOUND:
            logger.warning("Weibo account %s not found: %s", state.uid, result.message)
            self.crawler.stats.inc_value("weibo/accounts_not_found")
            return
        containerid = None
        for item in result.items:
            if isinstance(item, Account):
                item.unit = state.entry.unit or None
                item.region = item.region or state.entry.region or None
                containerid = (item.extra or {}).get("timeline_containerid")
            yield item
        # everything a later page needs travels in its request, so that a worker of a
        # distributed crawl (scrapy-redis) other than this one can carry on
        yield self._timeline_request(state, containerid=containerid)

    def _last_post_item(self, state: AccountState, last_post_at: datetime) -> Account:
        """A partial account document: the first timeline page tells when it last posted."""
        return Account(_id=state.account_id, platform="weibo", platform_id=state.uid,
                       last_post_at=last_post_at)

    # ------------------------------------------------------------------ timeline
    def _timeline_request(self, state: AccountState, since_id: str | None = None,
                          page: int = 1, containerid: str | None = None) -> scrapy.Request:
        url = timeline_url(self.base_url, state.uid, containerid, since_id)
        return self._request(url, self.parse_timeline, state, weibo_page=page,
                             weibo_containerid=containerid)

    async def parse_timeline(self, response: Any) -> AsyncIterator[Any]:
        state = self._state(response)
        result = self.parse_with(response, "timeline")
        if result.outcome == ERROR:
            gave_up = self._gave_up(response)
            for retry in self.retry_error(response, result):
                yield retry
            if gave_up:
                async for request in self._finish(state):
                    yield request
            return
        if result.outcome != OK:
            async for request in self._finish(state):
                yield request
            return
        page = int(response.meta.get("weibo_page", 1))
        self.crawler.stats.inc_value("weibo/timeline_pages")
        long_ids = {query_param(u, "id") for u in result.requests if "/statuses/extend" in u}
        skipped: set[str] = set()
        own = [p for p in result.items if isinstance(p, Post) and p.account_id == state.account_id
               and not p.deleted and p.published_at is not None]
        regular = [p for p in own if not p.is_pinned]
        if page == 1 and own:
            yield self._last_post_item(state, max(p.published_at for p in (regular or own)))  # type: ignore[type-var]
        for item in result.items:
            if not isinstance(item, Post):
                yield item
                continue
            if (state.since and item in regular and item.published_at < state.since):  # type: ignore[operator]
                skipped.add(item.platform_id)
                continue
            state.seen.add(item._id)
            if item.platform_id in long_ids:
                yield self._request(extend_url(self.base_url, item.platform_id),
                                    self.parse_longtext, state, weibo_post=item,
                                    weibo_mid=item.platform_id)
            else:
                yield item
        for url in result.requests:
            if "/comments/hotflow" in url:
                mid = query_param(url, "id")
                if mid and mid not in skipped:
                    yield self._comments_request(state, mid)
        stop = bool(skipped)
        if state.stop_at and regular and min(p.published_at for p in regular) <= state.stop_at:  # type: ignore[type-var]
            stop = True
        if self.max_timeline_pages and page >= self.max_timeline_pages:
            stop = True
        if result.next and not stop:
            yield self._timeline_request(state, str(result.next.get("since_id")), page + 1,
                                         response.meta.get("weibo_containerid"))
        else:
            async for request in self._finish(state):
                yield request

    # ------------------------------------------------------------------ long text
    def parse_longtext(self, response: Any) -> Iterator[Any]:
        post: Post = response.meta["weibo_post"]
        result = self.parse_with(response, "longtext")
        if result.outcome == ERROR:
            if self._gave_up(response):  # keep what the timeline showed, marked truncated
                yield post
            yield from self.retry_error(response, result)
            return
        full = next((i for i in result.items if isinstance(i, Post)), None)
        if result.outcome == GONE and full is not None:
            post.deleted, post.deleted_reason = True, full.deleted_reason
        elif full is not None and full.text is not None:
            convert.merge_long_text(post, full)
        yield post

    # ------------------------------------------------------------------ comments
    def _comments_request(self, state: AccountState, mid: str, max_id: str | None = None,
                          max_id_type: Any = 0, page: int = 1) -> scrapy.Request:
        return self._request(comments_url(self.base_url, mid, max_id, max_id_type),
                             self.parse_comments, state, weibo_mid=mid, weibo_comment_page=page,
                             referer=detail_url(self.base_url, mid))

    def parse_comments(self, response: Any) -> Iterator[Any]:
        state = self._state(response)
        result = self.parse_with(response, "comments")
        page = int(response.meta.get("weibo_comment_page", 1))
        mid = response.meta["weibo_mid"]

        def next_page(nxt: dict[str, Any]) -> scrapy.Request | None:
            if self.max_comment_pages and page >= self.max_comment_pages:
                return None
            return self._comments_request(state, mid, nxt.get("max_id"), nxt.get("max_id_type"),
                                          page + 1)

        yield from self.follow_result(response, result, next_page=next_page)

    # ------------------------------------------------------------------ re-visits
    async def _finish(self, state: AccountState) -> AsyncIterator[Any]:
        """The timeline is done: re-visit recent stored posts it did not show again."""
        if state.finished:
            return
        state.finished = True
        corpus = self.corpus()
        if corpus is None or self.revisit_days <= 0:
            return
        since = self.now() - timedelta(days=self.revisit_days)
        # posts stored since the run started were seen by it (by another worker of a
        # distributed run, perhaps before this one started)
        started = min(filter(None, (corpus.started_at, getattr(self, "run_started_at", None))))
        stored = await corpus.read(corpus.recent_post_ids, state.account_id, since, started)
        ids = [i for i in stored if i not in state.seen]
        self.crawler.stats.inc_value("weibo/revisits", len(ids))
        for post_id in ids:
            mid = post_id.split(":", 1)[1]
            yield self._request(show_url(self.base_url, mid), self.parse_show, state,
                                weibo_mid=mid, referer=detail_url(self.base_url, mid))

    def parse_show(self, response: Any) -> Iterator[Any]:
        state = self._state(response)
        result: ParseResult = self.parse_with(response, "show")
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        if result.outcome == NOT_FOUND:
            logger.info("Post %s not found on re-visit: %s", response.meta["weibo_mid"],
                        result.message)
            return
        long_ids = {query_param(u, "id") for u in result.requests if "/statuses/extend" in u}
        for item in result.items:
            if isinstance(item, Post) and item.deleted and item.account_id is None \
                    and item.platform_id == response.meta["weibo_mid"]:
                item.account_id = state.account_id
            if isinstance(item, Post) and item.platform_id in long_ids:
                yield self._request(extend_url(self.base_url, item.platform_id),
                                    self.parse_longtext, state, weibo_post=item,
                                    weibo_mid=item.platform_id)
            else:
                yield item
        if result.outcome == GONE:
            self.crawler.stats.inc_value("weibo/deleted_seen")
