"""The ``web`` spider: each unit's website, its index page and same-site links to ``WEB_DEPTH``.

Seeds come from ``-a urls=FILE`` (one URL per line, ``#`` comments) and from the registry units'
``website`` key (a URL or a list of URLs; a path such as ``/gov/x/index.html`` is joined to
``WEB_BASE_URL``). A site is the seed's host and directory: links outside it are recorded on the
page but not followed.

Only ``http`` and ``https`` URLs are crawled: a seed with another scheme (``file:``, ``data:``,
``ftp:``, ``javascript:``...) is rejected with an error naming its line; ``govspider crawl`` refuses
such a URL file before crawling (:meth:`WebSpider.check_arguments`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy

from govspider.platform import ERROR, NOT_FOUND
from govspider.processors import http_url
from govspider.spiders.base import PlatformSpider

logger = logging.getLogger(__name__)

#: Links to files that are not pages.
SKIP_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar",
                   ".7z", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".svg", ".webp", ".mp4",
                   ".mp3", ".avi", ".flv", ".wmv", ".apk", ".exe", ".ofd", ".wps", ".txt",
                   ".xml", ".css", ".js", ".ico")


#: ``scheme:`` at the start of a seed, but not ``host:port`` (``www.x.gov.cn:8080/a``).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!\d+(?:[/?#]|$))")


def web_url(site: str, base_url: str = "") -> str | None:
    """The absolute http(s) URL a seed names, or ``None`` when it names none.

    ``http(s)://...`` is kept, ``//host/...`` and ``host.tld/...`` become https, ``/path`` is
    joined to ``base_url``; every other scheme (``file:``, ``data:``, ``ftp:``...) is refused.
    """
    site = site.strip()
    if not site or any(ord(c) < 0x20 or c.isspace() for c in site):
        return None
    if site.startswith("//"):
        url = "https:" + site
    elif _SCHEME.match(site):
        url = site
    elif site.startswith("/"):
        url = base_url + site if base_url else ""
    elif "." in site.split("/")[0]:
        url = "https://" + site  # "www.example.gov.cn/..."
    else:
        return None
    return http_url(url)


def read_urls(path: str, base_url: str = "") -> tuple[list[str], list[tuple[int, str]]]:
    """The http(s) URLs of a URL file (one a line, ``#`` comments) and the rejected lines
    ``(line number, text)``; ``ValueError`` with one line when the file cannot be read."""
    try:
        lines = Path(path).read_bytes().decode("utf-8-sig").splitlines()
    except OSError as exc:
        raise ValueError(f"cannot read urls file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ValueError(f"urls file {path} is not UTF-8 text") from None
    urls, rejected = [], []
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url = web_url(line, base_url)
        if url:
            urls.append(url)
        else:
            rejected.append((n, line))
    return urls, rejected


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


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
    #: No handler for schemes that are not web pages: a URL that slips past the seed checks
    #: cannot read local files or hang on an FTP server.
    custom_settings = {"DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None}}

    def __init__(self, *args: Any, urls: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.urls_path = urls
        self.pages_per_site: Counter[tuple[str, str]] = Counter()

    @classmethod
    def check_arguments(cls, settings: Any, args: dict[str, Any]) -> None:
        """Refuse, before any crawling, a URL file with a line that is not an http(s) URL."""
        if not args.get("urls"):
            return
        base = (settings.get(cls.base_url_setting) or cls.default_base_url).rstrip("/")
        _, rejected = read_urls(str(args["urls"]), base)
        if rejected:
            n, line = rejected[0]
            more = f" (and {len(rejected) - 1} more lines)" if len(rejected) > 1 else ""
            raise ValueError(f"urls file {args['urls']} line {n}: {_shown(line)} is not an "
                             f"http(s) URL{more}; only http and https pages are crawled")

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
            urls, rejected = read_urls(self.urls_path, self.base_url)
            for n, line in rejected:
                self._reject()
                logger.error("urls file %s line %d: %s is not an http(s) URL; skipped",
                             self.urls_path, n, _shown(line))
            for url in urls:
                out.setdefault(url, None)
        for unit, meta in self.registry.units.items():
            sites = meta.get("website") or []
            for site in [sites] if isinstance(sites, str) else list(sites):
                url = self._absolute(str(site))
                if url:
                    out.setdefault(url, unit)
                elif str(site).strip().startswith("/") and not self.base_url:
                    logger.warning("Unit %s: website %r is not a URL and WEB_BASE_URL is unset",
                                   unit, site)
                else:
                    self._reject()
                    logger.warning("Unit %s: website %s is not an http(s) URL; skipped",
                                   unit, _shown(str(site)))
        return list(out.items())

    def _reject(self) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value("web/rejected_urls")

    def _absolute(self, site: str) -> str | None:
        return web_url(site, self.base_url)

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
            page.unit = response.meta.get("web_unit")  # the registry unit whose site it is
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
