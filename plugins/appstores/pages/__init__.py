"""Pure parsers of the four app stores: ``ParseInput -> ParseResult``, no Scrapy objects."""

from __future__ import annotations

from . import huawei, itunes, myapp, xiaomi
from .common import DEFAULT_BASES, app_id

STORES = ("itunes", "myapp", "huawei", "xiaomi")

#: Parsers by store and kind (``govspider parse STORE KIND FILE``).
PARSERS = {
    "itunes": {"search": itunes.parse_search, "lookup": itunes.parse_lookup},
    "myapp": {"detail": myapp.parse_detail, "search": myapp.parse_search},
    "huawei": {"detail": huawei.parse_detail, "search": huawei.parse_search},
    "xiaomi": {"detail": xiaomi.parse_detail, "search": xiaomi.parse_search},
}

__all__ = ["PARSERS", "STORES", "DEFAULT_BASES", "app_id", "huawei", "itunes", "myapp", "xiaomi"]
