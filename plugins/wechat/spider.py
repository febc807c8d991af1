"""The ``wechat`` spider: discover a registry account's articles, then fetch every article page.

Discovery source (setting ``WECHAT_SOURCE``):

- ``sogou`` (default): the public Sogou WeChat search by account name, no login. Only results
  whose publisher equals the account name are followed (``/link?url=`` redirect -> article).
- ``mp``: the mp backend list ``cgi-bin/appmsg?action=list_ex`` of the account's ``__biz``
  (``fakeid``); needs a logged-in session: cookie ``GOVSPIDER_WECHAT_COOKIE`` (or
  ``GOVSPIDER_WECHAT_COOKIE_FILE``) and token ``GOVSPIDER_WECHAT_TOKEN`` (or ``..._TOKEN_FILE``)
  from the environment. Neither is ever logged.

Incremental: articles published before the newest stored one (or ``-a since=``) are not
fetched again unless ``-a full=1``.

Re-crawls (something stored, no ``full``): neither listing shows an edit, and Sogou keeps
listing a deleted article, so stored articles younger than ``WECHAT_REVISIT_DAYS`` (7) are
fetched again (``revisit`` requests) on a schedule decaying with their age,
``WECHAT_REVISIT_SCHEDULE`` (hours since the article was last seen, by its age in days;
``WECHAT_RECRAWL_POLICY=all``: every run). A deletion lands as ``deleted: true``, an edit as a
new text (``post_versions``). The mp list also says how many articles it holds
(``app_msg_cnt``): under the ``changed`` policy, when that is lower than the stored articles
plus the new ones, the list is paged back (at most ``WECHAT_DELETION_SEARCH_PAGES`` pages past
the stored ones) until the stored articles it no longer shows account for the drop, and only
those are fetched again.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy

from govspider.downloadermiddlewares import ACCOUNT_META, COOKIE_META
from govspider.items import Account, Post
from govspider.platform import END_OF_LIST, ERROR, GONE, NOT_FOUND, OK
from govspider.spiders.base import PURPOSE_META, REVISIT, PlatformSpider
from govspider_plugins.wechat.urls import account_id, is_article_url, rebase

logger = logging.getLogger(__name__)

SOURCES = ("sogou", "mp")
MP_PAGE_SIZE = 5
#: Request meta of an mp list page of a re-crawl: what the pages so far listed (see
#: :meth:`WechatSpider._tally`)
LISTED_META = "wechat_listed"
#: Lower bound of a deletion search that reached the end of the list: every older article
LIST_START = datetime(1970, 1, 1, tzinfo=timezone.utc)


class SecretFilter(logging.Filter):
    """Replace a secret (the mp token) by ``***`` in every log record that passes a handler."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "***"), ()
        return True


def same_name(a: str | None, b: str | None) -> bool:
    """Account names compared as a reader would (NFKC, case and spacing ignored)."""

    def norm(value: str | None) -> str:
        return "".join(unicodedata.normalize("NFKC", value or "").split()).casefold()

    return bool(norm(a)) and norm(a) == norm(b)


def _secret_from_env(name: str) -> str | None:
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if not value and path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            logger.error("Cannot read %s_FILE %s: %s", name, path, exc.strerror)
    return value or None


class WechatSpider(PlatformSpider):
    """Articles of the registry's WeChat official accounts (``platform_id`` = ``__biz``)."""

    name = "wechat"
    platform = "wechat"
    base_url_setting = "WECHAT_BASE_URL"
    default_base_url = "https://mp.weixin.qq.com"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WechatSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.sogou_base = (settings.get("SOGOU_BASE_URL") or "https://weixin.sogou.com").rstrip("/")
        spider.source = str(kwargs.get("source") or settings.get("WECHAT_SOURCE") or "sogou").lower()
        if spider.source not in SOURCES:
            raise ValueError(f"WECHAT_SOURCE must be one of {SOURCES}, not {spider.source!r}")
        spider.sogou_max_pages = settings.getint("SOGOU_MAX_PAGES", 10)
        spider.mp_max_pages = settings.getint("WECHAT_MAX_PAGES", 50)
        spider.token = _secret_from_env("GOVSPIDER_WECHAT_TOKEN") if spider.source == "mp" else None
        if spider.token:
            redact = SecretFilter(spider.token)
            for handler in logging.getLogger().handlers:
                handler.addFilter(redact)
        spider.accounts_seen = set()
        spider.recrawl_settings(settings, "WECHAT")
        spider.deletion_pages = settings.getint("WECHAT_DELETION_SEARCH_PAGES", 10)
        #: stored articles fetched again in this run (by ``_id``): none is fetched twice
        spider.revisited = set()
        return spider

    # ------------------------------------------------------------------ start
    async def start(self) -> AsyncIterator[Any]:
        corpus = None if self.full else self.corpus()
        cutoffs = counted = None
        if corpus is not None:  # one query per account: on a thread, not stalling the reactor
            cutoffs = await corpus.read(self._cutoffs, self.accounts(), corpus)
            if self.source == "mp" and self.policy == "changed":
                counted = await corpus.read(_counted_articles, corpus, cutoffs)
        for request in self._start_requests(cutoffs, counted):
            yield request
        if corpus is not None and self.revisit_days > 0 and cutoffs:
            since = self.now() - timedelta(days=self.revisit_days)
            stored = await corpus.read(_stored_articles, corpus, list(cutoffs), since)
            for request in self._revisit_requests(stored):
                yield request

    # ------------------------------------------------------------------ re-visits
    def _revisit_requests(self, stored: list[dict[str, Any]]) -> Iterator[scrapy.Request]:
        """Stored young articles due by the schedule, fetched again (edits, deletions)."""
        stats = self.crawler.stats
        contexts = {acc.account_id: _context(acc, None) for acc in self.accounts()}
        for doc in stored:
            ctx = contexts.get(doc.get("account_id"))
            if ctx is None or not doc.get("url"):
                continue
            if self.policy != "all" and not self.due(doc):
                stats.inc_value("wechat/recrawl/revisits_skipped")
                continue
            request = self._revisit_request(doc, ctx)
            if request is not None:
                stats.inc_value("wechat/recrawl/revisits_scheduled")
                yield request

    def _revisit_request(self, doc: dict[str, Any], ctx: dict[str, Any]) -> scrapy.Request | None:
        """A stored article's page fetched again (a ``revisit``), at most once a run."""
        if doc["_id"] in self.revisited:
            self.crawler.stats.inc_value("wechat/recrawl/revisits_already_fetched")
            return None
        self.revisited.add(doc["_id"])
        request = self._article_request(doc["url"], ctx, None)
        request.meta[PURPOSE_META] = REVISIT
        return request

    def _start_requests(self, cutoffs: dict[str, datetime | None] | None = None,
                        counted: dict[str, int] | None = None) -> Iterator[scrapy.Request]:
        accounts = self.accounts()
        if not accounts:
            logger.warning("No wechat accounts in the registry (%s)", self.registry_path)
            return
        if cutoffs is None:
            cutoffs = self._cutoffs(accounts, None if self.full else self.corpus())
        contexts = [_context(acc, cutoffs.get(acc.account_id, self.since),
                             (counted or {}).get(acc.account_id)) for acc in accounts]
        yield from self._start_requests_for(contexts)

    def _start_requests_for(self, contexts: list[dict[str, Any]]) -> Iterator[scrapy.Request]:
        """The first request of each account (``biz``, ``name``, ``unit``, ``cutoff``...)."""
        if self.source == "mp" and not self.token:
            logger.error("WECHAT_SOURCE=mp needs GOVSPIDER_WECHAT_TOKEN and "
                         "GOVSPIDER_WECHAT_COOKIE in the environment; nothing crawled")
            self.crawler.stats.inc_value("govspider/errors/login_required")
            return
        for ctx in contexts:
            if self.source == "mp":
                yield self._mp_request(ctx, begin=0)
            elif ctx["name"]:
                yield self._sogou_request(ctx, page=1)
            else:
                logger.warning("wechat account %s has no name: Sogou cannot search it", ctx["biz"])

    def _cutoffs(self, accounts: list[Any], corpus: Any) -> dict[str, datetime | None]:
        return {acc.account_id: self._cutoff(acc.account_id, corpus) for acc in accounts}

    def _cutoff(self, acc_id: str, corpus: Any) -> datetime | None:
        """Articles published at or before this time are already stored (or not wanted)."""
        cutoff = self.since
        if corpus is not None:
            latest = corpus.latest_post_time(acc_id)
            if latest is not None:
                cutoff = max(cutoff, latest) if cutoff else latest
        return cutoff

    @staticmethod
    def _old(published: datetime | None, ctx: dict[str, Any]) -> bool:
        cutoff = ctx.get("cutoff")
        return bool(cutoff and published and published <= cutoff)

    # ------------------------------------------------------------------ Sogou discovery
    def _sogou_request(self, ctx: dict[str, Any], page: int) -> scrapy.Request:
        query = urlencode({"type": 2, "query": ctx["name"], "page": page, "ie": "utf8"})
        return scrapy.Request(f"{self.sogou_base}/weixin?{query}", callback=self.parse_sogou,
                              meta={"wechat": ctx, ACCOUNT_META: _account_key(ctx), "page": page})

    def parse_sogou(self, response: Any) -> Iterator[Any]:
        result = self.parse_with(response, "sogou")
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        ctx, page = response.meta["wechat"], response.meta["page"]
        stats = self.crawler.stats
        own = [p for p in result.items if same_name((p.extra or {}).get("account_name"), ctx["name"])]
        fresh = [p for p in own if not self._old(p.published_at, ctx)]
        stats.inc_value("wechat/sogou/results", len(result.items))
        stats.inc_value("wechat/sogou/own_results", len(own))
        for post in fresh:
            if post.url:
                yield scrapy.Request(self._on_sogou(post.url), callback=self.parse_sogou_link,
                                     headers={"Referer": response.url},
                                     meta={"wechat": ctx, ACCOUNT_META: _account_key(ctx), "listing": _listing(post)})
        stop = bool(own) and not fresh  # everything of the account here is already stored
        if result.next and not stop and page < self.sogou_max_pages:
            yield self._sogou_request(ctx, int(result.next.get("page") or page + 1))

    def _on_sogou(self, url: str) -> str:
        """A Sogou URL (``/link?url=`` resolved against the results page) on ``SOGOU_BASE_URL``."""
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.sogou_base}/{parts.path.rsplit('/', 1)[-1]}{query}"

    def parse_sogou_link(self, response: Any) -> Iterator[Any]:
        if is_article_url(response.url):  # the redirect was followed by HTTP
            yield from self.parse_article(response)
            return
        result = self.parse_with(response, "sogou_link")
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        for url in result.requests:
            yield self._article_request(url, response.meta["wechat"], response.meta.get("listing"))

    # ------------------------------------------------------------------ mp backend discovery
    def _mp_request(self, ctx: dict[str, Any], begin: int,
                    listed: dict[str, Any] | None = None) -> scrapy.Request:
        query = urlencode({"action": "list_ex", "begin": begin, "count": MP_PAGE_SIZE,
                           "fakeid": ctx["biz"], "type": 9, "query": "", "token": self.token,
                           "lang": "zh_CN", "f": "json", "ajax": 1})
        meta = {"wechat": ctx, ACCOUNT_META: _account_key(ctx), "begin": begin, COOKIE_META: "wechat",
                # the session is the cookie from the environment alone: keep Scrapy's
                # cookie jar from replacing its Cookie header
                "dont_merge_cookies": True}
        if listed is not None:
            meta[LISTED_META] = listed
        return scrapy.Request(f"{self.base_url}/cgi-bin/appmsg?{query}", callback=self.parse_mp_list,
                              meta=meta)

    async def parse_mp_list(self, response: Any) -> AsyncIterator[Any]:
        result = self.parse_with(response, "appmsg_list")
        if result.outcome == ERROR:
            for retry in self.retry_error(response, result):
                yield retry
            return
        if result.outcome not in (OK, END_OF_LIST):  # an unknown fakeid: nothing to go on
            return
        ctx = response.meta["wechat"]
        listed = await self._tally(ctx, response.meta.get(LISTED_META), result)
        stop = False
        for post in result.items:
            if post.account_id != account_id(ctx["biz"]):
                continue
            if post.deleted:
                yield post
            elif self._old(post.published_at, ctx):
                stop = True  # the list is newest first: the rest is stored already
            elif post.url:
                yield self._article_request(post.url, ctx, _listing(post))
        begin = int((result.next or {}).get("begin") or 0)
        more = bool(result.next) and begin // MP_PAGE_SIZE < self.mp_max_pages
        if more and not stop and not listed.get("searching"):
            yield self._mp_request(ctx, begin, listed or None)
            return
        if listed and await self._search_deletions(ctx, listed, more):
            yield self._mp_request(ctx, begin, listed)
            return
        for doc in listed.get("missing", ()):
            request = self._revisit_request(doc, ctx)
            if request is not None:
                self.crawler.stats.inc_value("wechat/recrawl/revisits_missing")
                yield request

    # ------------------------------------------------------------------ deletions (mp list)
    async def _tally(self, ctx: dict[str, Any], listed: dict[str, Any] | None,
                     result: Any) -> dict[str, Any]:
        """What the list pages of a re-crawl showed so far (empty when the policy does not
        compare the list's count): the ids ``shown`` and the ``oldest`` time among them, how
        many are ``new`` (not stored), the list's ``total`` (``app_msg_cnt``), whether it
        ``ended``, and the deletion search's ``pages``."""
        if ctx.get("stored") is None:
            return {}
        listed = dict(listed or {"new": 0, "shown": [], "oldest": None, "pages": 0})
        own = [p for p in result.items if p.account_id == account_id(ctx["biz"])]
        listed["shown"] = listed["shown"] + [p._id for p in own]
        times = [t for t in (listed["oldest"], *(p.published_at for p in own)) if t is not None]
        listed["oldest"] = min(times, default=None)
        fresh = [p._id for p in own if not self._old(p.published_at, ctx)]
        corpus = self.corpus() if fresh else None
        if corpus is not None:  # newer than the cutoff: stored by a run cut short?
            stored = await corpus.read(corpus.stored_posts, fresh)
            listed["new"] += sum(1 for _id in fresh if _id not in stored)
        if "articles" in result.totals:
            listed["total"] = result.totals["articles"]
        listed["ended"] = result.outcome == END_OF_LIST or not result.next
        return listed

    async def _search_deletions(self, ctx: dict[str, Any], listed: dict[str, Any],
                                more: bool) -> bool:
        """The list reached the stored articles (or its end). When it holds fewer articles
        than the stored ones plus the new ones, locate the stored articles it no longer shows
        newer than its oldest page (``listed["missing"]``, to be fetched again) and say
        whether to page on: not all located yet, pages left."""
        total = listed.get("total")
        expected = None if total is None else ctx["stored"] + listed["new"] - total
        if expected is None or expected <= 0:
            return False
        corpus = self.corpus()
        if corpus is None:
            return False
        if not listed.get("searching"):
            listed["searching"] = True
            self.crawler.stats.inc_value("wechat/recrawl/listed_drop", expected)
        # a push's articles share their time and may straddle two pages: the range starts
        # after the oldest time shown, unless the list ended
        start = LIST_START if listed["ended"] or listed["oldest"] is None \
            else listed["oldest"] + timedelta(seconds=1)
        stored = await corpus.read(_stored_articles, corpus, [account_id(ctx["biz"])], start)
        shown = set(listed["shown"])
        listed["missing"] = [doc for doc in stored if doc["_id"] not in shown]
        if len(listed["missing"]) >= expected or not more or listed["pages"] >= self.deletion_pages:
            return False
        listed["pages"] += 1
        self.crawler.stats.inc_value("wechat/recrawl/deletion_search_pages")
        return True

    # ------------------------------------------------------------------ articles
    def _article_request(self, url: str, ctx: dict[str, Any],
                         listing: dict[str, Any] | None) -> scrapy.Request:
        return scrapy.Request(rebase(url, self.base_url), callback=self.parse_article,
                              meta={"wechat": ctx, ACCOUNT_META: _account_key(ctx), "listing": listing or {}})

    def parse_article(self, response: Any) -> Iterator[Any]:
        result = self.parse_with(response, "article")
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        if result.outcome == NOT_FOUND:
            logger.info("Article not found: %s (%s)", response.url, result.message)
            return
        ctx = response.meta["wechat"]
        listing = response.meta.get("listing") or {}
        expected = account_id(ctx["biz"])
        for item in result.items:
            if isinstance(item, Post):
                if item.account_id != expected:
                    self.crawler.stats.inc_value("wechat/foreign_articles")
                    logger.info("Skipping %s: published by %s, not %s", item._id,
                                item.account_id, expected)
                    return
                if result.outcome != GONE:
                    _fill_from_listing(item, listing)
                yield item
            elif isinstance(item, Account) and item._id not in self.accounts_seen:
                self.accounts_seen.add(item._id)
                item.unit = item.unit or ctx.get("unit") or None
                yield item


def _context(acc: Any, cutoff: datetime | None, stored: int | None = None) -> dict[str, Any]:
    """What the requests of a registry account carry (``cutoff``: articles published at or
    before it are not fetched as new; ``stored``: how many of them the mp list counts, when
    the policy compares it with the list's count)."""
    ctx = {"biz": acc.platform_id, "name": acc.name, "unit": acc.unit, "region": acc.region,
           "cutoff": cutoff}
    if stored is not None:
        ctx["stored"] = stored
    return ctx


def _stored_articles(corpus: Any, account_ids: list[str], since: datetime) -> list[dict[str, Any]]:
    """Stored, not deleted articles of the accounts published since ``since`` (on a thread)."""
    return list(corpus.db["posts"].find(
        {"account_id": {"$in": account_ids}, "published_at": {"$gte": since},
         "deleted": {"$ne": True}},
        {"account_id": 1, "url": 1, "published_at": 1, "last_seen_at": 1},
        sort=[("account_id", 1), ("published_at", -1)]))


def _counted_articles(corpus: Any, cutoffs: dict[str, datetime | None]) -> dict[str, int]:
    """Per account with something stored, the stored articles the mp list counts (on a
    thread): those not deleted, and those stored deleted when first seen (never with a text:
    the list that led to them showed them, and still does). An article seen whole and deleted
    later has left the list."""
    posts = corpus.db["posts"]
    return {acc: posts.count_documents(
        {"account_id": acc,
         "$or": [{"deleted": {"$ne": True}}, {"content_hash": {"$exists": False}}]})
        for acc, cutoff in cutoffs.items() if cutoff is not None}


def _listing(post: Post) -> dict[str, Any]:
    """What a list entry knows about an article, kept for the article page's gaps."""
    return {k: v for k, v in {"published_at": post.published_at, "is_original": post.is_original,
                              "title": post.title}.items() if v is not None}


def _fill_from_listing(post: Post, listing: dict[str, Any]) -> None:
    if post.published_at is None and listing.get("published_at"):
        post.published_at = listing["published_at"]
    if post.is_original is None and listing.get("is_original") is not None:
        post.is_original = listing["is_original"]
    if not post.title and listing.get("title"):
        post.title = listing["title"]


def _account_key(ctx: dict[str, Any]) -> str:
    """The account a request works for (ends it when a wall persists: GOVSPIDER_ACCOUNT_MAX_WALLS)."""
    return f"wechat:{ctx.get('biz') or ctx.get('name')}"
