"""The ``toy`` spider: each registry account's profile, then its posts page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy

from govspider.downloadermiddlewares import ACCOUNT_META
from govspider.spiders.base import PlatformSpider

from . import NAME


class ToySpider(PlatformSpider):
    name = NAME
    platform = NAME
    base_url_setting = "TOY_BASE_URL"
    default_base_url = "https://toy.example"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ToySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("TOY_MAX_PAGES", 10)
        return spider

    def _request(self, path: str, params: dict[str, Any], callback: Any, pid: str) -> scrapy.Request:
        return scrapy.Request(f"{self.base_url}{path}?{urlencode(params)}", callback=callback,
                              meta={"toy_account": pid, ACCOUNT_META: f"{NAME}:{pid}"})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for entry in self.accounts():
            yield self._request("/api/user", {"id": entry.platform_id}, self.parse_profile,
                                entry.platform_id)

    def parse_profile(self, response: Any) -> Iterator[Any]:
        pid = response.meta["toy_account"]
        result = self.parse_with(response, "profile")
        yield from self.follow_result(response, result)
        if result.items:
            yield self._request("/api/posts", {"id": pid, "page": 1}, self.parse_posts, pid)

    def parse_posts(self, response: Any) -> Iterator[Any]:
        pid = response.meta["toy_account"]

        def next_page(nxt: dict[str, Any]) -> scrapy.Request | None:
            if int(nxt["page"]) > self.max_pages:
                return None
            return self._request("/api/posts", {"id": pid, "page": nxt["page"]}, self.parse_posts, pid)

        yield from self.follow_result(response, self.parse_with(response, "posts"), next_page=next_page)
