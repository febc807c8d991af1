"""Downloader middlewares shared by every platform."""

from __future__ import annotations

import logging
import os
import random
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater

from govspider.plugins import installed_plugins

logger = logging.getLogger(__name__)

#: ``request.meta`` key: seconds to wait before sending the request (set by error retries).
BACKOFF_META = "govspider_backoff"
#: request.meta key naming the account a request works for (set by the platform spiders)
ACCOUNT_META = "govspider_account"
#: ``request.meta`` key: the platform whose cookie the request carries (a platform name).
COOKIE_META = "govspider_cookie"

#: The only hosts a platform's cookie goes to (over https), besides the spider's own base URL
#: (the sandbox, or a mirror named by its base-URL setting): ``GOVSPIDER_COOKIE_HOSTS``
#: (``{platform: [host, ...]}``), which each platform plugin fills for its own platform through
#: its ``govspider_settings`` hook; a project setting replaces a platform's list.
COOKIE_HOSTS_SETTING = "GOVSPIDER_COOKIE_HOSTS"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL; ``None`` for anything else."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, port


def retry_after(response: Any, ceiling: float = 3600.0) -> float | None:
    """Seconds a ``Retry-After`` header of ``response`` asks to wait (delta seconds or an HTTP
    date), at most ``ceiling``; ``None`` without a usable header."""
    headers = getattr(response, "headers", None)
    raw = headers.get(b"Retry-After") if headers is not None else None
    if not raw:
        return None
    value = raw.decode("latin-1").strip() if isinstance(raw, bytes) else str(raw).strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - datetime.now(when.tzinfo)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(ceiling, seconds))


def backoff_delay(attempt: int, base: float, ceiling: float, jitter: float = 0.0,
                  asked: float | None = None) -> float:
    """Seconds before retry ``attempt``: exponential (``base * 2**(attempt-1)``, at most
    ``ceiling``), never less than a ``Retry-After`` the platform ``asked`` for, then stretched
    by up to ``jitter`` (0.25 = +25%) so retries of many requests do not arrive in step."""
    delay = min(ceiling, base * 2 ** (attempt - 1))
    if asked is not None:
        delay = max(delay, asked)
    if jitter > 0:
        delay *= 1.0 + random.uniform(0.0, jitter)
    return delay


class BackoffMiddleware:
    """Delay a request by ``request.meta["govspider_backoff"]`` seconds before sending it.

    Retries of transient platform errors (rate limits, login walls, captchas) carry an
    exponential backoff so a blocked crawl slows down instead of hammering the platform.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> BackoffMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        owner = getattr(self.crawler, "spider", None)
        account = request.meta.get(ACCOUNT_META)
        if account is not None and account in getattr(owner, "walled_accounts", ()):
            self.crawler.stats.inc_value("govspider/requests_dropped/walled_account")
            raise IgnoreRequest(f"account {account} ended: the platform keeps walling it")
        delay = float(request.meta.get(BACKOFF_META) or 0)
        if delay > 0:
            from twisted.internet import reactor  # import-here: Scrapy installs the reactor first

            self.crawler.stats.inc_value("govspider/backoff_seconds", int(delay))
            await deferred_to_future(deferLater(reactor, delay, lambda: None))
        return None


class CookiesFromEnvMiddleware:
    """Send a platform cookie taken from the environment or a git-ignored file, never logged.

    For a request whose ``meta["govspider_cookie"]`` names a platform ``P``, the cookie string
    comes from ``GOVSPIDER_<P>_COOKIE`` (environment) or the file named by
    ``GOVSPIDER_<P>_COOKIE_FILE`` (environment or setting).

    The cookie only goes to the platform's own hosts (:data:`COOKIE_HOSTS_SETTING`, over
    https) and to the origin of the spider's base URL; a request anywhere else, such as the
    target of a cross-host redirect (which keeps the request's meta), goes without it.
    """

    def __init__(self, settings: Any, crawler: Any = None):
        self.settings = settings
        self.crawler = crawler
        self._cache: dict[str, str | None] = {}
        self._hosts: dict[str, tuple[str, ...]] = {}  # platform -> cookie hosts, resolved once

    @classmethod
    def from_crawler(cls, crawler: Any) -> CookiesFromEnvMiddleware:
        if not crawler.settings.getbool("GOVSPIDER_COOKIES_ENABLED", True):
            raise NotConfigured("GOVSPIDER_COOKIES_ENABLED is off")
        return cls(crawler.settings, crawler)

    def _cookie_hosts(self, platform: str) -> tuple[str, ...]:
        if platform not in self._hosts:
            configured = self.settings.getdict(COOKIE_HOSTS_SETTING) if self.settings else {}
            hosts = configured.get(platform)
            if hosts is None:  # settings built without the add-on: the plugin's own default
                hosts = installed_plugins().settings().get(COOKIE_HOSTS_SETTING, {}).get(platform, ())
            self._hosts[platform] = tuple(str(h).lower() for h in hosts)
        return self._hosts[platform]

    def allowed_origins(self, platform: str, spider: Any = None) -> set[tuple[str, str, int]]:
        """The origins ``(scheme, host, port)`` that may receive ``platform``'s cookie."""
        origins = {("https", h, 443) for h in self._cookie_hosts(platform)}
        spider = spider or getattr(self.crawler, "spider", None)
        if spider is not None and getattr(spider, "platform", None) == platform:
            base = _origin(getattr(spider, "base_url", "") or "")
            if base:
                origins.add(base)
        return origins

    def cookie_for(self, platform: str) -> str | None:
        if platform not in self._cache:
            key = f"GOVSPIDER_{platform.upper()}_COOKIE"
            value = os.environ.get(key)
            path = os.environ.get(f"{key}_FILE") or self.settings.get(f"{key}_FILE")
            if not value and path:
                try:
                    value = Path(path).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    logger.error("Cannot read the %s cookie file %s: %s", platform, path, exc.strerror)
            self._cache[platform] = value or None
            if value:
                logger.info("Using a %s cookie from the environment (%d characters, not shown)",
                            platform, len(value))
        return self._cache[platform]

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        # runs after Scrapy's CookiesMiddleware, which rewrites the header from its jar
        platform = request.meta.get(COOKIE_META)
        if platform:
            cookie = self.cookie_for(platform)
            if not cookie:
                return None
            jar = request.headers.get("Cookie")
            if _origin(request.url) not in self.allowed_origins(platform, spider):
                if jar and cookie in jar.decode("latin-1"):
                    del request.headers["Cookie"]  # copied along from an allowed request
                logger.debug("Not sending the %s cookie to %s (not a %s host)",
                             platform, urlsplit(request.url).hostname, platform)
                return None
            if jar and cookie in jar.decode("latin-1"):
                return None  # already there (a same-host redirect keeps the header)
            request.headers["Cookie"] = f"{jar.decode('latin-1')}; {cookie}" if jar else cookie
        return None


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry of HTTP errors (``RETRY_HTTP_CODES``: 429, 503, 418...), with the
    platform's ``Retry-After`` honoured and an exponential backoff with jitter instead of an
    immediate retry (``GOVSPIDER_BACKOFF_BASE/MAX/JITTER``, ``GOVSPIDER_RETRY_AFTER_MAX``).
    The wait is carried to :class:`BackoffMiddleware` in ``request.meta``."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.base = settings.getfloat("GOVSPIDER_BACKOFF_BASE", 2.0)
        self.ceiling = settings.getfloat("GOVSPIDER_BACKOFF_MAX", 300.0)
        self.jitter = settings.getfloat("GOVSPIDER_BACKOFF_JITTER", 0.25)
        self.retry_after_max = settings.getfloat("GOVSPIDER_RETRY_AFTER_MAX", 3600.0)
        self.stats: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        mw = cls(crawler.settings)
        mw.stats = crawler.stats
        mw.crawler = crawler
        return mw

    def process_response(self, request: Request, response: Any, spider: Spider | None = None) -> Any:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after(response, self.retry_after_max)
        attempt = int(request.meta.get("retry_times", 0)) + 1
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        retry.meta[BACKOFF_META] = backoff_delay(attempt, self.base, self.ceiling, self.jitter, asked)
        if asked is not None and self.stats is not None:
            self.stats.inc_value("govspider/retry_after_honoured")
        return retry


def redact_proxy(url: str) -> str:
    """A proxy URL without its credentials (for logs and stats)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}:{parts.port}" if parts.port else f"{parts.scheme}://{host}"


class ProxyPool:
    """Proxies in rotation; a proxy the platform pushes back on is banned for a while
    (``GOVSPIDER_PROXY_BAN_SECONDS``, doubling for each ban in a row, at most an hour)."""

    def __init__(self, proxies: list[str], ban_seconds: float = 300.0, clock: Any = None):
        self.proxies = list(dict.fromkeys(proxies))
        self.ban_seconds = ban_seconds
        self.clock = clock or time.monotonic
        self.banned_until: dict[str, float] = {}
        self.strikes: dict[str, int] = {}
        self._next = 0

    def choose(self) -> str | None:
        """The next proxy not banned; when every one is, the one free soonest."""
        if not self.proxies:
            return None
        now = self.clock()
        for _ in range(len(self.proxies)):
            proxy = self.proxies[self._next % len(self.proxies)]
            self._next += 1
            if self.banned_until.get(proxy, 0.0) <= now:
                return proxy
        return min(self.proxies, key=lambda p: self.banned_until.get(p, 0.0))

    def ban(self, proxy: str) -> float:
        """Ban ``proxy``; returns the seconds of the ban."""
        strikes = self.strikes[proxy] = self.strikes.get(proxy, 0) + 1
        seconds = min(3600.0, self.ban_seconds * 2 ** (strikes - 1))
        self.banned_until[proxy] = self.clock() + seconds
        return seconds

    def good(self, proxy: str) -> None:
        self.strikes.pop(proxy, None)


#: request.meta key of the proxy the pool chose
PROXY_META = "govspider_proxy"
#: HTTP answers that mean "this address is pushed back on"
BAN_STATUSES = {403, 418, 429}


class ProxyPoolMiddleware:
    """Rotate requests over ``GOVSPIDER_PROXIES`` (a list, or comma-separated text; also the
    environment variable of that name, where proxy credentials belong). A proxy answered with
    403/418/429, or whose answer the spider's parser found to be a rate limit, captcha or login
    wall, is banned for a while and the request retried through another. Stats per proxy
    (credentials never shown): ``govspider/proxy/<scheme://host:port>/requests|bans``."""

    def __init__(self, crawler: Any, proxies: list[str]):
        self.crawler = crawler
        self.pool = ProxyPool(proxies, crawler.settings.getfloat("GOVSPIDER_PROXY_BAN_SECONDS", 300.0))
        crawler.govspider_proxy_pool = self  # the spiders' retry_error reports bans here

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProxyPoolMiddleware:
        raw = crawler.settings.get("GOVSPIDER_PROXIES") or os.environ.get("GOVSPIDER_PROXIES") or []
        proxies = [p.strip() for p in (raw.split(",") if isinstance(raw, str) else raw) if str(p).strip()]
        if not proxies:
            raise NotConfigured("no GOVSPIDER_PROXIES")
        for p in proxies:
            if urlsplit(p).scheme not in ("http", "https") or not urlsplit(p).hostname:
                raise NotConfigured(f"GOVSPIDER_PROXIES: not an http(s) proxy URL: {redact_proxy(p)}")
        return cls(crawler, proxies)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if "proxy" in request.meta and PROXY_META not in request.meta:
            return None  # a proxy chosen by the spider itself
        proxy = self.pool.choose()
        if proxy is None:
            return None
        request.meta["proxy"] = proxy
        request.meta[PROXY_META] = proxy
        self.crawler.stats.inc_value(f"govspider/proxy/{redact_proxy(proxy)}/requests")
        return None

    def process_response(self, request: Request, response: Any, spider: Spider | None = None) -> Any:
        proxy = request.meta.get(PROXY_META)
        if proxy:
            if response.status in BAN_STATUSES:
                self.banned(proxy, f"HTTP {response.status}")
                # let the retry go through another proxy
                request.meta.pop("proxy", None)
                request.meta.pop(PROXY_META, None)
            elif response.status < 400:
                self.pool.good(proxy)
        return response

    def banned(self, proxy: str, why: str) -> None:
        seconds = self.pool.ban(proxy)
        shown = redact_proxy(proxy)
        self.crawler.stats.inc_value(f"govspider/proxy/{shown}/bans")
        logger.warning("Proxy %s banned for %.0fs (%s)", shown, seconds, why)
