"""The ``appstores`` spider: search every store for every official app, then fetch details.

Phase 1 searches each selected store for each registry app's name and abbreviations (and, on
iTunes, looks the app up by bundle id / App Store id; on 应用宝 and Xiaomi, whose ids are
package names, the registry package is queued for a detail fetch). Every listing found is
remembered with the search terms that found it. Phase 2 starts when the searches are done
(Scrapy's ``spider_idle``): the detail of every listing is fetched once (iTunes: batched
``/lookup`` calls), so each stored App carries all of its ``search_terms``.

Arguments: ``-a accounts=FILE`` (registry), ``-a stores=itunes,huawei`` (default: all four),
``-a max_pages=N`` (search result pages per term where the store pages them; default 2).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from govspider.platform import ERROR, OK
from govspider.spiders.base import PlatformSpider

from .pages import DEFAULT_BASES, STORES, huawei, itunes, myapp, xiaomi

logger = logging.getLogger(__name__)

BASE_SETTINGS = {store: f"{store.upper()}_BASE_URL" for store in STORES}
_SEARCH_URL = {"itunes": itunes.search_url, "myapp": myapp.search_url,
               "huawei": huawei.search_url, "xiaomi": xiaomi.search_url}
_DETAIL_URL = {"myapp": myapp.detail_url, "huawei": huawei.detail_url,
               "xiaomi": xiaomi.detail_url}
LOOKUP_BATCH = 50
ICON_PIPELINE = "govspider_plugins.appstores.icons.IconPipeline"


class AppStoreSpider(PlatformSpider):
    """Official government apps and their lookalikes in iTunes, 应用宝, AppGallery and Xiaomi."""

    name = "appstores"
    platform = "itunes"
    base_url_setting = "ITUNES_BASE_URL"
    default_base_url = DEFAULT_BASES["itunes"]
    #: Let throttling, captcha and not-found answers reach the parsers (they classify them).
    handle_httpstatus_list = [400, 403, 404, 429]

    def __init__(self, *args: Any, stores: str | None = None, max_pages: Any = 2,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        wanted = [s.strip() for s in (stores or ",".join(STORES)).split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(STORES))
        if unknown:
            raise ValueError(f"unknown store(s) {', '.join(unknown)}; choose from {', '.join(STORES)}")
        self.stores = tuple(s for s in STORES if s in wanted)
        self.max_pages = max(1, int(max_pages))
        #: app _id -> the search terms that found it
        self.terms: dict[str, set[str]] = defaultdict(set)
        #: app _id -> (store, store app id), waiting for its detail fetch
        self.pending: dict[str, tuple[str, str]] = {}
        self.requested: set[str] = set()

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """Add the icon pipeline (order 200: after validation, before storage) to the
        project's pipelines without replacing them (a ``custom_settings`` dict would replace
        the project's ``ITEM_PIPELINES`` wholesale). Set at spider priority: ``scrapy crawl``
        re-applies the project settings after this hook."""
        super().update_settings(settings)
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        if ICON_PIPELINE not in pipelines:
            pipelines[ICON_PIPELINE] = 200
            settings.set("ITEM_PIPELINES", pipelines,
                         priority=max(settings.getpriority("ITEM_PIPELINES") or 0, 30))

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> AppStoreSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.bases = {s: (crawler.settings.get(BASE_SETTINGS[s]) or DEFAULT_BASES[s]).rstrip("/")
                        for s in STORES}
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    # ------------------------------------------------------------------ phase 1: search
    async def start(self):  # type: ignore[override]
        for request in self.search_requests():
            yield request

    def search_requests(self) -> list[scrapy.Request]:
        apps = self.registry.apps
        if not apps:
            logger.warning("The registry lists no official apps: nothing to search")
        requests: list[scrapy.Request] = []
        seen: set[tuple[str, str]] = set()
        for app in apps:
            for store in self.stores:
                for term in app.names:
                    if (store, term) in seen:
                        continue
                    seen.add((store, term))
                    requests.append(self._search(store, term))
            if "itunes" in self.stores:
                if app.itunes_id:
                    requests.append(self._registry_lookup(itunes.lookup_url(
                        self.bases["itunes"], ids=[app.itunes_id])))
                if app.bundle_id:
                    requests.append(self._registry_lookup(itunes.lookup_url(
                        self.bases["itunes"], bundle_id=app.bundle_id)))
            for store in ("myapp", "xiaomi"):
                if store in self.stores and app.package:
                    self.pending.setdefault(f"app:{store}:{app.package}", (store, app.package))
        return requests

    def _meta(self, store: str, **extra: Any) -> dict[str, Any]:
        return {"store": store, "base_url": self.bases[store]} | extra

    def _search(self, store: str, term: str, page: int = 1) -> scrapy.Request:
        base = self.bases[store]
        url = huawei.search_url(base, term, page) if store == "huawei" else _SEARCH_URL[store](base, term)
        return scrapy.Request(url, callback=self.parse_search,
                              meta=self._meta(store, term=term, page=page))

    def _registry_lookup(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_search,
                              meta=self._meta("itunes", term=None, page=1, kind="lookup"))

    def parse_search(self, response: Any) -> Any:
        meta = response.meta
        store, term = meta["store"], meta.get("term")
        result = self.parse_with(response, meta.get("kind", "search"), platform=store)
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        if result.outcome != OK:
            logger.debug("%s search %r: %s", store, term, result.outcome)
            return
        for item in result.items:
            if term:
                self.terms[item._id].add(term)
            if item._id not in self.requested:
                self.pending.setdefault(item._id, (store, item.platform_id))
            item.search_terms = sorted(self.terms[item._id]) or None
            if store != "itunes":
                # the detail page gives the icon (search thumbnails may be other sizes of it:
                # each icon is downloaded once, from the detail)
                item.icon_url = None
            yield item
        page = int(meta.get("page") or 1)
        if result.next and term and store == "huawei" and page < self.max_pages:
            yield self._search(store, term, page + 1)

    # ------------------------------------------------------------------ phase 2: details
    def on_idle(self, spider: Any = None) -> None:
        requests = self.detail_requests()
        if not requests:
            return
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def detail_requests(self) -> list[scrapy.Request]:
        """Detail fetches of every listing found and not fetched yet."""
        todo = {k: v for k, v in self.pending.items() if k not in self.requested}
        self.pending.clear()
        self.requested.update(todo)
        requests = []
        track_ids = sorted(native for store, native in todo.values() if store == "itunes")
        for i in range(0, len(track_ids), LOOKUP_BATCH):
            url = itunes.lookup_url(self.bases["itunes"], ids=track_ids[i:i + LOOKUP_BATCH])
            requests.append(scrapy.Request(url, callback=self.parse_detail,
                                           meta=self._meta("itunes", kind="lookup")))
        for _id, (store, native) in sorted(todo.items()):
            if store == "itunes":
                continue
            url = _DETAIL_URL[store](self.bases[store], native)
            requests.append(scrapy.Request(url, callback=self.parse_detail,
                                           meta=self._meta(store, kind="detail")))
        return requests

    def parse_detail(self, response: Any) -> Any:
        meta = response.meta
        store = meta["store"]
        result = self.parse_with(response, meta.get("kind", "detail"), platform=store)
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        if result.outcome != OK:
            logger.info("%s detail %s: %s", store, response.url, result.outcome)
            return
        for item in result.items:
            item.search_terms = sorted(self.terms.get(item._id, ())) or None
            yield item
