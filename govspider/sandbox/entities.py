"""The objects of the sandbox world: units, accounts, posts, comments, app listings, pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from govspider.sandbox.text import Segment
from govspider.sandbox.units import DUTIES

if TYPE_CHECKING:
    from govspider.sandbox.cases import Planted
    from govspider.sandbox.platforms import AccountWorld

__all__ = ["WUnit", "WAccount", "WPost", "WComment", "WApp", "WPage", "Segment", "text_account_name"]


@dataclass(eq=False)
class WUnit:
    """A government office (the host unit of accounts and apps)."""

    index: int
    code: str  #: unit code, region code + 2-digit serial (used in site paths)
    name: str  #: full name, e.g. 临江市公安局交通警察支队
    region: str  #: 6-digit region code
    region_name: str  #: e.g. 临江市
    level: str  #: province | city | county
    duty: str  #: duty family key (government, police, traffic, health, ...)
    short: str = ""  #: region name without suffix, e.g. 临江
    province: str = ""  #: province short name
    slug: str = ""  #: pinyin of ``short``
    parent: str = ""  #: parent region's full name

    @property
    def site_path(self) -> str:
        return f"/gov/{self.code}/index.html"


@dataclass(eq=False)
class WAccount:
    """An account of a unit on one platform."""

    index: int
    platform: str
    platform_id: str
    uid: str
    unique_id: str
    name: str
    unit: WUnit
    verified: bool
    verified_type: int
    verified_reason: str
    description: str
    avatar_url: str
    followers: int
    following: int
    post_count: int  #: as the platform displays it (timeline sequence + pinned)
    total_likes: int
    ip_region: str
    traits: frozenset[str]  #: names of the planted cases the account carries (at most one)
    alias: str | None
    gh_id: str | None
    created_at: datetime
    #: generation parameters (the posting period is a schedule bound: the real newest post
    #: time is ``World.last_post_time(account)``)
    n_posts: int = 0  #: length of the posts() sequence
    period_start: datetime | None = None
    period_end: datetime | None = None
    has_pinned: bool = False
    engagement: float = 0.0  #: mean likes per post before any planted change
    base_followers: int = 0  #: followers before any planted jump
    numeric_id: int = 0  #: the numeric id behind ``platform_id``, where the platform has one
    #: generation >= 1: length of the generation-0 posts() sequence (the posts after it are
    #: new); 0 when nothing was added
    base_posts: int = 0
    #: the platform's sandbox world (ids, urls)
    home: AccountWorld | None = field(default=None, repr=False)
    #: the planted case the account carries
    case: Planted | None = field(default=None, repr=False)

    @property
    def corpus_id(self) -> str:
        return f"{self.platform}:{self.platform_id}"

    @property
    def url(self) -> str:
        assert self.home is not None
        return self.home.account_url(self)


@dataclass(eq=False)
class WPost:
    """A post, article or video (ids: see the platform's sandbox world)."""

    platform: str
    post_id: str
    account: WAccount
    index: int  #: position in posts() (0 = newest); -1 for pinned and repost originals
    created_at: datetime
    title: str | None
    segments: list[Segment]
    text: str
    is_long: bool
    pinned: bool
    repost_of: WPost | None
    media: list[tuple[str, str]]
    likes: int
    comments_count: int
    reposts: int
    views: int | None
    favorites: int | None
    source: str
    ip_region: str
    deleted: bool = False
    deleted_reason: str | None = None
    #: deleted by generation 1 (not a deletion generation 0 already had)
    deleted_since: bool = False
    edited_text: str | None = None
    is_original: bool | None = None
    bid: str | None = None
    mid: str | None = None
    idx: int | None = None
    #: extras
    ordinal: int = 0  #: chronological position (0 = oldest)
    kind: str = "post"  #: post | pinned | original
    original_text: str | None = None  #: the generation-0 text when an edit changed it
    digest: str | None = None  #: summary (articles)
    author: str | None = None  #: byline (articles)
    sn: str | None = None  #: 32-hex signature (articles)
    push_size: int = 1  #: articles in the same push
    item_show_type: int = 0  #: 0 article, 5 video
    video_ms: int | None = None  #: video duration in ms
    cover: str | None = None
    planted: tuple[str, ...] = ()  #: planted content names carried by this post

    @property
    def corpus_id(self) -> str:
        assert self.account.home is not None
        return self.account.home.post_corpus_id(self)

    @property
    def url(self) -> str:
        assert self.account.home is not None
        return self.account.home.post_url(self)

    @property
    def is_video(self) -> bool:
        return any(kind == "video" for kind, _ in self.media)


@dataclass(eq=False)
class WComment:
    """A comment by the public, or an official reply (``is_official``)."""

    comment_id: str
    post: WPost
    author_id: str
    author_name: str
    text: str
    created_at: datetime
    likes: int
    is_official: bool
    replies: list[WComment] = field(default_factory=list)
    ip_region: str = ""
    is_question: bool = False
    reply_to: WComment | None = None
    author_sec_uid: str = ""  #: the author's platform key, where the platform has one
    planted: tuple[str, ...] = ()

    @property
    def corpus_id(self) -> str:
        return f"{self.post.platform}:{self.comment_id}"


@dataclass(eq=False)
class WApp:
    """A listing in one app store (official or lookalike)."""

    store: str
    app_id: str
    numeric_id: str
    package: str
    name: str
    developer: str
    developer_id: str
    version: str
    updated_at: datetime
    released_at: datetime
    rating: float | None
    rating_count: int | None
    downloads: int | None
    category: str
    description: str
    icon_url: str
    official: bool
    imitates: str | None
    unit: WUnit | None
    #: extras
    icon_key: str = ""  #: which icon design (a copied icon shares its official app's key)
    icon_variant: int = 0  #: 0 = the design itself, >0 = a near copy
    kind: str = "official"  #: official | lookalike | unrelated
    technique: str | None = None  #: lookalike technique: suffix, traditional, homophone, prefix
    size_bytes: int = 0

    @property
    def corpus_id(self) -> str:
        return f"app:{self.store}:{self.app_id}"


@dataclass(eq=False)
class WPage:
    """A government web page (``path`` below its site world's prefix); ``html`` is rendered on use."""

    path: str
    title: str
    unit: WUnit
    injected: bool
    kinds: tuple[str, ...] = ()  #: planted page kinds (injected, or hard negatives)
    render: Any = field(default=None, repr=False)  #: ``(page) -> html``

    @property
    def html(self) -> str:
        """The full HTML document."""
        return self.render(self) if self.render else ""



def text_account_name(unit: WUnit) -> str:
    """The usual account name of a unit (``平安临江``)."""
    return DUTIES[unit.duty].account.format(r=unit.short)
