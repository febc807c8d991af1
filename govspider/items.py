"""The shared item vocabulary (see ``docs/data-model.md``): one name per concept, everywhere.

Items are dataclasses read through ``itemadapter``. A field left ``None`` is *unknown* and is
absent from the stored document and from JSON output: an unknown count is never 0.
``first_seen_at``, ``last_seen_at`` and ``crawl_id`` are added by storage, not by parsers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from govspider.processors import isoformat


@dataclass
class Item:
    """Base of every item type."""

    item_type: ClassVar[str] = ""
    #: MongoDB collection the item is stored in.
    collection: ClassVar[str] = ""
    #: Fields a valid item must carry (checked by the validation pipeline).
    required: ClassVar[tuple[str, ...]] = ("_id",)

    def to_dict(self) -> dict[str, Any]:
        """The item as a plain dict without unknown (``None``) fields, ``item_type`` first."""
        out: dict[str, Any] = {"item_type": self.item_type}
        for name, value in self.__dict__.items():  # dataclass fields, in declaration order
            if value is not None:
                out[name] = value
        return out

    def to_json(self) -> dict[str, Any]:
        """As :meth:`to_dict`, with times as ISO 8601 strings in +08:00."""
        return jsonable(self.to_dict())


@dataclass
class Account(Item):
    """A monitored account on one platform."""

    item_type: ClassVar[str] = "account"
    collection: ClassVar[str] = "accounts"
    required: ClassVar[tuple[str, ...]] = ("_id", "platform", "platform_id")

    _id: str  #: ``"<platform>:<platform_id>"``
    platform: str  #: ``weibo``, ``wechat``, ``douyin``...
    platform_id: str  #: uid / ``__biz`` / sec_uid, always a string
    name: str | None = None  #: display name (screen name, nickname)
    unit: str | None = None  #: host organisation, from the registry
    verified: bool | None = None
    verified_reason: str | None = None  #: certification text (认证信息)
    verified_type: int | None = None  #: the platform's own verification class code
    description: str | None = None
    avatar_url: str | None = None
    url: str | None = None
    followers: int | None = None
    following: int | None = None
    posts_count: int | None = None
    last_post_at: datetime | None = None
    region: str | None = None  #: region (IP属地 or registry region)
    extra: dict[str, Any] | None = None  #: platform-specific fields worth keeping


@dataclass
class AccountMetrics(Item):
    """One point of an account's time series, taken at each crawl."""

    item_type: ClassVar[str] = "account_metrics"
    collection: ClassVar[str] = "account_metrics"
    required: ClassVar[tuple[str, ...]] = ("account_id", "at")

    account_id: str
    at: datetime
    followers: int | None = None
    following: int | None = None
    posts_count: int | None = None
    likes_total: int | None = None  #: total likes received, where the platform shows it
    _id: str | None = None  #: set by storage to ``"<account_id>@<crawl_id>"`` when absent


@dataclass
class Post(Item):
    """A post, article or video."""

    item_type: ClassVar[str] = "post"
    collection: ClassVar[str] = "posts"
    required: ClassVar[tuple[str, ...]] = ("_id", "platform", "platform_id")

    _id: str
    platform: str
    platform_id: str
    account_id: str | None = None  #: ``_id`` of the publishing account
    url: str | None = None
    title: str | None = None  #: articles only
    text: str | None = None  #: plain text (see processors.html_to_text)
    raw_html: str | None = None
    published_at: datetime | None = None
    #: ``likes``, ``comments``, ``reposts``, ``views``, ``favorites``: ints, absent when unknown
    metrics: dict[str, int] | None = None
    is_repost: bool | None = None
    repost_of: str | None = None  #: ``_id`` of the original post, emitted as its own item
    is_pinned: bool | None = None
    is_long_text: bool | None = None  #: the text was truncated and the full text was fetched
    topics: list[str] | None = None
    mentions: list[str] | None = None
    links: list[str] | None = None  #: unwrapped outbound URLs
    media: list[dict[str, Any]] | None = None  #: ``[{"type": "image"|"video", "url": ...}]``
    source: str | None = None  #: client the post was sent from
    ip_region: str | None = None  #: IP属地, prefix stripped
    is_original: bool | None = None  #: articles: declared original (原创)
    deleted: bool | None = None
    deleted_reason: str | None = None
    content_hash: str | None = None  #: sha1 of title + text, set by validation when absent
    extra: dict[str, Any] | None = None
    raw_response_id: str | None = None  #: ``raw_responses`` ``_id`` of the archived source


@dataclass
class Comment(Item):
    """A comment or reply under a post."""

    item_type: ClassVar[str] = "comment"
    collection: ClassVar[str] = "comments"
    required: ClassVar[tuple[str, ...]] = ("_id", "platform", "platform_id", "post_id")

    _id: str
    platform: str
    platform_id: str
    post_id: str
    account_id: str | None = None  #: owner of the post
    author_id: str | None = None
    author_name: str | None = None
    is_official: bool | None = None  #: written by the post's owner: an official reply
    reply_to: str | None = None  #: ``_id`` of the comment this one answers
    text: str | None = None
    published_at: datetime | None = None
    likes: int | None = None
    #: replies under this comment as the platform counts them (Weibo ``total_number``, Douyin
    #: ``reply_comment_total``); absent where the platform does not say
    reply_count: int | None = None
    ip_region: str | None = None
    raw_response_id: str | None = None  #: ``raw_responses`` ``_id`` of the archived source


@dataclass
class App(Item):
    """An app listing in one store."""

    item_type: ClassVar[str] = "app"
    collection: ClassVar[str] = "apps"
    required: ClassVar[tuple[str, ...]] = ("_id", "platform", "platform_id", "name")

    _id: str  #: ``"app:<store>:<store app id>"``
    platform: str  #: the store: ``itunes``, ``myapp``, ``huawei``, ``xiaomi``
    platform_id: str
    name: str
    package: str | None = None  #: bundle id / package name
    developer: str | None = None
    developer_id: str | None = None
    version: str | None = None
    updated_at: datetime | None = None
    released_at: datetime | None = None
    rating: float | None = None
    rating_count: int | None = None
    downloads: int | None = None
    category: str | None = None
    description: str | None = None
    icon_url: str | None = None
    icon_phash: str | None = None  #: perceptual hash of the icon (hex)
    url: str | None = None
    search_terms: list[str] | None = None  #: the registry names that found this listing
    raw_response_id: str | None = None  #: ``raw_responses`` ``_id`` of the archived source


@dataclass
class Page(Item):
    """A web page checked for injected content."""

    item_type: ClassVar[str] = "page"
    collection: ClassVar[str] = "pages"
    required: ClassVar[tuple[str, ...]] = ("_id", "url")

    _id: str  #: ``"page:<sha1 of url>"``
    url: str
    title: str | None = None
    text: str | None = None
    raw_html: str | None = None
    links: list[dict[str, Any]] | None = None  #: ``[{"href", "text", "hidden"}]``
    fetched_at: datetime | None = None
    account_id: str | None = None  #: the unit's site this page belongs to, when known
    raw_response_id: str | None = None  #: ``raw_responses`` ``_id`` of the archived source


@dataclass
class Finding(Item):
    """One thing a detector found."""

    item_type: ClassVar[str] = "finding"
    collection: ClassVar[str] = "findings"
    required: ClassVar[tuple[str, ...]] = ("_id", "detector", "subject_id", "severity")

    _id: str  #: deterministic: same detector + subject + rule -> same id
    detector: str
    detector_version: str
    indicator: str
    severity: str  #: ``veto`` / ``high`` / ``medium`` / ``low``
    score: float
    subject_type: str
    subject_id: str
    message: str  #: Chinese, for a supervisor
    account_id: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None
    detected_at: datetime | None = None
    status: str = "open"
    platform: str | None = None


@dataclass
class AccountCrawl(Item):
    """An account a crawl covered completely: every request of it answered, nothing given up.

    Storage writes it after the account's other items, so its ``last_seen_at`` is when the
    last complete crawl of the account was stored: the next incremental crawl stops at the
    newest post stored by then (``govspider.spidermiddlewares``)."""

    item_type: ClassVar[str] = "account_crawl"
    collection: ClassVar[str] = "account_crawls"
    required: ClassVar[tuple[str, ...]] = ("_id", "account_id")

    _id: str  #: the account's ``_id``
    account_id: str
    platform: str | None = None


ITEM_TYPES: dict[str, type[Item]] = {
    cls.item_type: cls
    for cls in (Account, AccountMetrics, Post, Comment, App, Page, Finding, AccountCrawl)
}
COLLECTIONS: dict[str, str] = {name: cls.collection for name, cls in ITEM_TYPES.items()}


def item_from_dict(data: dict[str, Any]) -> Item:
    """Rebuild an item from its dict or JSON form (``item_type`` selects the class)."""
    from govspider.processors import parse_time

    kind = data.get("item_type")
    cls = ITEM_TYPES.get(kind or "")
    if cls is None:
        raise ValueError(f"unknown item_type {kind!r}")
    names = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            continue
        if isinstance(value, str) and key in _TIME_FIELDS:
            value = parse_time(value)
        kwargs[key] = value
    return cls(**kwargs)


_TIME_FIELDS = {"at", "published_at", "last_post_at", "updated_at", "released_at",
                "fetched_at", "detected_at", "first_seen_at", "last_seen_at", "seen_at"}


def as_dict(item: Any) -> dict[str, Any]:
    """Any item (dataclass or dict) as a dict without unknown fields."""
    if isinstance(item, Item):
        return item.to_dict()
    return {k: v for k, v in dict(item).items() if v is not None}


def jsonable(value: Any) -> Any:
    """Datetimes to ISO 8601 in +08:00, recursively."""
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
