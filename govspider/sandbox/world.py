"""The sandbox world: units, accounts, posts, comments, apps and pages, generated from a seed.

Only the small parts are materialised (units, accounts, apps, pages). Posts, comments and
follower series are generated on demand from ``(seed, kind, indices)`` with a fresh
``random.Random`` per object, so a world of 10,000 accounts and a million posts costs only its
account list in memory. Post and comment ids encode the indices they were generated from, so
``World.post(platform, id)`` decodes instead of looking anything up.

Id layouts (all decimal digits):

* weibo mid (16): ``4`` + kind (``9`` post, ``7`` pinned, ``8`` original of a repost) +
  account index (6) + chronological ordinal (8)
* douyin aweme_id (19): ``73`` + kind (1) + account index (6) + ordinal (10)
* wechat: ``mid = 2000000000 + account index * 10000 + push number``, ``idx`` 1..3
* comments: weibo (16) ``5`` + account (5) + post slot (5) + comment (3) + reply (2);
  douyin (19) ``75`` + account (6) + slot (6) + comment (3) + reply (2);
  wechat content_id (16) ``6`` + account (5) + slot (5) + comment (3) + reply (2).
  The post slot is the ordinal, or all nines for a pinned post.
"""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from govspider.sandbox import planted, text
from govspider.sandbox.text import Segment
from govspider.sandbox.units import DUTIES, Region, duties_for, region, unit_name

__all__ = ["World", "WUnit", "WAccount", "WPost", "WComment", "WApp", "WPage", "Segment", "SIZES"]

PLATFORMS = ("weibo", "wechat", "douyin")
#: size presets: units, posts per account, units per region
SIZES: dict[str, dict[str, int]] = {
    "small": {"units": 12, "posts_per_account": 40, "units_per_region": 4},
    "medium": {"units": 40, "posts_per_account": 120, "units_per_region": 4},
    "large": {"units": 3334, "posts_per_account": 100, "units_per_region": 4},
}
MAX_COMMENTS = 40
_PIN_SLOT_WEIBO = 99_999
_PIN_SLOT_DOUYIN = 999_999


def _code(acc_index: int, digits: int) -> int:
    """Scramble an account index into a fixed-width field (a bijection mod 10**digits)."""
    return (acc_index * 7919 + 271_828) % 10**digits


def _uncode(code: int, digits: int) -> int:
    return ((code - 271_828) * pow(7919, -1, 10**digits)) % 10**digits


def _kbase(acc_index: int, digits: int) -> int:
    """Per-account offset of the ordinal field, so ids look varied but stay ordered in time."""
    return (acc_index * 104_729) % (3 * 10 ** (digits - 2)) + 10 ** (digits - 1)


_KSTEP = 7


def rng_for(*key: Any) -> random.Random:
    """A ``random.Random`` seeded by a stable hash of ``key`` (never Python's salted ``hash``)."""
    digest = hashlib.blake2b(repr(key).encode("utf-8"), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def stable_hex(*key: Any, n: int = 32) -> str:
    return hashlib.blake2b(repr(key).encode("utf-8"), digest_size=max(8, (n + 1) // 2)).hexdigest()[:n]


# ---------------------------------------------------------------------------- entities
@dataclass(eq=False)
class WUnit:
    """A government office (the host unit of accounts and apps)."""

    index: int
    code: str  #: unit code, region code + 2-digit serial (used in web paths)
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
    traits: frozenset[str]
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
    numeric_id: int = 0  #: wechat numeric id behind __biz
    #: generation >= 1: length of the generation-0 posts() sequence (the posts after it are
    #: new); 0 when nothing was added
    base_posts: int = 0

    @property
    def corpus_id(self) -> str:
        return f"{self.platform}:{self.platform_id}"

    @property
    def url(self) -> str:
        if self.platform == "weibo":
            return f"https://m.weibo.cn/u/{self.platform_id}"
        if self.platform == "douyin":
            return f"https://www.douyin.com/user/{self.platform_id}"
        return f"https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz={self.platform_id}"


@dataclass(eq=False)
class WPost:
    """A post, article or video (see the module docstring for the id layout)."""

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
    digest: str | None = None  #: wechat summary
    author: str | None = None  #: wechat byline
    sn: str | None = None  #: wechat 32-hex signature
    push_size: int = 1  #: wechat: articles in the same push
    item_show_type: int = 0  #: wechat: 0 article, 5 video
    video_ms: int | None = None  #: video duration in ms
    cover: str | None = None
    planted: tuple[str, ...] = ()  #: planted case names carried by this post

    @property
    def corpus_id(self) -> str:
        if self.platform == "wechat":
            return f"wechat:{self.account.platform_id}:{self.post_id}"
        return f"{self.platform}:{self.post_id}"

    @property
    def url(self) -> str:
        if self.platform == "weibo":
            return f"https://m.weibo.cn/status/{self.bid}"
        if self.platform == "douyin":
            kind = "video" if any(m[0] == "video" for m in self.media) else "note"
            return f"https://www.douyin.com/{kind}/{self.post_id}"
        return (f"https://mp.weixin.qq.com/s?__biz={self.account.platform_id}&mid={self.mid}"
                f"&idx={self.idx}&sn={self.sn}")

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
    author_sec_uid: str = ""  #: douyin sec_uid of the author
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
    """A government web page (``path`` below the ``/web`` prefix); ``html`` is rendered on use."""

    path: str
    title: str
    unit: WUnit
    injected: bool
    kinds: tuple[str, ...] = ()  #: injected kinds, or hard-negative kinds (prefixed ``hn_``)
    render: Callable[[WPage], str] | None = field(default=None, repr=False)

    @property
    def html(self) -> str:
        """The full HTML document."""
        return self.render(self) if self.render else ""


# ---------------------------------------------------------------------------- the world
class World:
    """A deterministic world generated from ``seed``; see the module docstring."""

    stores = ("itunes", "myapp", "huawei", "xiaomi")
    platforms = PLATFORMS

    def __init__(self, seed: int = 7, size: str | dict[str, Any] = "small",
                 now: datetime | str | None = None, generation: int = 0):
        from govspider.processors import CST

        self.seed = int(seed)
        self.size_name, params = _size_params(size)
        self.n_units: int = params["units"]
        self.posts_per_account: int = params["posts_per_account"]
        self.units_per_region: int = params.get("units_per_region", 4)
        if now is None:
            now = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
        elif isinstance(now, str):
            now = datetime.fromisoformat(now)
        if now.tzinfo is None:
            now = now.replace(tzinfo=CST)
        self.now: datetime = now.astimezone(CST)
        self.generation = int(generation)
        #: base URL of the web pages as served (for page ids in the ground truth)
        self.web_base_url = "http://127.0.0.1/web"
        self.units: list[WUnit] = self._build_units()
        self._accounts: list[WAccount] = []
        self._by_id: dict[tuple[str, str], WAccount] = {}
        self._by_uid: dict[tuple[str, str], WAccount] = {}
        self._build_accounts()
        self._post_cache = functools.lru_cache(maxsize=2048)(self._build_post)
        self._comments_cache = functools.lru_cache(maxsize=256)(self._build_comments)
        self._pushes_cache = functools.lru_cache(maxsize=256)(self._build_pushes)
        self._apps: dict[str, list[WApp]] | None = None
        self._pages: dict[str, WPage] | None = None

    def __repr__(self) -> str:
        return (f"World(seed={self.seed}, size={self.size_name!r}, units={len(self.units)}, "
                f"accounts={len(self._accounts)}, now={self.now.isoformat()}, generation={self.generation})")

    # ------------------------------------------------------------------ units & accounts
    def _build_units(self) -> list[WUnit]:
        units: list[WUnit] = []
        per = self.units_per_region
        r_index = 0
        while len(units) < self.n_units:
            reg: Region = region(r_index, self.seed % 7)
            for j, duty in enumerate(duties_for(reg, per, rotate=r_index + self.seed)):
                if len(units) >= self.n_units:
                    break
                units.append(WUnit(
                    index=len(units), code=f"{reg.code}{j + 1:02d}", name=unit_name(reg, duty),
                    region=reg.code, region_name=reg.name, level=reg.level, duty=duty,
                    short=reg.short, province=reg.province, slug=reg.slug, parent=reg.parent))
            r_index += 1
        return units

    def _build_accounts(self) -> None:
        plan = planted.assign(self)
        for unit in self.units:
            for platform in PLATFORMS:
                self._add_account(unit, platform, plan.traits.get((unit.index, platform), frozenset()))
        for unit_index, platform, traits in plan.extra_accounts:
            self._add_account(self.units[unit_index], platform, traits)

    def _add_account(self, unit: WUnit, platform: str, traits: frozenset[str]) -> WAccount:
        index = len(self._accounts)
        r = rng_for(self.seed, "account", index)
        duty = DUTIES[unit.duty]
        name = duty.account.format(r=unit.short)
        if "duplicate" in traits:
            name = unit.short + rng_for(self.seed, "dupname", index).choice(("政务", "在线", "微发布", "之窗"))
        if "off_brand_name" in traits:
            name = rng_for(self.seed, "offname", index).choice(("小城故事", "快乐生活圈", "身边事儿"))
        # ids (unique within the world: retry on a collision)
        while True:
            if platform == "weibo":
                pid = str(r.randint(1_600_000_000, 7_999_999_999))
                uid = pid
            elif platform == "wechat":
                numeric = r.randint(3_000_000_000, 3_999_999_999)
                pid = base64.b64encode(str(numeric).encode()).decode()
                uid = str(numeric)
            else:
                raw = r.getrandbits(256).to_bytes(32, "big")
                pid = "MS4wLjABAAAA" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
                uid = str(r.randint(10**10, 10**11 - 1))
            if (platform, pid) not in self._by_id:
                break
        verified = "uncertified" not in traits
        level_scale = {"province": 8.0, "city": 1.0, "county": 0.12}[unit.level]
        base_followers = int(level_scale * r.lognormvariate(math.log(60_000), 0.9)) + 300
        if platform == "douyin":
            base_followers = int(base_followers * r.uniform(0.4, 2.5))
        n_posts = max(6, int(self.posts_per_account * r.uniform(0.7, 1.3)))
        if platform == "wechat":
            rate = r.uniform(0.3, 1.5)
        elif platform == "douyin":
            rate = r.uniform(0.15, 0.9)
        else:
            rate = r.uniform(0.6, 3.5)
        gap = timedelta(days=r.uniform(0.05, 2.5))
        if "zombie" in traits:
            gap = timedelta(days=r.uniform(100, 200))
        elif "dormant" in traits:
            gap = timedelta(days=r.uniform(62, 88))
        elif "stale" in traits:
            gap = timedelta(days=r.uniform(17, 45))
        elif "hn_slow" in traits:
            gap, rate = timedelta(days=r.uniform(7, 11)), r.uniform(0.08, 0.12)
        elif "hijacked" in traits:
            gap = timedelta(days=r.uniform(20, 40))
        last = (self.now - gap).replace(microsecond=0)
        first = (last - timedelta(days=n_posts / rate)).replace(microsecond=0)
        created = (first - timedelta(days=r.uniform(30, 1500))).replace(microsecond=0)
        alias = gh = None
        if platform == "wechat":
            alias = f"{unit.slug}{unit.duty[:4]}{index % 97}"
            gh = "gh_" + stable_hex(self.seed, "gh", index, n=12)
        avatar = {
            "weibo": f"https://tvax{1 + index % 4}.sinaimg.cn/crop.0.0.512.512.180/{stable_hex(self.seed, 'av', index)}.jpg",
            "wechat": f"https://mmbiz.qpic.cn/mmbiz_png/{stable_hex(self.seed, 'av', index)}/0?wx_fmt=png",
            "douyin": f"https://p3-pc.douyinpic.com/aweme/100x100/aweme-avatar/{stable_hex(self.seed, 'av', index)}.jpeg",
        }[platform]
        suffix = {"weibo": "官方微博", "wechat": "官方公众号", "douyin": "官方账号"}[platform]
        engagement = max(1.0, base_followers * r.uniform(0.0006, 0.003))
        followers = base_followers
        if "bought_followers" in traits:
            followers = int(base_followers * r.uniform(2.2, 3.5))
        elif "hn_viral" in traits:
            followers = int(base_followers * r.uniform(1.3, 1.5))
        has_pinned = platform != "wechat" and r.random() < 0.35
        acc = WAccount(
            index=index, platform=platform, platform_id=pid, uid=uid,
            unique_id=f"{unit.slug}{unit.duty[:3]}{index}" if platform == "douyin" else uid,
            name=name, unit=unit, verified=verified,
            verified_type=(1 if verified else -1) if platform == "weibo" else (2 if verified else 0),
            verified_reason=(unit.name + suffix) if verified else "",
            description=r.choice((f"{unit.name}官方{ {'weibo': '微博', 'wechat': '公众号', 'douyin': '抖音号'}[platform]}",
                                  f"发布{unit.region_name}{duty.organ[unit.level]}权威信息，服务群众。",
                                  f"欢迎关注{name}！政策发布、办事指南、便民服务。")),
            avatar_url=avatar, followers=followers, following=r.randint(20, 600),
            post_count=n_posts + (1 if has_pinned else 0),
            total_likes=int(engagement * n_posts * r.uniform(0.8, 1.2)),
            ip_region=unit.province, traits=traits, alias=alias, gh_id=gh, created_at=created,
            n_posts=n_posts, period_start=first, period_end=last, has_pinned=has_pinned,
            engagement=engagement, base_followers=base_followers, numeric_id=int(uid) if platform == "wechat" else 0)
        planted_posts = set(planted._POST_PLANTS) | set(planted._COMMENT_PLANTS) | {"hijacked"}
        if self.generation >= 1 and platform in ("weibo", "douyin") and gap < timedelta(days=3) \
                and not traits & planted_posts:  # planted posts keep their positions
            # one generation later: an active account has published a few more posts
            added = rng_for(self.seed, "gen-new", index).choice((0, 1, 1, 2, 3))
            if added:
                acc.base_posts, acc.n_posts = n_posts, n_posts + added
                acc.post_count += added
        self._accounts.append(acc)
        self._by_id[(platform, pid)] = acc
        self._by_uid[(platform, uid)] = acc
        return acc

    def accounts(self, platform: str | None = None) -> list[WAccount]:
        """All accounts, or those of one platform, in a stable order."""
        if platform is None:
            return list(self._accounts)
        return [a for a in self._accounts if a.platform == platform]

    def account(self, platform: str, platform_id: str) -> WAccount | None:
        """The account with this id (weibo uid, wechat __biz, douyin sec_uid), or None.

        Douyin also accepts the numeric uid; wechat also the numeric id behind ``__biz``.
        """
        acc = self._by_id.get((platform, str(platform_id)))
        if acc is None and platform in ("douyin", "wechat"):
            acc = self._by_uid.get((platform, str(platform_id)))
        return acc

    def account_by_index(self, index: int) -> WAccount | None:
        return self._accounts[index] if 0 <= index < len(self._accounts) else None

    def units_of_account(self, account: WAccount) -> WUnit:
        return account.unit

    # ------------------------------------------------------------------ time model
    def _time_at(self, account: WAccount, frac: float) -> datetime:
        """Map ``frac`` in [0, 1] over the account's active period, within 07:00-22:00."""
        first, last = account.period_start, account.period_end
        assert first is not None and last is not None
        span = (last - first).total_seconds()
        t = first + timedelta(seconds=span * frac)
        day = t.replace(hour=0, minute=0, second=0, microsecond=0)
        day_frac = (t - day).total_seconds() / 86400
        t = day + timedelta(seconds=int(3600 * (7 + 15 * day_frac)))
        return min(t, self.now - timedelta(minutes=5)).replace(microsecond=0)

    # ------------------------------------------------------------------ posts
    def post_count(self, account: WAccount) -> int:
        """The length of the ``posts()`` sequence (pinned posts are not in it)."""
        return account.n_posts

    def shown_post_count(self, account: WAccount) -> int:
        """The post count the platform displays (``statuses_count``): ``account.post_count``,
        less the posts deleted since generation 0 (they count no more on the platform)."""
        if self.generation < 1:
            return account.post_count
        return account.post_count - sum(1 for p in self.posts(account, 0, 60) if p.deleted_since)

    def posts(self, account: WAccount, start: int = 0, count: int = 20) -> list[WPost]:
        """Posts newest first by index (0 = newest non-pinned)."""
        n = account.n_posts
        stop = min(n, max(0, start) + max(0, count))
        return [self._post_cache(account.index, "post", n - 1 - i) for i in range(max(0, start), stop)]

    def post_at(self, account: WAccount, index: int) -> WPost | None:
        if 0 <= index < account.n_posts:
            return self._post_cache(account.index, "post", account.n_posts - 1 - index)
        return None

    def last_post_time(self, account: WAccount) -> datetime | None:
        """Publication time of the newest non-pinned post."""
        newest = self.post_at(account, 0)
        return newest.created_at if newest else None

    def pinned(self, account: WAccount) -> list[WPost]:
        """The account's pinned posts (0 or 1, older than most of page 1)."""
        if not account.has_pinned:
            return []
        return [self._post_cache(account.index, "pinned", 0)]

    def post(self, platform: str, post_id: str) -> WPost | None:
        """Decode a post id (weibo mid or bid, douyin aweme_id, wechat ``[biz:]mid_idx``)."""
        try:
            return self._decode_post(platform, str(post_id))
        except (ValueError, IndexError):
            return None

    def _decode_post(self, platform: str, post_id: str) -> WPost | None:
        if platform == "weibo":
            if not post_id.isdigit():
                post_id = bid_to_mid(post_id)
            if len(post_id) != 16 or post_id[0] != "4":
                return None
            kind = {"9": "post", "7": "pinned", "8": "original"}.get(post_id[1])
            acc_i = _uncode(int(post_id[2:8]), 6)
            k, rest = divmod(int(post_id[8:]) - _kbase(acc_i, 8), _KSTEP)
            if rest or k < 0:
                return None
        elif platform == "douyin":
            if len(post_id) != 19 or not post_id.startswith("73"):
                return None
            kind = {"9": "post", "7": "pinned"}.get(post_id[2])
            acc_i = _uncode(int(post_id[3:9]), 6)
            k, rest = divmod(int(post_id[9:]) - _kbase(acc_i, 10), _KSTEP)
            if rest or k < 0:
                return None
        elif platform == "wechat":
            biz = None
            if ":" in post_id:
                biz, post_id = post_id.rsplit(":", 1)
            mid_s, idx_s = post_id.split("_")
            mid, idx = int(mid_s), int(idx_s)
            code, push = divmod(mid - 2_200_000_000, 10_000)
            acc_i = _uncode(code, 5)
            acc = self.account_by_index(acc_i)
            if acc is None or acc.platform != "wechat" or (biz and biz != acc.platform_id):
                return None
            starts = self._pushes_cache(acc_i)
            if not 0 <= push < len(starts) - 1 or not 1 <= idx <= starts[push + 1] - starts[push]:
                return None
            return self._post_cache(acc_i, "post", starts[push] + idx - 1)
        else:
            return None
        acc = self.account_by_index(acc_i)
        if kind is None or acc is None or acc.platform != platform:
            return None
        if kind == "post" and not 0 <= k < acc.n_posts:
            return None
        if kind == "pinned" and (k != 0 or not acc.has_pinned):
            return None
        if kind == "original":
            reposter = self._post_cache(acc_i, "post", k) if 0 <= k < acc.n_posts else None
            return reposter.repost_of if reposter else None
        return self._post_cache(acc_i, kind, k)

    def _build_pushes(self, acc_index: int) -> list[int]:
        """Start ordinals of the wechat pushes of an account (plus the end as last entry)."""
        acc = self._accounts[acc_index]
        r = rng_for(self.seed, "pushes", acc_index)
        starts, k = [], 0
        while k < acc.n_posts:
            starts.append(k)
            k += r.choices((1, 2, 3), weights=(0.6, 0.25, 0.15))[0]
        starts.append(acc.n_posts)
        return starts

    def _build_post(self, acc_index: int, kind: str, k: int) -> WPost:
        acc = self._accounts[acc_index]
        return _PostBuilder(self, acc, kind, k).build()

    # ------------------------------------------------------------------ comments
    def comment_count(self, post: WPost) -> int:
        """Top-level comments under ``post``."""
        return len(self._comments_cache(post.platform, post.post_id))

    def comments(self, post: WPost, start: int = 0, count: int = 20) -> list[WComment]:
        """Top-level comments, oldest first, each with its ``replies``."""
        allc = self._comments_cache(post.platform, post.post_id)
        return list(allc[max(0, start):max(0, start) + max(0, count)])

    def comment(self, platform: str, comment_id: str) -> WComment | None:
        """Decode a comment id back to the comment (or reply)."""
        cid = str(comment_id)
        try:
            if platform == "douyin" and len(cid) == 19 and cid.startswith("75"):
                acc_i, slot, j, rr = _uncode(int(cid[2:8]), 6), int(cid[8:14]), int(cid[14:17]), int(cid[17:])
                pin = _PIN_SLOT_DOUYIN
            elif platform in ("weibo", "wechat") and len(cid) == 16 and cid[0] == ("5" if platform == "weibo" else "6"):
                acc_i, slot, j, rr = _uncode(int(cid[1:6]), 5), int(cid[6:11]), int(cid[11:14]), int(cid[14:])
                pin = _PIN_SLOT_WEIBO
            else:
                return None
        except ValueError:
            return None
        acc = self.account_by_index(acc_i)
        if acc is None or acc.platform != platform:
            return None
        if slot == pin:
            if not acc.has_pinned:
                return None
            post = self._post_cache(acc_i, "pinned", 0)
        elif slot < acc.n_posts:
            post = self._post_cache(acc_i, "post", slot)
        else:
            return None
        allc = self._comments_cache(post.platform, post.post_id)
        if j >= len(allc):
            return None
        top = allc[j]
        if rr == 0:
            return top
        return top.replies[rr - 1] if rr <= len(top.replies) else None

    def _comment_id(self, post: WPost, j: int, rr: int) -> str:
        acc = post.account
        if post.platform == "douyin":
            slot = _PIN_SLOT_DOUYIN if post.pinned else post.ordinal
            return f"75{_code(acc.index, 6):06d}{slot:06d}{j:03d}{rr:02d}"
        slot = _PIN_SLOT_WEIBO if post.pinned else post.ordinal
        return f"{'5' if post.platform == 'weibo' else '6'}{_code(acc.index, 5):05d}{slot:05d}{j:03d}{rr:02d}"

    def _build_comments(self, platform: str, post_id: str) -> tuple[WComment, ...]:
        post = self.post(platform, post_id)
        if post is None:
            return ()
        return tuple(_build_comments(self, post))

    # ------------------------------------------------------------------ follower series
    def follower_series(self, account: WAccount) -> list[tuple[date, int]]:
        """Daily followers from the first post (at most a year back) to ``now``."""
        return _follower_series(self, account)

    # ------------------------------------------------------------------ apps, pages
    def _ensure_apps(self) -> dict[str, list[WApp]]:
        if self._apps is None:
            from govspider.sandbox import apps

            self._apps = apps.build_apps(self)
            self._app_index: dict[tuple[str, str], WApp] = {}
            for store, listing in self._apps.items():
                for a in listing:
                    for key in (a.numeric_id, a.package, a.app_id):  # app_id wins on a clash
                        if key:
                            self._app_index[(store, key)] = a
        return self._apps

    def apps(self, store: str) -> list[WApp]:
        return list(self._ensure_apps().get(store, []))

    def app(self, store: str, app_id: str) -> WApp | None:
        """A listing by its store id (also by package or numeric id), or None."""
        self._ensure_apps()
        return self._app_index.get((store, str(app_id)))

    def search_apps(self, store: str, term: str) -> list[WApp]:
        from govspider.sandbox import apps

        return apps.search(self._ensure_apps().get(store, []), term)

    def icon_png(self, store: str, app_id: str) -> bytes | None:
        from govspider.sandbox import icons

        app = self.app(store, app_id)
        if app is None:
            return None
        return icons.icon_png(self.seed, app.icon_key, app.icon_variant)

    def _ensure_pages(self) -> dict[str, WPage]:
        if self._pages is None:
            from govspider.sandbox import pages

            self._pages = {p.path: p for p in pages.build_pages(self)}
        return self._pages

    def pages(self) -> list[WPage]:
        return list(self._ensure_pages().values())

    def page(self, path: str) -> WPage | None:
        return self._ensure_pages().get(path)

    # ------------------------------------------------------------------ registry, truth
    def registry(self, web_base_url: str | None = None) -> dict[str, Any]:
        """The world's registry as ``govspider accounts import`` reads it (YAML-able dict)."""
        return planted.registry(self, web_base_url)

    def ground_truth(self, web_base_url: str | None = None) -> list[dict[str, Any]]:
        """Planted cases (``label: true``) and hard negatives (``label: false``)."""
        return planted.ground_truth(self, web_base_url or self.web_base_url)


# ---------------------------------------------------------------------------- helpers
def _size_params(size: str | dict[str, Any]) -> tuple[str, dict[str, int]]:
    if isinstance(size, dict):
        params = dict(SIZES["small"])
        if "accounts" in size and "units" not in size:
            params["units"] = max(1, math.ceil(int(size["accounts"]) / len(PLATFORMS)))
        params.update({k: int(v) for k, v in size.items() if k in params})
        return "custom", params
    if size in SIZES:
        return size, dict(SIZES[size])
    if isinstance(size, str) and "x" in size:
        n_acc, _, n_posts = size.partition("x")
        try:
            accounts, posts = int(n_acc), int(n_posts)
        except ValueError:
            raise ValueError(f"size {size!r}: expected small|medium|large|ACCOUNTSxPOSTS") from None
        return size, {"units": max(1, math.ceil(accounts / len(PLATFORMS))),
                      "posts_per_account": max(1, posts), "units_per_region": 4}
    raise ValueError(f"size {size!r}: expected small|medium|large|ACCOUNTSxPOSTS")


_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _b62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out or "0"


def mid_to_bid(mid: str) -> str:
    """Weibo's mid -> bid: 7-digit groups from the right, each in base 62 (4 chars padded)."""
    groups = []
    s = str(mid)
    while s:
        groups.insert(0, s[-7:])
        s = s[:-7]
    parts = []
    for i, g in enumerate(groups):
        enc = _b62(int(g))
        parts.append(enc if i == 0 else enc.rjust(4, "0"))
    return "".join(parts)


def bid_to_mid(bid: str) -> str:
    """Inverse of :func:`mid_to_bid`."""
    groups = []
    s = bid
    while s:
        chunk, s = s[-4:], s[:-4]
        value = 0
        for ch in chunk:
            value = value * 62 + _B62.index(ch)
        groups.insert(0, value)
    return "".join(str(g) if i == 0 else f"{g:07d}" for i, g in enumerate(groups))


def render_text(platform: str, segments: list[Segment]) -> str:
    """Plain text of segments as the data model wants it (topics kept literally)."""
    out = []
    for seg in segments:
        if seg.kind == "topic":
            out.append(f"#{seg.value}" + ("" if platform == "douyin" else "#"))
        elif seg.kind == "mention":
            out.append(f"@{seg.value}")
        elif seg.kind == "link":
            out.append(seg.extra or seg.value)
        else:
            out.append(seg.value)
    return "".join(out)


class _PostBuilder:
    """Builds one post from its indices (all randomness from a per-post RNG)."""

    def __init__(self, world: World, acc: WAccount, kind: str, k: int):
        self.w, self.acc, self.kind, self.k = world, acc, kind, k
        self.r = rng_for(world.seed, "post", acc.index, kind, k)

    def build(self) -> WPost:
        w, acc, r, k = self.w, self.acc, self.r, self.k
        n = acc.n_posts
        n0 = acc.base_posts or n  # generation 0's posts; ordinals from n0 on are new ones
        unit = acc.unit
        index = n - 1 - k if self.kind == "post" else -1
        index0 = n0 - 1 - k if self.kind == "post" else -1  # position in generation 0
        mid = idx = None
        push_size = 1
        # --- time
        if self.kind == "pinned":
            created = w._time_at(acc, r.uniform(0.2, 0.6))
        elif acc.platform == "wechat":
            starts = w._pushes_cache(acc.index)
            push = bisect.bisect_right(starts, k) - 1
            idx = k - starts[push] + 1
            push_size = starts[push + 1] - starts[push]
            pr = rng_for(w.seed, "push", acc.index, push)
            n_push = len(starts) - 1
            created = w._time_at(acc, 1.0 if push == n_push - 1 else (push + 0.15 + 0.7 * pr.random()) / n_push)
            mid = str(2_200_000_000 + _code(acc.index, 5) * 10_000 + push)
        elif k >= n0:  # a post published after generation 0: between its newest post and now
            r.random()
            last = w._time_at(acc, 1.0)
            step = (w.now - timedelta(minutes=10) - last) / (n - n0 + 1)
            created = (last + step * (k - n0 + 1)).replace(microsecond=0)
        else:
            jitter = r.random()
            created = w._time_at(acc, 1.0 if k == n0 - 1 else (k + 0.15 + 0.7 * jitter) / n0)
        plants = planted.post_plants(acc, self.kind, index)
        if "hijacked" in acc.traits and 0 <= index < planted.HIJACK_BURST:
            created = (w.now - timedelta(hours=2 + index * 5 + r.uniform(0, 3))).replace(microsecond=0)
        ctx = {"r": unit.short, "full": unit.region_name, "org": unit.name, "year": str(created.year),
               "date": f"{created.month}月{created.day}日"}
        # --- content
        title = None
        is_long = False
        repost_of = None
        if plants:
            title, segments = planted.post_content(r, acc, plants, ctx, w)
        elif "off_topic" in acc.traits and r.random() < 0.75:
            segments = [Segment("text", r.choice(text.OFF_TOPIC))]
            if r.random() < 0.4:
                segments.append(Segment("emoji", r.choice(text.EMOJI)))
            if acc.platform == "wechat":
                title = segments[0].value[:18].rstrip("，。！")
        else:
            title, segments, is_long = self._gov_content(ctx)
            if (acc.platform == "weibo" and self.kind == "post" and r.random() < 0.12):
                repost_of = self._original(ctx)
                segments = [Segment("text", r.choice(("转发微博", "扩散周知", "【关注】", "一起关注！")))]
                is_long = False
        text_plain = render_text(acc.platform, segments)
        if acc.platform == "weibo":
            is_long = len(text_plain) > 140
        # --- generation edits / deletions
        deleted, reason, edited, original_text, since = False, None, None, None, False
        gr = rng_for(w.seed, "gen", acc.index, self.kind, k)
        roll = gr.random()
        if acc.platform == "wechat" and self.kind == "post" and not plants and roll < 0.03:
            deleted = True
            reason = gr.choice(("该内容已被发布者删除", "此内容因违规无法查看"))
        elif w.generation >= 1 and self.kind == "post" and 0 <= index0 < 40 and not plants:
            if roll < 0.06:
                original_text = text_plain
                segments = segments + [Segment("text", "（更正：" + gr.choice(
                    ("时间以最新通知为准", "活动地点调整", "咨询电话已更新", "部分表述已修改")) + "）")]
                text_plain = render_text(acc.platform, segments)
                edited = text_plain
            elif roll < 0.10:
                deleted, since = True, True
                reason = "该内容已被发布者删除" if acc.platform == "wechat" else "deleted by author"
        # --- media
        media = self._media()
        # --- counts
        base = acc.engagement * r.lognormvariate(0, 0.8)
        if "hn_viral" in acc.traits and abs((created - planted.jump_date(w, acc)).days) <= 1:
            base *= 60
        if "hijacked" in acc.traits and 0 <= index < planted.HIJACK_BURST:
            base *= 0.05
        likes = int(base)
        reposts = int(base * r.uniform(0.05, 0.4))
        views = favorites = None
        if acc.platform == "wechat":
            views = int(max(likes, 1) * r.uniform(15, 60))
        elif acc.platform == "douyin":
            favorites = int(base * r.uniform(0.02, 0.2))
        post = WPost(
            platform=acc.platform, post_id="", account=acc, index=index, created_at=created,
            title=title, segments=segments, text=text_plain, is_long=is_long,
            pinned=self.kind == "pinned", repost_of=repost_of, media=media, likes=likes,
            comments_count=0, reposts=reposts, views=views, favorites=favorites,
            source=self._source(), ip_region=unit.province, deleted=deleted, deleted_reason=reason,
            deleted_since=since, edited_text=edited, original_text=original_text, ordinal=k, kind=self.kind,
            push_size=push_size, planted=tuple(plants))
        if acc.platform == "weibo":
            post.post_id = f"4{'9' if self.kind == 'post' else '7'}{_code(acc.index, 6):06d}{_kbase(acc.index, 8) + k * _KSTEP:08d}"
            post.mid = post.post_id
            post.bid = mid_to_bid(post.post_id)
        elif acc.platform == "douyin":
            post.post_id = f"73{'9' if self.kind == 'post' else '7'}{_code(acc.index, 6):06d}{_kbase(acc.index, 10) + k * _KSTEP:010d}"
        else:
            post.mid, post.idx = mid, idx
            post.post_id = f"{mid}_{idx}"
            post.sn = stable_hex(w.seed, "sn", acc.index, k)
            post.is_original = r.random() < 0.4
            post.author = r.choice((unit.name, unit.name.removeprefix("国家税务总局"), "办公室", "宣传科"))
            post.digest = text_plain.replace("\n", "")[:54]
            post.cover = f"https://mmbiz.qpic.cn/mmbiz_jpg/{stable_hex(w.seed, 'cover', acc.index, k)}/0?wx_fmt=jpeg"
            if post.is_video:
                post.item_show_type = 5
        if post.is_video:
            post.video_ms = r.randint(8_000, 240_000)
        post.comments_count = _comment_total(w, post)
        return post

    def _gov_content(self, ctx: dict[str, str]) -> tuple[str | None, list[Segment], bool]:
        r, acc = self.r, self.acc
        duty = acc.unit.duty
        topics = text.topic_names(duty, acc.unit.short)
        segs: list[Segment] = []
        title = None
        if acc.platform == "wechat":
            paras = text.gov_sentences(r, duty, ctx, r.randint(5, 12))
            title = text.gov_title(r, duty, ctx, lead=paras[0])
            for i, p in enumerate(paras):
                if i:
                    segs.append(Segment("text", "\n"))
                segs.append(Segment("text", p))
            return title, segs, False
        long = acc.platform == "weibo" and r.random() < 0.2
        count = r.randint(6, 10) if long else r.randint(1, 3)
        if r.random() < 0.7:
            topic = r.choice(topics)
            if acc.platform == "weibo":
                segs.append(Segment("topic", topic))
        else:
            topic = None
        sentences = text.gov_sentences(r, duty, ctx, count)
        segs.append(Segment("text", sentences[0]))
        for s in sentences[1:]:
            segs.append(Segment("text", ("\n" if long and r.random() < 0.4 else "") + s))
        if r.random() < 0.2:
            other = r.choice(self.w.units)
            segs.append(Segment("text", " "))
            segs.append(Segment("mention", text_account_name(other)))
        if acc.platform == "weibo" and r.random() < 0.15:
            segs.append(Segment("text", " "))
            segs.append(Segment("link", f"https://www.{acc.unit.slug}.gov.cn/art/{stable_hex(self.w.seed, 'lk', acc.index, self.k, n=8)}.html", "网页链接"))
        end = text.ending(r, ctx)
        if end:
            segs.append(Segment("text", end))
        if r.random() < 0.3:
            segs.append(Segment("emoji", r.choice(text.EMOJI)))
        if acc.platform == "douyin":
            tags = r.sample(topics, k=min(len(topics), r.randint(1, 3)))
            for t in ([topic] if topic else []) + [t for t in tags if t != topic]:
                segs.append(Segment("text", " "))
                segs.append(Segment("topic", t))
        return title, segs, long

    def _original(self, ctx: dict[str, str]) -> WPost:
        """The original of a weibo repost (from an invented media or other gov account)."""
        w, acc, k = self.w, self.acc, self.k
        r = rng_for(w.seed, "orig", acc.index, k)
        src = planted.media_source(w, r)
        created = w._time_at(acc, max(0.0, (k - 0.5) / (acc.base_posts or acc.n_posts)))
        duty = r.choice(list(DUTIES))
        sentences = text.gov_sentences(r, duty, ctx, r.randint(1, 4))
        segs = [Segment("text", "".join(sentences))]
        deleted = r.random() < 0.1
        reason = None
        if deleted:
            reason = r.choice(("抱歉，此微博已被作者删除。", "该微博因被多人举报，根据《微博社区管理规定》，已被删除。"))
        mid = f"48{_code(acc.index, 6):06d}{_kbase(acc.index, 8) + k * _KSTEP:08d}"
        likes = int(src.engagement * r.lognormvariate(0, 0.7))
        return WPost(
            platform="weibo", post_id=mid, account=src, index=-1, created_at=created, title=None,
            segments=segs, text=render_text("weibo", segs), is_long=len(segs[0].value) > 140,
            pinned=False, repost_of=None, media=[], likes=likes, comments_count=0,
            reposts=int(likes * 0.3), views=None, favorites=None, source="微博 weibo.com",
            ip_region=src.ip_region, deleted=deleted, deleted_reason=reason, bid=mid_to_bid(mid),
            mid=mid, ordinal=k, kind="original")

    def _media(self) -> list[tuple[str, str]]:
        r, w, acc, k = self.r, self.w, self.acc, self.k
        h = stable_hex(w.seed, "media", acc.index, self.kind, k, n=24)
        if acc.platform == "douyin":
            if r.random() < 0.8:
                return [("video", f"https://www.douyin.com/aweme/v1/play/?video_id=v0d00fg10000{h}")]
            return [("image", f"https://p3-pc-sign.douyinpic.com/tos-cn-i-0813/{h}{i}~tplv-dy-aweme-images.jpeg")
                    for i in range(r.randint(2, 6))]
        if acc.platform == "wechat":
            if r.random() < 0.08:
                return [("video", f"https://mpvideo.qpic.cn/0bc3{h}.f10002.mp4")]
            return [("image", f"https://mmbiz.qpic.cn/mmbiz_jpg/{h}{i}/640?wx_fmt=jpeg") for i in range(r.randint(0, 4))]
        roll = r.random()
        if roll < 0.1:
            return [("video", f"https://f.video.weibocdn.com/o0/{h}.mp4")]
        if roll < 0.6:
            return [("image", f"https://wx{1 + i % 4}.sinaimg.cn/large/{h}{i:02d}.jpg") for i in range(r.choice((1, 1, 2, 3, 4, 6, 9)))]
        return []

    def _source(self) -> str:
        if self.acc.platform != "weibo":
            return ""
        return self.r.choice(("iPhone客户端", "微博 weibo.com", "HUAWEI Mate 60 Pro", "微博视频号", "", "Android客户端"))


def text_account_name(unit: WUnit) -> str:
    return DUTIES[unit.duty].account.format(r=unit.short)


def _comment_total(world: World, post: WPost) -> int:
    """How many top-level comments a post has (cheap: no comment is generated)."""
    if post.kind == "original" or post.deleted:
        return 0
    acc = post.account
    r = rng_for(world.seed, "comments", acc.index, post.kind, post.ordinal)
    if post.platform == "wechat" and r.random() < 0.5:
        n = 0
    else:
        n = int(min(MAX_COMMENTS, post.likes * r.uniform(0.01, 0.08)))
    if "no_reply" in acc.traits:
        n = max(n, 6)
    n = planted.min_comments(acc, post, n)
    if world.generation >= 1 and post.platform in ("weibo", "douyin") and (
            post.kind == "pinned" or post.ordinal < (acc.base_posts or acc.n_posts)):
        n += _new_comments(world, post)
    return n


def _new_comments(world: World, post: WPost) -> int:
    """Comments a generation-0 Weibo or Douyin post received since: likely while it is young."""
    age = (world.now - post.created_at).total_seconds() / 86400
    r = rng_for(world.seed, "gen-comments", post.account.index, post.kind, post.ordinal)
    if age < 0 or r.random() >= 0.8 * math.exp(-age / 3):
        return 0
    return r.randint(1, 4)


def _build_comments(world: World, post: WPost) -> list[WComment]:
    acc = post.account
    n = post.comments_count
    no_reply = "no_reply" in acc.traits
    ctx = {"r": acc.unit.short, "full": acc.unit.region_name, "org": acc.unit.name,
           "year": str(post.created_at.year), "date": f"{post.created_at.month}月{post.created_at.day}日"}
    horizon = world.now - timedelta(minutes=1)
    out: list[WComment] = []
    for j in range(n):
        cr = rng_for(world.seed, "comment", acc.index, post.kind, post.ordinal, j)
        created = post.created_at + timedelta(seconds=int(60 * (cr.expovariate(1 / 600) + 1)))
        if created > horizon:
            created = max(horizon - timedelta(minutes=n - j), post.created_at + timedelta(seconds=10 + j))
        body, question = text.public_comment(cr, ctx, question_rate=0.6 if no_reply else 0.3)
        author = str(cr.randint(1_000_000_000, 7_999_999_999))
        c = WComment(
            comment_id=world._comment_id(post, j, 0), post=post, author_id=author,
            author_name=text.nickname(cr), text=body, created_at=created,
            likes=int(cr.expovariate(1 / 3)), is_official=False,
            ip_region=cr.choice(("东川", "南岭", acc.unit.province, acc.unit.province, "西江", "北原")),
            is_question=question, author_sec_uid=_sec_uid(world.seed, author))
        replies: list[tuple[str, bool]] = []
        plant = planted.comment_plant(acc, post, j)
        if plant:
            c.text, c.is_question, replies = planted.comment_content(cr, plant, ctx)
            c.planted = (plant,)
        elif not no_reply and (question and cr.random() < 0.8 or (not question and "管" in body and cr.random() < 0.5)):
            replies = [(text.official_reply(cr), True)]
        if not no_reply and not plant and cr.random() < 0.1:
            replies.append((text.user_reply(cr), False))
        t = created
        for rr, (reply_text, official) in enumerate(replies, start=1):
            t = t + timedelta(seconds=int(60 * cr.uniform(20, 2000)))
            if t > horizon and plant:  # a planted reply must exist: squeeze it in before now
                t = max(created + timedelta(seconds=30 * rr), horizon - timedelta(seconds=30 * (3 - min(rr, 2))))
            elif t > horizon:
                break
            if official:
                rid, rname, rsec = acc.uid, acc.name, acc.platform_id if acc.platform == "douyin" else ""
            else:
                rid = str(cr.randint(1_000_000_000, 7_999_999_999))
                rname, rsec = text.nickname(cr), _sec_uid(world.seed, rid)
            c.replies.append(WComment(
                comment_id=world._comment_id(post, j, rr), post=post, author_id=rid,
                author_name=rname, text=reply_text, created_at=t, likes=int(cr.expovariate(1 / 2)),
                is_official=official, ip_region=acc.ip_region if official else cr.choice(("东川", "南岭")),
                reply_to=c, author_sec_uid=rsec,
                planted=c.planted if official and plant else ()))
        out.append(c)
    return out


def _sec_uid(seed: int, uid: str) -> str:
    raw = hashlib.blake2b(f"{seed}:{uid}".encode(), digest_size=32).digest()
    return "MS4wLjABAAAA" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _follower_series(world: World, acc: WAccount) -> list[tuple[date, int]]:
    r = rng_for(world.seed, "followers", acc.index)
    end = world.now.date()
    assert acc.period_start is not None
    start = max(acc.period_start.date(), end - timedelta(days=365))
    days = (end - start).days + 1
    jump_day = planted.jump_date(world, acc).date() if {"bought_followers", "hn_viral"} & acc.traits else None
    final = acc.base_followers if jump_day is not None else acc.followers
    f0 = final * r.uniform(0.55, 0.85)
    out: list[tuple[date, int]] = []
    jumped = 0.0
    for d in range(days):
        day = start + timedelta(days=d)
        frac = d / max(1, days - 1)
        value = f0 + (final - f0) * frac + r.gauss(0, final * 0.001)
        if jump_day is not None and day >= jump_day:
            jumped = acc.followers - final
        out.append((day, max(0, int(value + jumped))))
    if out:
        out[-1] = (out[-1][0], acc.followers)
    return out
