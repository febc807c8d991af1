"""The ``web`` spider: each unit's website, its index page and same-site links to ``WEB_DEPTH``.

Seeds come from ``-a urls=FILE`` (one URL per line, ``#`` comments) and from the registry units'
``website`` key (a URL or a list of URLs; a path such as ``/gov/x/index.html`` is joined to
``WEB_BASE_URL``). A site is the seed's host and directory: links outside it are recorded on the
page but not followed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy

from govspider.platform import ERROR, NOT_FOUND
from govspider.spiders.base import PlatformSpider

logger = logging.getLogger(__name__)

#: Links to files that are not pages.
SKIP_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar",
                   ".7z", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".svg", ".webp", ".mp4",
                   ".mp3", ".avi", ".flv", ".wmv", ".apk", ".exe", ".ofd", ".wps", ".txt",
                   ".xml", ".css", ".js", ".ico")


def site_scope(url: str) -> tuple[str, str]:
    """(host, directory) of a seed URL: ``http://h/a/b/index.html`` -> ``("h", "/a/b/")``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    directory = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    return (parts.hostname or "").lower(), directory


def in_scope(url: str, scope: tuple[str, str]) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    same_host = host == scope[0] or host.removeprefix("www.") == scope[0].removeprefix("www.")
    path = parts.path or "/"
    return same_host and path.startswith(scope[1]) and not path.lower().endswith(SKIP_EXTENSIONS)


class WebSpider(PlatformSpider):
    """Pages of the registry units' websites (and of ``-a urls=FILE``), as ``Page`` items."""

    name = "web"
    platform = "web"
    base_url_setting = "WEB_BASE_URL"
    default_base_url = ""

    def __init__(self, *args: Any, urls: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.urls_path = urls
        self.pages_per_site: Counter[tuple[str, str]] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WebSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.depth = crawler.settings.getint("WEB_DEPTH", 1)
        spider.max_pages = crawler.settings.getint("WEB_MAX_PAGES", 200)
        return spider

    # ------------------------------------------------------------------ seeds
    def seeds(self) -> list[tuple[str, str | None]]:
        """(URL, unit name or None) of every site to crawl, without duplicates."""
        out: dict[str, str | None] = {}
        if self.urls_path:
            try:
                lines = Path(self.urls_path).read_text(encoding="utf-8-sig").splitlines()
            except OSError as exc:
                raise ValueError(f"cannot read urls file {self.urls_path}: {exc.strerror}") from None
            for line in lines:
                line = line.strip()
                if line and not line.startswith("#"):
                    out.setdefault(self._absolute(line) or line, None)
        for unit, meta in self.registry.units.items():
            sites = meta.get("website") or []
            for site in [sites] if isinstance(sites, str) else list(sites):
                url = self._absolute(str(site))
                if url:
                    out.setdefault(url, unit)
                else:
                    logger.warning("Unit %s: website %r is not a URL and WEB_BASE_URL is unset",
                                   unit, site)
        return list(out.items())

    def _absolute(self, site: str) -> str | None:
        site = site.strip()
        if site.startswith(("http://", "https://")):
            return site
        if site.startswith("//"):
            return "https:" + site
        if site.startswith("/") and self.base_url:
            return self.base_url + site
        if site and "." in site.split("/")[0] and not site.startswith("/"):
            return "https://" + site  # "www.example.gov.cn/..."
        return None

    async def start(self) -> AsyncIterator[Any]:
        for request in self._start_requests():
            yield request

    def _start_requests(self) -> Iterator[scrapy.Request]:
        seeds = self.seeds()
        if not seeds:
            logger.warning("No websites to crawl: give -a urls=FILE or units with a 'website'")
        for url, unit in seeds:
            scope = site_scope(url)
            self.pages_per_site[scope] += 1
            yield scrapy.Request(url, callback=self.parse_page,
                                 meta={"web_depth": 0, "web_scope": scope, "web_unit": unit})

    # ------------------------------------------------------------------ pages
    def parse_page(self, response: Any) -> Iterator[Any]:
        if not isinstance(response, scrapy.http.TextResponse):
            return  # an image or a file behind a page-like URL
        result = self.parse_with(response, "page")
        if result.outcome == ERROR:
            yield from self.retry_error(response, result)
            return
        if result.outcome == NOT_FOUND:
            return
        depth = response.meta["web_depth"]
        scope = response.meta["web_scope"]
        for page in result.items:
            yield page
            if depth >= self.depth:
                continue
            for link in page.links or []:
                url = urljoin(response.url, link["href"]).split("#", 1)[0]
                if link.get("hidden") or not in_scope(url, scope):
                    continue  # hidden links are evidence, not navigation
                if self.pages_per_site[scope] >= self.max_pages:
                    self.crawler.stats.inc_value("web/pages_budget_reached")
                    break
                self.pages_per_site[scope] += 1
                yield scrapy.Request(url, callback=self.parse_page,
                                     meta={"web_depth": depth + 1, "web_scope": scope,
                                           "web_unit": response.meta.get("web_unit")})
