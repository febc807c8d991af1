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

from govspider.processors import isoformat, parse_time


@dataclass
class Item:
    """Base of every item type."""

    item_type: ClassVar[str] = ""
    #: MongoDB collection the item is stored in.
    collection: ClassVar[str] = ""
    #: One line on what a document of the collection is (the data dictionary's heading).
    summary: ClassVar[str] = ""
    #: Fields a valid item must carry (checked by the validation pipeline).
    required: ClassVar[tuple[str, ...]] = ("_id",)
    #: Fields every *stored* document carries besides ``required`` and the fields without a
    #: ``None`` default: set by the parsers or, where a parser did not, by the crawl
    #: pipelines (:mod:`govspider.pipelines.normalize`).
    stored: ClassVar[tuple[str, ...]] = ()
    #: ``field -> fields``: a stored document holding ``field`` also holds these.
    stored_with: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Optional fields any platform's documents may carry (set from the registry, by storage
    #: or by validation, not by a platform's parsers); the others are listed per platform in
    #: ``Platform.fields``.
    general: ClassVar[tuple[str, ...]] = ()

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
    summary: ClassVar[str] = "a monitored account on one platform (the registry's accounts)"
    required: ClassVar[tuple[str, ...]] = ("_id", "platform", "platform_id")
    general: ClassVar[tuple[str, ...]] = ("name", "unit", "region", "region_name", "last_post_at")

    _id: str  #: ``"<platform>:<platform_id>"``
    platform: str  #: the plugin's platform name
    platform_id: str  #: uid / ``__biz`` / sec_uid, always a string
    name: str | None = None  #: display name (screen name, nickname), else the registry's name
    unit: str | None = None  #: host organisation (主办单位), from the registry
    verified: bool | None = None  #: the platform shows the account as verified (认证)
    verified_reason: str | None = None  #: certification text (认证信息)
    #: the platform's own verification class code, as the platform gives it (its meaning
    #: differs by platform: see the platform notes)
    verified_type: int | None = None
    description: str | None = None  #: the profile's self-description (简介), plain text
    avatar_url: str | None = None  #: URL of the avatar image
    url: str | None = None  #: the account's page on the platform
    followers: int | None = None  #: followers (粉丝) the profile shows, absent when unknown
    following: int | None = None  #: accounts it follows, absent when unknown
    posts_count: int | None = None  #: posts the platform counts for the account (发文数)
    #: publish time of the newest stored post of the account that is neither deleted nor
    #: pinned (a pinned one when it has only pinned posts); kept by storage at the end of
    #: every crawl, absent while no post of the account is stored
    last_post_at: datetime | None = None
    #: GB/T 2260 administrative division code (6 digits) of the unit's region, from the
    #: registry; absent when the registry gives none or gives a name instead of a code
    region: str | None = None
    #: name of the unit's region (e.g. ``临江市``), from the registry (a registry ``region``
    #: that is a name and not a code is kept here)
    region_name: str | None = None
    #: IP属地 the profile shows (a province, or a country abroad), prefix stripped; where
    #: the platform shows it on profiles
    ip_region: str | None = None
    #: platform-specific fields worth keeping: each key is listed in the platform notes
    extra: dict[str, Any] | None = None


@dataclass
class AccountMetrics(Item):
    """One point of an account's time series, taken at each crawl."""

    item_type: ClassVar[str] = "account_metrics"
    collection: ClassVar[str] = "account_metrics"
    summary: ClassVar[str] = ("one observation of an account's counts: one per account and "
                              "crawl, plus imported history (`govspider metrics import`)")
    required: ClassVar[tuple[str, ...]] = ("account_id", "at")
    #: imported history (``govspider metrics import``) holds what its source counted,
    #: whatever the platform
    general: ClassVar[tuple[str, ...]] = ("followers", "following", "posts_count", "likes_total")

    account_id: str  #: ``_id`` of the account observed
    at: datetime  #: when the counts were observed
    followers: int | None = None  #: followers at ``at``
    following: int | None = None  #: accounts followed at ``at``
    posts_count: int | None = None  #: posts the platform counted at ``at``
    likes_total: int | None = None  #: total likes received, where the platform shows it
    #: ``"<account_id>@<crawl_id>"`` (set by storage when absent; imported points:
    #: ``"<account_id>@<ISO time>"``)
    _id: str | None = None


@dataclass
class Post(Item):
    """A post, article or video."""

    item_type: ClassVar[str] = "post"
    collection: ClassVar[str] = "posts"
    summary: ClassVar[str] = "a post, article or video"
    required: ClassVar[tuple[str, ...]] = ("_id", "platform", "platform_id")
    stored: ClassVar[tuple[str, ...]] = ("deleted", "monitored")
    stored_with: ClassVar[dict[str, tuple[str, ...]]] = {
        "text": ("account_id", "topics", "mentions", "links", "media"),
    }
    general: ClassVar[tuple[str, ...]] = ("content_hash", "raw_response_id")

    _id: str  #: ``<platform>:<the platform's post id>`` (docs/data-model.md)
    platform: str  #: the platform it was published on
    platform_id: str  #: the platform's own id of the post, always a string
    #: ``_id`` of the publishing account; absent only on a deleted original of a repost
    #: whose author the platform no longer names
    account_id: str | None = None
    url: str | None = None  #: the post's page on the platform
    title: str | None = None  #: articles only
    text: str | None = None  #: plain text (see processors.html_to_text)
    raw_html: str | None = None  #: the markup the text was taken from, where kept
    published_at: datetime | None = None  #: when it was published
    #: ``likes``, ``comments``, ``reposts``, ``views``, ``favorites``: ints, absent when unknown
    metrics: dict[str, int] | None = None
    is_repost: bool | None = None  #: a repost (转发) of another post
    repost_of: str | None = None  #: ``_id`` of the original post, emitted as its own item
    is_pinned: bool | None = None  #: pinned to the top of the account's page (置顶)
    is_long_text: bool | None = None  #: the text was truncated and the full text was fetched
    topics: list[str] | None = None  #: hashtags (``#话题#``) of the text, ``[]`` when none
    mentions: list[str] | None = None  #: names @-mentioned in the text, ``[]`` when none
    links: list[str] | None = None  #: unwrapped outbound URLs of the text, ``[]`` when none
    #: images and videos, ``[{"type": "image"|"video", "url": ...}]``, ``[]`` when none
    media: list[dict[str, Any]] | None = None
    source: str | None = None  #: client the post was sent from
    ip_region: str | None = None  #: IP属地, prefix stripped
    is_original: bool | None = None  #: articles: declared original (原创)
    #: the platform showed the post as deleted (or hidden, or taken down) when last seen;
    #: ``false`` on every post seen alive
    deleted: bool | None = None
    #: the platform's notice of a deleted post (e.g. ``抱歉，此微博已被作者删除。``)
    deleted_reason: str | None = None
    content_hash: str | None = None  #: sha1 of title + text, set by validation when absent
    #: the post's account is monitored (in the registry the crawl was given, or stored in
    #: ``accounts``); ``false`` for a post stored only as the original of a monitored
    #: account's repost
    monitored: bool | None = None
    #: platform-specific fields worth keeping: each key is listed in the platform notes
    extra: dict[str, Any] | None = None
    raw_response_id: str | None = None  #: ``raw_responses`` ``_id`` of the archived source


@dataclass
class Comment(Item):
    """A comment or reply under a post."""

    item_type: ClassVar[str] = "comment"
    collection: ClassVar[str] = "comments"
    summary: ClassVar[str] = "a comment or reply under a post"
    required: ClassVar[tuple[str, ...]] = ("_id", "platform", "platform_id", "post_id")
    general: ClassVar[tuple[str, ...]] = ("raw_response_id",)

    _id: str  #: ``"<platform>:<comment id>"``
    platform: str  #: the platform of the post
    platform_id: str  #: the platform's own id of the comment, always a string
    post_id: str  #: ``_id`` of the post commented on
    account_id: str | None = None  #: owner of the post
    author_id: str | None = None  #: the platform's id of the comment's author
    author_name: str | None = None  #: the author's display name
    is_official: bool | None = None  #: written by the post's owner: an official reply
    reply_to: str | None = None  #: ``_id`` of the comment this one answers
    text: str | None = None  #: plain text of the comment
    published_at: datetime | None = None  #: when it was written
    likes: int | None = None  #: likes of the comment, absent when unknown
    #: replies under this comment as the platform counts them; absent where the platform does
    #: not say
    reply_count: int | None = None
    ip_region: str | None = None  #: IP属地 of the author, prefix stripped
    raw_response_id: str | None = None  #: ``raw_responses`` ``_id`` of the archived source


@dataclass
class App(Item):
    """An app listing in one store."""

    item_type: ClassVar[str] = "app"
    collection: ClassVar[str] = "apps"
    summary: ClassVar[str] = ("an app listing in one store, found by searching the store for "
                              "the registry's official apps")
    required: ClassVar[tuple[str, ...]] = ("_id", "platform", "platform_id", "name")
    general: ClassVar[tuple[str, ...]] = ("raw_response_id",)

    _id: str  #: ``"app:<store>:<store app id>"``
    platform: str  #: the store (a platform name)
    platform_id: str  #: the store's own app id
    name: str  #: the listing's app name
    package: str | None = None  #: bundle id / package name
    developer: str | None = None  #: developer (seller) name the store shows
    developer_id: str | None = None  #: the store's id of the developer
    version: str | None = None  #: current version string
    updated_at: datetime | None = None  #: when the current version was released
    released_at: datetime | None = None  #: when the app was first released
    rating: float | None = None  #: average rating on a 0-5 scale (0, "no ratings yet", is absent)
    rating_count: int | None = None  #: ratings the average is over
    downloads: int | None = None  #: downloads (installs) the store shows
    category: str | None = None  #: the store's category name
    description: str | None = None  #: the listing's description, plain text
    icon_url: str | None = None  #: URL of the icon
    #: perceptual hash of the icon (imagehash's 64-bit pHash, 16 hex digits), compared by the
    #: counterfeit-app detector; absent when the icon could not be fetched
    icon_phash: str | None = None
    url: str | None = None  #: the listing's page in the store
    #: the registry app names (and abbreviations) whose search found this listing in the
    #: crawl that stored it last (in a distributed crawl: that worker's searches)
    search_terms: list[str] | None = None
    raw_response_id: str | None = None  #: ``raw_responses`` ``_id`` of the archived source


@dataclass
class Page(Item):
    """A web page checked for injected content."""

    item_type: ClassVar[str] = "page"
    collection: ClassVar[str] = "pages"
    summary: ClassVar[str] = "a page of a unit's website, checked for injected content"
    required: ClassVar[tuple[str, ...]] = ("_id", "url")
    stored: ClassVar[tuple[str, ...]] = ("platform",)
    general: ClassVar[tuple[str, ...]] = ("unit", "raw_response_id")

    _id: str  #: ``"page:<sha1 of url>"``
    url: str  #: the page's URL
    platform: str | None = None  #: ``web``
    #: the unit whose website the page belongs to (the registry unit whose ``website`` the
    #: crawl started from); absent for a page of ``-a urls=FILE``
    unit: str | None = None
    title: str | None = None  #: the page's ``<title>``
    text: str | None = None  #: the body's plain text
    raw_html: str | None = None  #: the page as fetched (decoded to text)
    #: every link: ``[{"href", "text", "hidden"}]``, ``hidden`` when a reader cannot see it
    links: list[dict[str, Any]] | None = None
    fetched_at: datetime | None = None  #: when the page was fetched
    raw_response_id: str | None = None  #: ``raw_responses`` ``_id`` of the archived source


@dataclass
class Finding(Item):
    """One thing a detector found."""

    item_type: ClassVar[str] = "finding"
    collection: ClassVar[str] = "findings"
    summary: ClassVar[str] = "one thing a detector found"
    required: ClassVar[tuple[str, ...]] = ("_id", "detector", "subject_id", "severity")

    _id: str  #: deterministic: same detector + subject + rule -> same id
    detector: str  #: the detector's name
    detector_version: str  #: code and data (lexicon, thresholds) version of the detector
    indicator: str  #: the State Council indicator, in Chinese (内容不更新...)
    severity: str  #: ``veto`` / ``high`` / ``medium`` / ``low``
    score: float  #: confidence, 0-1
    subject_type: str  #: ``account``, ``post``, ``comment``, ``app`` or ``page``
    subject_id: str  #: ``_id`` of the subject
    message: str  #: Chinese, for a supervisor
    account_id: str | None = None  #: the account concerned (the subject's, or its owner's)
    #: what was found: matched text and spans, numbers, rule and lexicon version; times in
    #: it are dates
    evidence: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None  #: the detector's rule that matched
    detected_at: datetime | None = None  #: the scan's monitoring time point
    #: ``open``; ``cleared`` by a later scan that no longer finds it; ``dismissed`` or
    #: ``resolved`` by a supervisor (never changed by govspider)
    status: str = "open"
    platform: str | None = None  #: the subject's platform
    #: the unit concerned: the subject's (accounts, pages) or its account's; absent for app
    #: listings and where the registry does not say
    unit: str | None = None


@dataclass
class AccountCrawl(Item):
    """An account a crawl covered completely: every request of it answered, nothing given up.

    Storage writes it after the account's other items, so its ``last_seen_at`` is when the
    last complete crawl of the account was stored: the next incremental crawl stops at the
    newest post stored by then (``govspider.spidermiddlewares``)."""

    item_type: ClassVar[str] = "account_crawl"
    collection: ClassVar[str] = "account_crawls"
    summary: ClassVar[str] = ("an account the crawl ``crawl_id`` covered completely, stored after "
                              "its documents (``last_seen_at``: when); the incremental stop point")
    required: ClassVar[tuple[str, ...]] = ("_id", "account_id", "platform")

    _id: str  #: the account's ``_id``
    account_id: str  #: the account's ``_id`` (the same value, for queries and joins)
    platform: str  #: the account's platform


ITEM_TYPES: dict[str, type[Item]] = {
    cls.item_type: cls
    for cls in (Account, AccountMetrics, Post, Comment, App, Page, Finding, AccountCrawl)
}
COLLECTIONS: dict[str, str] = {name: cls.collection for name, cls in ITEM_TYPES.items()}


def item_from_dict(data: dict[str, Any]) -> Item:
    """Rebuild an item from its dict or JSON form (``item_type`` selects the class)."""
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
