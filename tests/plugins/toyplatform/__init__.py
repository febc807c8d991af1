"""A third-party platform written against the documented hooks only (a test plugin).

"Toy" is an invented social platform: accounts publish short posts, read through a small JSON
API. The plugin provides what any platform provides: parsers, a spider, default settings, its
sandbox world (:mod:`.world`) and sandbox routes (:mod:`.sandbox`), and a label. It is
registered only in the test suite (never through entry points), to prove that a platform can
appear in the sandbox, be crawled and be stored without a line changed in ``govspider/``.
"""

from __future__ import annotations

from typing import Any

from govspider.hookspecs import hookimpl
from govspider.platform import Platform

__version__ = "0.1.0"
NAME = "toy"
LABEL = "玩具社区"


@hookimpl
def govspider_platforms() -> list[Platform]:
    from .pages import PARSERS
    from .spider import ToySpider

    return [Platform(name=NAME, version=__version__, label=LABEL, parsers=dict(PARSERS),
                     spiders=[ToySpider], description="Toy: an invented platform of the test suite")]


@hookimpl
def govspider_settings() -> dict[str, Any]:
    return {"TOY_BASE_URL": "https://toy.example", "TOY_MAX_PAGES": 10}


@hookimpl
def govspider_sandbox_worlds() -> list[type]:
    from .world import ToyWorld

    return [ToyWorld]


@hookimpl
def govspider_sandbox_routes(world: Any) -> list[Any]:
    from .sandbox import routes

    return routes(world)
