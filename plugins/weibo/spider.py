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

Re-crawls (something stored, no ``full``) follow ``WEIBO_RECRAWL_POLICY`` (``docs/recrawl.md``):

- ``changed`` (default): requests go where the listing shows a change. The profile comes from
  the timeline's ``mblog.user`` (``WEIBO_PROFILE_FROM_TIMELINE``), so an unchanged account
  costs one request. A stored post's comments are fetched again only when its listed comment
  count differs from the stored one, its long text only when the edit marker or the visible
  text prefix differs (else the stored text is kept). When ``statuses_count`` is lower than
  the stored count plus the new posts, the timeline is paged back until the deleted posts
  are located (stored posts the pages skip), and only those are re-visited. An account whose
  first page shows a change is paged back through the ``WEIBO_REVISIT_DAYS`` window (its
  other recent posts are likely to have changed too). Stored posts of the window the listing
  did not show are re-visited on a schedule decaying with their age
  (``WEIBO_REVISIT_SCHEDULE``: hours since they were last seen, by age in days).
- ``all``: the behaviour before the policy: comments and long texts of every listed post,
  every stored post of the window re-visited.

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

from govspider.downloadermiddlewares import ACCOUNT_META, COOKIE_META
from govspider.items import Account, Post
from govspider.platform import ERROR, GONE, NOT_FOUND, OK, ParseResult
from govspider.registry import RegistryAccount
from govspider.spiders.base import DISCOVERY, PURPOSE_META, REVISIT, PlatformSpider

from . import convert
from .pages import iter_mblogs
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
    #: re-crawl policy ``changed``: stored posts of the window by ``_id`` (None: no policy)
    known: dict[str, dict[str, Any]] | None = None
    #: stored account document (posts_count, extra), when the policy runs
    stored_account: dict[str, Any] | None = None
    #: the profile comes from page 1 of the timeline (the profile request was skipped)
    profile_from_timeline: bool = False
    #: the profile's account item, held until page 1 tells when the account last posted
    account_item: Account | None = None
    #: ``statuses_count`` shown by this crawl, and new (not stored) posts seen
    listed_count: int | None = None
    new_posts: int = 0
    #: oldest non-pinned post time the pages reached
    covered_from: datetime | None = None
    #: the listing showed a change in a stored post (comments, edit) or new posts
    active: bool = False
    #: stored posts the pages skipped (deleted or hidden): re-visited at the end
    missing: set[str] = field(default_factory=set)
    deletion_pages_used: int = 0

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
        spider.recrawl_settings(settings, "WEIBO")
        spider.profile_from_timeline = settings.getbool("WEIBO_PROFILE_FROM_TIMELINE", True)
        spider.deletion_pages = settings.getint("WEIBO_DELETION_SEARCH_PAGES", 10)
        #: (kind, mid) fetched in this run: nothing is fetched twice
        spider.requested = set()
        spider.states = {}
        spider._entry_index = None
        return spider

    # ------------------------------------------------------------------ requests
    def _request(self, url: str, callback: Any, state: AccountState, **meta: Any) -> scrapy.Request:
        # the account and where its paging stops travel in every request: in a distributed
        # crawl the worker that takes it may not have reached this account in its own start()
        meta.update({"weibo_uid": state.uid, "weibo_stop_at": state.stop_at, COOKIE_META: "weibo",
                     ACCOUNT_META: f"weibo:{state.uid}"})
        meta.setdefault(PURPOSE_META, DISCOVERY)
        headers = {"Accept": "application/json, text/plain, */*",
                   "X-Requested-With": "XMLHttpRequest",
                   "MWeibo-Pwa": "1",
                   "Referer": meta.pop("referer", f"{self.base_url}/u/{state.uid}")}
        return scrapy.Request(url, callback=callback, meta=meta, headers=headers)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        accounts = self.accounts()
        if not accounts:
            logger.warning("No weibo accounts in the registry (-a accounts=FILE)")
        corpus = None if self.full or self.policy != "changed" else self.corpus()
        for entry in accounts:
            latest = await self.stored_latest(entry.account_id)
            stops = [t for t in (latest, self.since) if t is not None]
            state = self.states.setdefault(entry.platform_id, AccountState(
                entry=entry, stop_at=max(stops) if stops else None, since=self.since))
            if corpus is not None and latest is not None:
                window = self.now() - timedelta(days=max(self.revisit_days, 0))
                stored = await corpus.read(corpus.recrawl_state, entry.account_id, window)
                state.known, state.stored_account = stored["posts"], stored["account"]
                if self.profile_from_timeline and state.stored_account is not None:
                    state.profile_from_timeline = True
                    self.crawler.stats.inc_value("weibo/recrawl/profile_from_timeline")
                    containerid = (state.stored_account.get("extra") or {}).get("timeline_containerid")
                    yield self._timeline_request(state, containerid=containerid)
                    continue
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
                containerid = (item.extra or {}).get("timeline_containerid")
                # held until page 1 adds last_post_at: one sighting of the account per crawl
                state.account_item = item
                continue
            yield item
        # everything a later page needs travels in its request, so that a worker of a
        # distributed crawl (scrapy-redis) other than this one can carry on (the account too)
        request = self._timeline_request(state, containerid=containerid)
        if state.account_item is not None:
            request.meta["weibo_account"], state.account_item = state.account_item, None
        yield request

    def _last_post_item(self, state: AccountState, last_post_at: datetime | None) -> Account:
        """The account with when it last posted (page 1 tells): the profile's item, or a
        partial document when another worker fetched the profile."""
        item = state.account_item or Account(_id=state.account_id, platform="weibo",
                                             platform_id=state.uid)
        state.account_item = None
        if last_post_at is not None:
            item.last_post_at = last_post_at
        return item

    def _profile_from_page(self, state: AccountState, response: Any) -> list[Any]:
        """Account and metrics point from the ``user`` of the page's own posts (re-crawls)."""
        try:
            cards = (response.json().get("data") or {}).get("cards")
        except ValueError:
            return []
        for mblog in iter_mblogs(cards):
            user = mblog.get("user")
            if isinstance(user, dict) and convert.sid(user.get("id")) == state.uid:
                account = convert.account_from_user(user, self.now())
                extra = (state.stored_account or {}).get("extra") or {}
                if extra.get("timeline_containerid"):
                    account.extra = {**(account.extra or {}),
                                     "timeline_containerid": extra["timeline_containerid"]}
                account.unit = state.entry.unit or None
                state.account_item = account
                state.listed_count = account.posts_count
                return [convert.metrics_from_account(account, self.now())]
        return []

    # ------------------------------------------------------------------ timeline
    def _timeline_request(self, state: AccountState, since_id: str | None = None,
                          page: int = 1, containerid: str | None = None,
                          page_number: int | None = None) -> scrapy.Request:
        url = timeline_url(self.base_url, state.uid, containerid, since_id, page_number)
        return self._request(url, self.parse_timeline, state, weibo_page=page,
                             weibo_containerid=containerid)

    async def parse_timeline(self, response: Any) -> AsyncIterator[Any]:
        state = self._state(response)
        result = self.parse_with(response, "timeline")
        if result.outcome != OK and response.meta.get("weibo_account") is not None \
                and (result.outcome != ERROR or self._gave_up(response)):
            state.account_item = response.meta["weibo_account"]  # yielded by _finish
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
        if page == 1 and response.meta.get("weibo_account") is not None:
            state.account_item = response.meta["weibo_account"]  # the profile's, held till now
        long_ids = {query_param(u, "id") for u in result.requests if "/statuses/extend" in u}
        skipped: set[str] = set()
        own = [p for p in result.items if isinstance(p, Post) and p.account_id == state.account_id
               and not p.deleted and p.published_at is not None]
        regular = [p for p in own if not p.is_pinned]
        if page == 1 and state.profile_from_timeline:
            for item in self._profile_from_page(state, response):
                yield item
        if page == 1 and (own or state.account_item is not None):
            yield self._last_post_item(state, max(p.published_at for p in (regular or own))  # type: ignore[type-var]
                                       if own else None)
        if regular:
            oldest = min(p.published_at for p in regular)  # type: ignore[type-var]
            state.covered_from = min(filter(None, (state.covered_from, oldest)))
        unchanged: set[str] = set()  # stored posts whose comments need no new fetch
        if state.known is not None:
            corpus = self.corpus()
            unknown = [p._id for p in own if p._id not in state.known]
            if corpus is not None and unknown:  # older than the window, or new
                state.known.update(await corpus.read(corpus.stored_posts, unknown))
            unchanged = self._compare_listing(state, own, long_ids)
        for item in result.items:
            if not isinstance(item, Post):
                yield item
                continue
            if (state.since and item in regular and item.published_at < state.since):  # type: ignore[operator]
                skipped.add(item.platform_id)
                continue
            state.seen.add(item._id)
            if item.platform_id in long_ids and self._once("extend", item.platform_id):
                purpose = REVISIT if state.known and item._id in state.known else DISCOVERY
                yield self._request(extend_url(self.base_url, item.platform_id),
                                    self.parse_longtext, state, weibo_post=item,
                                    weibo_mid=item.platform_id, **{PURPOSE_META: purpose})
            else:
                yield item
        for url in result.requests:
            if "/comments/hotflow" in url:
                mid = query_param(url, "id")
                if mid and mid not in skipped and f"weibo:{mid}" not in unchanged \
                        and self._once("comments", mid):
                    stored = state.known is not None and f"weibo:{mid}" in state.known
                    yield self._comments_request(state, mid, purpose=REVISIT if stored else DISCOVERY)
        stop = bool(skipped)
        if state.stop_at and regular and min(p.published_at for p in regular) <= state.stop_at:  # type: ignore[type-var]
            stop = True
            if state.known is not None and not skipped and await self._look_further(state, regular):
                stop = False
        if self.max_timeline_pages and page >= self.max_timeline_pages:
            stop = True
        if result.next and not stop:
            if result.next.get("since_id"):
                yield self._timeline_request(state, str(result.next["since_id"]), page + 1,
                                             response.meta.get("weibo_containerid"))
            else:  # an old container numbered by page
                yield self._timeline_request(state, None, page + 1,
                                             response.meta.get("weibo_containerid"),
                                             page_number=int(result.next["page"]))
        else:
            async for request in self._finish(state):
                yield request

    # ------------------------------------------------------------------ re-crawl policy
    def _once(self, kind: str, mid: str) -> bool:
        """``True`` the first time (kind, post) is asked for in this run."""
        key = (kind, mid)
        if key in self.requested:
            self.crawler.stats.inc_value(f"weibo/recrawl/{kind}_already_fetched")
            return False
        self.requested.add(key)
        return True

    def _compare_listing(self, state: AccountState, own: list[Post],
                         long_ids: set[str]) -> set[str]:
        """Compare listed posts with what is stored; returns the stored posts whose comments
        are unchanged. A truncated post whose text did not change gets the stored full text
        (and leaves ``long_ids``, so no ``extend`` is asked for)."""
        assert state.known is not None
        stats = self.crawler.stats
        unchanged: set[str] = set()
        for post in own:
            stored = state.known.get(post._id)
            if stored is None:
                state.new_posts += not post.is_pinned
                state.active = True
                continue
            listed = (post.metrics or {}).get("comments")
            if listed is not None and listed == (stored.get("metrics") or {}).get("comments") \
                    and not stored.get("unconfirmed"):  # a killed crawl may have cut its comments
                unchanged.add(post._id)
                stats.inc_value("weibo/recrawl/comments_skipped")
            else:
                state.active = True
            if post.platform_id not in long_ids:
                if post.text != stored.get("text"):
                    state.active = True
                continue
            edits = (post.extra or {}).get("edit_count")
            if edits == (stored.get("extra") or {}).get("edit_count") and stored.get("is_long_text") \
                    and _squash(stored.get("text")).startswith(_squash(post.text)):
                for name in ("text", "raw_html", "topics", "mentions", "links", "is_long_text"):
                    setattr(post, name, stored.get(name))
                post.content_hash = None
                if post.extra:
                    post.extra.pop("truncated", None)
                    post.extra = post.extra or None
                long_ids.discard(post.platform_id)
                stats.inc_value("weibo/recrawl/longtext_skipped")
            else:
                state.active = True
        return unchanged

    async def _look_further(self, state: AccountState, regular: list[Post]) -> bool:
        """The page reached stored posts: page on when deletions are still to be located
        (``statuses_count`` dropped) or the account is active and the window not covered."""
        oldest = min(p.published_at for p in regular)  # type: ignore[type-var]
        stored_count = (state.stored_account or {}).get("posts_count")
        if state.listed_count is not None and stored_count is not None:
            expected = stored_count + state.new_posts - state.listed_count
            if expected > 0:
                corpus = self.corpus()
                newest = max(p.published_at for p in regular)  # type: ignore[type-var]
                stored = await corpus.read(corpus.post_ids_between, state.account_id, oldest,
                                           newest) if corpus is not None else []
                state.missing.update(i for i in stored if i not in state.seen)
                page = int(state.deletion_pages_used) + 1
                if len(state.missing) < expected and page <= self.deletion_pages:
                    state.deletion_pages_used = page
                    self.crawler.stats.inc_value("weibo/recrawl/deletion_search_pages")
                    return True
        window = self.now() - timedelta(days=self.revisit_days)
        if state.active and oldest > window:
            self.crawler.stats.inc_value("weibo/recrawl/active_pages")
            return True
        return False

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
                          max_id_type: Any = 0, page: int = 1,
                          purpose: str = DISCOVERY) -> scrapy.Request:
        return self._request(comments_url(self.base_url, mid, max_id, max_id_type),
                             self.parse_comments, state, weibo_mid=mid, weibo_comment_page=page,
                             referer=detail_url(self.base_url, mid), **{PURPOSE_META: purpose})

    def parse_comments(self, response: Any) -> Iterator[Any]:
        state = self._state(response)
        result = self.parse_with(response, "comments")
        page = int(response.meta.get("weibo_comment_page", 1))
        mid = response.meta["weibo_mid"]

        def next_page(nxt: dict[str, Any]) -> scrapy.Request | None:
            if self.max_comment_pages and page >= self.max_comment_pages:
                return None
            return self._comments_request(state, mid, nxt.get("max_id"), nxt.get("max_id_type"),
                                          page + 1, response.meta.get(PURPOSE_META, DISCOVERY))

        yield from self.follow_result(response, result, next_page=next_page)

    # ------------------------------------------------------------------ re-visits
    async def _finish(self, state: AccountState) -> AsyncIterator[Any]:
        """The timeline is done: re-visit recent stored posts it did not show again."""
        if state.finished:
            return
        state.finished = True
        if state.account_item is not None:  # the timeline gave no post: the profile alone
            yield self._last_post_item(state, None)
        corpus = self.corpus()
        if corpus is None:
            return
        if state.known is not None:
            ids = self._policy_revisits(state)
        elif self.revisit_days > 0:
            since = self.now() - timedelta(days=self.revisit_days)
            # posts stored since the run started were seen by it (by another worker of a
            # distributed run, perhaps before this one started)
            started = min(filter(None, (corpus.started_at, getattr(self, "run_started_at", None))))
            stored = await corpus.read(corpus.recent_post_ids, state.account_id, since, started)
            ids = [i for i in stored if i not in state.seen]
        else:
            return
        self.crawler.stats.inc_value("weibo/revisits", len(ids))
        for post_id in ids:
            mid = post_id.split(":", 1)[1]
            if not self._once("show", mid):
                continue
            yield self._request(show_url(self.base_url, mid), self.parse_show, state,
                                weibo_mid=mid, referer=detail_url(self.base_url, mid),
                                **{PURPOSE_META: REVISIT})

    def _policy_revisits(self, state: AccountState) -> list[str]:
        """Stored posts to re-visit under the ``changed`` policy: those the pages skipped
        (deleted or hidden), and the window's posts older than the pages reached that the
        schedule says are due."""
        assert state.known is not None
        stats = self.crawler.stats
        ids = sorted(i for i in state.missing if i not in state.seen)
        stats.inc_value("weibo/recrawl/revisits_missing", len(ids))
        for _id, doc in state.known.items():
            if _id in state.seen or _id in state.missing or doc.get("deleted") or doc.get("is_pinned"):
                continue
            published = doc.get("published_at")
            if state.covered_from is not None and published is not None \
                    and published >= state.covered_from:
                ids.append(_id)  # inside what the pages covered, yet not shown: gone?
                stats.inc_value("weibo/recrawl/revisits_missing")
            elif self.due(doc):
                ids.append(_id)
                stats.inc_value("weibo/recrawl/revisits_scheduled")
            else:
                stats.inc_value("weibo/recrawl/revisits_skipped")
        return ids

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


def _squash(text: str | None) -> str:
    """Text without whitespace (a truncated listing and the full text break lines apart)."""
    return "".join((text or "").split())
