"""Government web pages checked for injected content (暗链/黑链): the ``web`` platform.

Parser: ``page`` (any HTML). Spider: ``web`` (each unit's site to ``WEB_DEPTH`` links deep).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from govspider.hookspecs import hookimpl
from govspider.platform import Platform
from govspider_plugins.web.fields import FIELDS
from govspider_plugins.web.pages import PARSERS
from govspider_plugins.web.spider import WebSpider

__version__ = "0.1.0"


@hookimpl
def govspider_platforms() -> list[Platform]:
    """The ``web`` platform: the page parser and the site spider."""
    return [Platform(name="web", version=__version__, label="政府网站", parsers=dict(PARSERS),
                     spiders=[WebSpider],
                     description="Government websites: pages and their (hidden) links",
                     fields=FIELDS)]


@hookimpl
def govspider_settings() -> dict[str, Any]:
    """Crawl depth and page budget per site."""
    return {
        #: Links followed from a site's index page (0 = the index page only).
        "WEB_DEPTH": 1,
        #: Pages fetched per site at most.
        "WEB_MAX_PAGES": 200,
    }


@hookimpl
def govspider_sandbox_routes(world: Any) -> list[Any]:
    """The sandbox's ``/web`` pages (written by the sandbox module, when present)."""
    if importlib.util.find_spec("govspider_plugins.web.sandbox") is None:
        return []
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from govspider_plugins.web.sandbox import routes

    return routes(world)


@hookimpl
def govspider_sandbox_worlds() -> list[type]:
    """How government websites look in the sandbox world (:mod:`govspider_plugins.web.world`)."""
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from govspider_plugins.web.world import WebWorld

    return [WebWorld]
