"""The Weibo platform plugin: crawls registry accounts through the mobile API (``m.weibo.cn``).

Parsers (``govspider parse weibo KIND FILE``): ``profile``, ``timeline``, ``longtext``, ``show``,
``comments`` (see :mod:`govspider_plugins.weibo.pages`). Spider: ``weibo`` (:mod:`govspider_plugins.weibo.spider`).

Settings (defaults from :func:`govspider_settings`, override with ``-s``):

- ``WEIBO_BASE_URL``: ``https://m.weibo.cn`` (the sandbox sets ``http://127.0.0.1:PORT/weibo``).
- ``GOVSPIDER_RATE_LIMITS``: requests per minute per host, honoured across the whole crawl;
  this plugin asks for ``{"m.weibo.cn": 30}``.
- ``WEIBO_MAX_COMMENT_PAGES`` (5), ``WEIBO_REVISIT_DAYS`` (7), ``WEIBO_MAX_TIMELINE_PAGES`` (0 =
  no cap).
- Re-crawls (``docs/recrawl.md``): ``WEIBO_RECRAWL_POLICY`` (``changed``; ``all`` = fetch every
  listed post's comments and long text and re-visit every stored post of the window),
  ``WEIBO_PROFILE_FROM_TIMELINE`` (True), ``WEIBO_REVISIT_SCHEDULE`` ({"1": 6, "3": 24, "7": 72}:
  a post younger than 1 day the listing did not show is re-visited when last seen 6 hours ago or
  more, younger than 3 days after 24 hours, younger than 7 days after 72 hours),
  ``WEIBO_DELETION_SEARCH_PAGES`` (10).
- Cookie: environment ``GOVSPIDER_WEIBO_COOKIE`` or a git-ignored file named by
  ``GOVSPIDER_WEIBO_COOKIE_FILE``; sent with every request, never logged.
"""

from __future__ import annotations

from typing import Any

from govspider.hookspecs import hookimpl
from govspider.platform import Platform
from govspider.processors import add_link_wrappers

from .fields import FIELDS
from .pages import PARSERS
from .spider import WeiboSpider

__version__ = "0.1.0"

#: Weibo's outbound-link wrapper: links in posts are recorded as their real target
add_link_wrappers({("weibo.cn", "/sinaurl"): "u", ("m.weibo.cn", "/sinaurl"): "u",
                   ("weibo.com", "/sinaurl"): "u"})

#: Requests per minute to the real site; the sandbox (another host) is not limited.
DEFAULT_RATE_LIMIT = 30


@hookimpl
def govspider_platforms() -> list[Platform]:
    return [Platform(name="weibo", version=__version__, label="微博", parsers=dict(PARSERS),
                     spiders=[WeiboSpider],
                     description="Weibo accounts via the mobile API (m.weibo.cn)", fields=FIELDS)]


@hookimpl
def govspider_settings() -> dict[str, Any]:
    return {
        #: the only hosts the weibo cookie (GOVSPIDER_WEIBO_COOKIE) is sent to, besides the base URL
        "GOVSPIDER_COOKIE_HOSTS": {"weibo": ["m.weibo.cn"]},
        "WEIBO_BASE_URL": "https://m.weibo.cn",
        "GOVSPIDER_RATE_LIMITS": {"m.weibo.cn": DEFAULT_RATE_LIMIT},
        "WEIBO_MAX_COMMENT_PAGES": 5,
        "WEIBO_REVISIT_DAYS": 7,
        "WEIBO_MAX_TIMELINE_PAGES": 0,
        #: "changed": spend requests where the listing shows a change (docs/recrawl.md);
        #: "all": comments and long texts of every listed post, every stored post re-visited
        "WEIBO_RECRAWL_POLICY": "changed",
        #: re-crawls take the profile and its metrics point from the timeline's mblog.user
        "WEIBO_PROFILE_FROM_TIMELINE": True,
        #: post age in days -> hours since last seen before a post the listing did not show
        #: is re-visited (ages beyond the last key: never, outside WEIBO_REVISIT_DAYS anyway)
        "WEIBO_REVISIT_SCHEDULE": {"1": 6, "3": 24, "7": 72},
        #: timeline pages read back to locate deletions statuses_count announces
        "WEIBO_DELETION_SEARCH_PAGES": 10,
    }


@hookimpl
def govspider_sandbox_routes(world: Any) -> list[Any]:
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from .sandbox import routes

    return routes(world)


@hookimpl
def govspider_sandbox_worlds() -> list[type]:
    """How Weibo look in the sandbox world (:mod:`govspider_plugins.weibo.world`)."""
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from govspider_plugins.weibo.world import WeiboWorld

    return [WeiboWorld]
