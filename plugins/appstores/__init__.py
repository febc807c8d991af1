"""App stores plugin: official government apps and the apps that imitate them.

Four platforms, one per store (``itunes``, ``myapp``, ``huawei``, ``xiaomi``), with offline
parsers for ``govspider parse`` and one spider, ``appstores``, that searches every store for
every official app of the registry and fetches each listing's detail and icon.
"""

from __future__ import annotations

from typing import Any

from govspider.hookspecs import hookimpl
from govspider.platform import Platform

from .fields import FIELDS
from .pages import DEFAULT_BASES, PARSERS
from .spider import AppStoreSpider

__version__ = "0.1.0"

_DESCRIPTIONS = {
    "itunes": "Apple App Store (iTunes Search and Lookup API, country=cn)",
    "myapp": "Tencent 应用宝 (sj.qq.com app detail pages)",
    "huawei": "Huawei AppGallery (web API uowap/index)",
    "xiaomi": "Xiaomi app store (app.mi.com detail pages)",
}
#: what the report calls each store
_LABELS = {"itunes": "App Store", "myapp": "应用宝", "huawei": "华为应用市场", "xiaomi": "小米应用商店"}


@hookimpl
def govspider_platforms() -> list[Platform]:
    return [Platform(name=store, version=__version__, label=_LABELS[store],
                     parsers=dict(PARSERS[store]),
                     spiders=[AppStoreSpider] if store == "itunes" else [],
                     description=_DESCRIPTIONS[store], fields=FIELDS[store])
            for store in ("itunes", "myapp", "huawei", "xiaomi")]


#: Requests per minute per real host (Apple documents about 20 calls a minute).
RATE_LIMITS = {
    "itunes.apple.com": 20,
    "sj.qq.com": 30,
    "web-drcn.hispace.dbankcloud.cn": 30,
    "app.mi.com": 30,
}


@hookimpl
def govspider_settings() -> dict[str, Any]:
    settings: dict[str, Any] = {f"{store.upper()}_BASE_URL": base
                                for store, base in DEFAULT_BASES.items()}
    settings["GOVSPIDER_RATE_LIMITS"] = dict(RATE_LIMITS)
    return settings


@hookimpl
def govspider_sandbox_routes(world: Any) -> list[Any]:
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from .sandbox import routes

    return routes(world)


@hookimpl
def govspider_sandbox_worlds() -> list[type]:
    """How the four app stores look in the sandbox world (:mod:`govspider_plugins.appstores.world`)."""
    # imported here: sandbox code, loaded only when a sandbox runs (never in a crawl)
    from govspider_plugins.appstores.world import AppStoresWorld

    return [AppStoresWorld]
