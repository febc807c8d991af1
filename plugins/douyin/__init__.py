"""Douyin (抖音) accounts: profile, posts (videos and image posts) and comments.

Douyin's web API only answers signed requests, so the default ``browser`` mode lets a real
browser (Debian's chromium through scrapy-playwright) sign: the spider opens the account's page
and takes the API responses the page fetches. The ``direct`` mode sends plain HTTP requests
signed by an operator-supplied signer (``DOUYIN_SIGNER``, see :mod:`govspider_plugins.douyin.signer`).
"""

from __future__ import annotations

from typing import Any

from govspider.hookspecs import hookimpl
from govspider.platform import Platform
from govspider_plugins.douyin.fields import FIELDS
from govspider_plugins.douyin.pages import PARSERS
from govspider_plugins.douyin.spider import DouyinSpider

__version__ = "0.1.0"


@hookimpl
def govspider_platforms() -> list[Platform]:
    return [Platform(name="douyin", version=__version__, label="抖音", parsers=dict(PARSERS),
                     spiders=[DouyinSpider],
                     description="Douyin accounts through a signing browser (web API JSON)",
                     fields=FIELDS)]


@hookimpl
def govspider_settings() -> dict[str, Any]:
    return {
        #: the only hosts the douyin cookie (GOVSPIDER_DOUYIN_COOKIE) is sent to, besides the base URL
        "GOVSPIDER_COOKIE_HOSTS": {"douyin": ["www.douyin.com"]},
        "DOUYIN_BASE_URL": "https://www.douyin.com",
        #: "browser" (scrapy-playwright signs) or "direct" (plain HTTP + DOUYIN_SIGNER)
        "DOUYIN_MODE": "browser",
        #: dotted path of a callable (url, user_agent) -> signed url, for the direct mode
        "DOUYIN_SIGNER": None,
        #: seconds the browser waits for an expected API response before giving up on the page
        "DOUYIN_PAGE_TIMEOUT": 30.0,
        #: posts pages (max_cursor steps) per account and crawl; 0 = no limit
        "DOUYIN_MAX_POST_PAGES": 0,
        #: fetch comments (and replies) of the posts seen in this crawl
        "DOUYIN_COMMENTS": True,
        "DOUYIN_COMMENT_POSTS": 0,  # comments of the N most recent posts per account (0: all)
        # `govspider demo` keeps the browser part to a minute or so
        "GOVSPIDER_DEMO_SETTINGS": {"DOUYIN_COMMENT_POSTS": 5, "DOUYIN_RETRY_DELAY": 0.2},
        #: browser mode: an error response is retried in the page after this many seconds
        #: (doubling per error in a row); after DOUYIN_PAGE_ERRORS errors in a row the page's
        #: context is closed and the account retried in a fresh one (GOVSPIDER_BACKOFF_*)
        "DOUYIN_RETRY_DELAY": 1.0,
        "DOUYIN_PAGE_ERRORS": 3,
        #: accounts crawled by the browser at the same time in one process (each takes one
        #: page and one context; capped by PLAYWRIGHT_MAX_CONTEXTS); browser mode also sets
        #: CONCURRENT_REQUESTS to it, so a worker of a distributed crawl takes no more accounts
        #: from the shared queue than it can open
        "DOUYIN_BROWSER_CONCURRENCY": 2,
        #: keyword arguments of every browser context (Playwright ``new_context``), e.g.
        #: {"user_agent": ..., "storage_state": "douyin-state.json"}; a login cookie can also
        #: come from GOVSPIDER_DOUYIN_COOKIE / GOVSPIDER_DOUYIN_COOKIE_FILE
        "DOUYIN_BROWSER_CONTEXT": {"locale": "zh-CN", "viewport": {"width": 1280, "height": 800}},
        #: direct mode: the User-Agent the signer signs for
        "DOUYIN_USER_AGENT": None,
    }


@hookimpl
def govspider_sandbox_routes(world: Any) -> list[Any]:
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from govspider_plugins.douyin.sandbox import routes

    return routes(world)


@hookimpl
def govspider_sandbox_worlds() -> list[type]:
    """How Douyin look in the sandbox world (:mod:`govspider_plugins.douyin.world`)."""
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from govspider_plugins.douyin.world import DouyinWorld

    return [DouyinWorld]
