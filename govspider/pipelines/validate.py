"""Validate items against the shared vocabulary before they are stored."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured

from govspider.items import ITEM_TYPES, Item, item_from_dict
from govspider.processors import content_hash

logger = logging.getLogger(__name__)

_INT_FIELDS = {"followers", "following", "posts_count", "likes", "rating_count", "downloads",
               "likes_total"}
_STR_ID_FIELDS = {"_id", "platform_id", "account_id", "post_id", "repost_of", "reply_to",
                  "author_id"}



def _check_of(name: str) -> str | None:
    if name in _STR_ID_FIELDS:
        return "id"
    if name in _INT_FIELDS:
        return "int"
    if name.endswith("_at") or name == "at":
        return "time"
    return None


def _checks_of(names: Any) -> tuple[tuple[str, str], ...]:
    return tuple((name, check) for name in names if (check := _check_of(name)) is not None)


#: item class -> its (field, check) pairs, worked out once instead of per field of every item
_CHECKS: dict[type, tuple[tuple[str, str], ...]] = {
    cls: _checks_of(cls.__dataclass_fields__) for cls in ITEM_TYPES.values()}


class ValidationError(ValueError):
    """An item breaks the data model; the message says how."""


def validate(item: Any) -> Item:
    """Return the item as a typed :class:`Item`, or raise :class:`ValidationError`."""
    if isinstance(item, dict):
        try:
            item = item_from_dict(item)
        except (TypeError, ValueError) as exc:
            raise ValidationError(str(exc)) from None
    if not isinstance(item, Item) or item.item_type not in ITEM_TYPES:
        raise ValidationError(f"not a govspider item: {type(item).__name__}")
    fields = item.__dict__
    for name in item.required:
        if fields.get(name) in (None, ""):
            raise ValidationError(f"{item.item_type} without {name}")
    checks = _CHECKS.get(type(item))
    if checks is None:  # a subclass of a built-in item type
        checks = _CHECKS[type(item)] = _checks_of(fields)
    for name, check in checks:
        value = fields.get(name)
        if value is None:
            continue
        if check == "id" and not isinstance(value, str):
            raise ValidationError(f"{name} must be a string, got {type(value).__name__} {value!r}")
        if check == "int" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValidationError(f"{name} must be a non-negative int, got {value!r}")
        if check == "time" and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValidationError(f"{name} must be an aware datetime, got {value!r}")
    metrics = getattr(item, "metrics", None)
    if metrics:
        bad = {k: v for k, v in metrics.items()
               if not isinstance(v, int) or isinstance(v, bool) or v < 0}
        if bad:
            raise ValidationError(f"metrics must be non-negative ints: {bad}")
    platform = getattr(item, "platform", None)
    _id = getattr(item, "_id", None)
    if item.item_type in ("account", "post", "comment") and platform and _id \
            and not _id.startswith(f"{platform}:"):
        raise ValidationError(f"_id {_id!r} does not start with '{platform}:'")
    if item.item_type == "post" and item.content_hash is None and not item.deleted \
            and (item.text is not None or item.title is not None):  # type: ignore[attr-defined]
        item.content_hash = content_hash(item.title, item.text)  # type: ignore[attr-defined]
    return item


class ValidatePipeline:
    """Drop items that break the data model, counting and logging each with its reason.

    A bad item never stops the crawl. Settings: ``GOVSPIDER_VALIDATE_ENABLED`` (default on).
    """

    def __init__(self, stats: Any):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> ValidatePipeline:
        if not crawler.settings.getbool("GOVSPIDER_VALIDATE_ENABLED", True):
            raise NotConfigured("GOVSPIDER_VALIDATE_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item: Any, spider: Any = None) -> Item:
        try:
            valid = validate(item)
        except ValidationError as exc:
            kind = getattr(item, "item_type", None) or (item.get("item_type") if isinstance(item, dict) else None)
            self.stats.inc_value(f"govspider/invalid/{kind or 'unknown'}")
            logger.warning("Invalid %s item dropped: %s", kind or "unknown", exc)
            raise DropItem(f"invalid item: {exc}") from None
        self.stats.inc_value(f"govspider/items/{valid.item_type}")
        return valid
