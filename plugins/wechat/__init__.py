"""WeChat official accounts (``mp.weixin.qq.com``) and the Sogou WeChat mirror.

Parsers: ``article``, ``appmsg_list``, ``profile_msg``, ``sogou``, ``sogou_link``.
Spider: ``wechat`` (discovers articles through ``WECHAT_SOURCE`` = ``sogou`` or ``mp``).
"""

from __future__ import annotations

from typing import Any

from govspider.hookspecs import hookimpl
from govspider.platform import Platform
from govspider_plugins.wechat.fields import FIELDS
from govspider_plugins.wechat.pages import PARSERS
from govspider_plugins.wechat.spider import WechatSpider

__version__ = "0.1.0"


@hookimpl
def govspider_platforms() -> list[Platform]:
    """The ``wechat`` platform: its parsers and its spider."""
    return [Platform(name="wechat", version=__version__, label="微信公众号", parsers=dict(PARSERS),
                     spiders=[WechatSpider],
                     description="WeChat official-account articles (mp.weixin.qq.com, Sogou mirror)",
                     fields=FIELDS)]


@hookimpl
def govspider_settings() -> dict[str, Any]:
    """Base URLs of the real sites and the default discovery source."""
    return {
        #: the only hosts the wechat cookie (GOVSPIDER_WECHAT_COOKIE) is sent to, besides the base URL
        "GOVSPIDER_COOKIE_HOSTS": {"wechat": ["mp.weixin.qq.com"]},
        "WECHAT_BASE_URL": "https://mp.weixin.qq.com",
        "SOGOU_BASE_URL": "https://weixin.sogou.com",
        #: ``sogou``: public mirror search by account name (no login);
        #: ``mp``: the mp backend article list (needs GOVSPIDER_WECHAT_COOKIE / _TOKEN).
        "WECHAT_SOURCE": "sogou",
        #: Result pages of the Sogou search per account (Sogou serves about 10 at most).
        "SOGOU_MAX_PAGES": 10,
        #: Pages of the mp backend list per account (5 articles each).
        "WECHAT_MAX_PAGES": 50,
        #: mp source, re-crawls: list pages read past the stored articles to locate the
        #: deletions a drop of app_msg_cnt announces (docs/recrawl.md)
        "WECHAT_DELETION_SEARCH_PAGES": 10,
        #: requests per minute per real host (Sogou blocks fast crawls within minutes);
        #: deep-merged under the user's own GOVSPIDER_RATE_LIMITS
        "GOVSPIDER_RATE_LIMITS": {"weixin.sogou.com": 10, "mp.weixin.qq.com": 30},
    }


@hookimpl
def govspider_sandbox_routes(world: Any) -> list[Any]:
    """The sandbox's ``/wechat`` (mp.weixin.qq.com) and ``/sogou`` (weixin.sogou.com) routes."""
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from govspider_plugins.wechat.sandbox import routes

    return routes(world)


@hookimpl
def govspider_sandbox_worlds() -> list[type]:
    """How WeChat official accounts look in the sandbox world (:mod:`govspider_plugins.wechat.world`)."""
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from govspider_plugins.wechat.world import WechatWorld

    return [WechatWorld]
