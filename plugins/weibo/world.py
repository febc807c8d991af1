"""Weibo in the sandbox world: account and post ids, how posts are written, reposts.

Ids: a uid is 10 digits; a mid (16 digits) is ``4`` + kind (``9`` post, ``7`` pinned, ``8``
original of a repost) + the scrambled account index (6) + the chronological ordinal (8); the
bid is the mid in Weibo's base 62 (:func:`mid_to_bid`). A comment id (16 digits) is ``5`` +
account (5) + post slot (5, all nines for a pinned post) + comment (3) + reply (2).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from random import Random
from typing import TYPE_CHECKING, Any

from govspider.sandbox import text
from govspider.sandbox.entities import Segment, WAccount, WPost
from govspider.sandbox.platforms import AccountWorld
from govspider.sandbox.seeded import rng_for, stable_hex
from govspider.sandbox.units import DUTIES

if TYPE_CHECKING:
    from govspider.sandbox.world import PostDraft

_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: invented media accounts whose posts the monitored accounts repost
_MEDIA = ("华夏新闻网", "东方时报", "今日民生", "中原日报", "青年之声", "新闻早班车")


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


class WeiboWorld(AccountWorld):
    """Weibo accounts as the mobile site shows them."""

    name = "weibo"
    order = 10
    base_urls = {"WEIBO_BASE_URL": "/weibo"}

    id_range = (1_600_000_000, 7_999_999_999)
    post_rate = (0.6, 3.5)
    pinned_rate = 0.35
    account_noun = "微博"
    verified_suffix = "官方微博"
    verified_types = (1, -1)
    grows = True
    long_rate = 0.2
    long_text_limit = 140
    lead_topic = True
    link_rate = 0.15
    repost_rate = 0.12
    sources = ("iPhone客户端", "微博 weibo.com", "HUAWEI Mate 60 Pro", "微博视频号", "", "Android客户端")
    post_prefix = "4"
    ordinal_digits = 8
    post_kinds = {"9": "post", "7": "pinned", "8": "original"}
    comment_prefix = "5"
    comment_digits = 5

    def __init__(self, world: Any):
        super().__init__(world)
        self._media_accounts: dict[int, WAccount] = {}

    def avatar_url(self, index: int) -> str:
        return (f"https://tvax{1 + index % 4}.sinaimg.cn/crop.0.0.512.512.180/"
                f"{stable_hex(self.seed, 'av', index)}.jpg")

    def account_url(self, account: WAccount) -> str:
        return f"https://m.weibo.cn/u/{account.platform_id}"

    def post_url(self, post: WPost) -> str:
        return f"https://m.weibo.cn/status/{post.bid}"

    def media(self, r: Random, h: str) -> list[tuple[str, str]]:
        roll = r.random()
        if roll < 0.1:
            return [("video", f"https://f.video.weibocdn.com/o0/{h}.mp4")]
        if roll < 0.6:
            return [("image", f"https://wx{1 + i % 4}.sinaimg.cn/large/{h}{i:02d}.jpg")
                    for i in range(r.choice((1, 1, 2, 3, 4, 6, 9)))]
        return []

    def finish_post(self, post: WPost, r: Random) -> None:
        super().finish_post(post, r)
        post.mid = post.post_id
        post.bid = mid_to_bid(post.post_id)

    def decode_post(self, post_id: str) -> WPost | None:
        """A mid, or a bid."""
        if not post_id.isdigit():
            post_id = bid_to_mid(post_id)
        return super().decode_post(post_id)

    # ------------------------------------------------------------- reposts
    def repost(self, b: PostDraft, ctx: dict[str, str]) -> tuple[WPost, list[Segment]]:
        original = self._original(b, ctx)
        return original, [Segment("text", b.r.choice(("转发微博", "扩散周知", "【关注】", "一起关注！")))]

    def _original(self, b: PostDraft, ctx: dict[str, str]) -> WPost:
        """The original of a repost (from an invented media account)."""
        w, acc, k = b.w, b.acc, b.k
        r = rng_for(w.seed, "orig", acc.index, k)
        src = self.media_account(r)
        created = w.time_at(acc, max(0.0, (k - 0.5) / (acc.base_posts or acc.n_posts)))
        duty = r.choice(list(DUTIES))
        sentences = text.gov_sentences(r, duty, ctx, r.randint(1, 4))
        segs = [Segment("text", "".join(sentences))]
        deleted = r.random() < 0.1
        reason = None
        if deleted:
            reason = r.choice(("抱歉，此微博已被作者删除。", "该微博因被多人举报，根据《微博社区管理规定》，已被删除。"))
        mid = self.post_id(acc.index, "8", k)
        likes = int(src.engagement * r.lognormvariate(0, 0.7))
        return WPost(
            platform=self.name, post_id=mid, account=src, index=-1, created_at=created, title=None,
            segments=segs, text=self.render_text(segs), is_long=len(segs[0].value) > 140,
            pinned=False, repost_of=None, media=[], likes=likes, comments_count=0,
            reposts=int(likes * 0.3), views=None, favorites=None, source="微博 weibo.com",
            ip_region=src.ip_region, deleted=deleted, deleted_reason=reason, bid=mid_to_bid(mid),
            mid=mid, ordinal=k, kind="original")

    def media_account(self, r: Random) -> WAccount:
        """An invented media account whose posts the monitored accounts repost."""
        i = r.randrange(len(_MEDIA))
        if i not in self._media_accounts:
            w = self.world
            uid = str(1_100_000_000 + int(hashlib.blake2b(f"{w.seed}:src{i}".encode(), digest_size=4).hexdigest(), 16)
                      % 400_000_000)
            self._media_accounts[i] = WAccount(
                index=900_000 + i, platform=self.name, platform_id=uid, uid=uid, unique_id=uid, name=_MEDIA[i],
                unit=w.units[0], verified=True, verified_type=3, verified_reason=f"{_MEDIA[i]}官方微博",
                description="新闻资讯", avatar_url=f"https://tvax1.sinaimg.cn/default/src{i}.jpg",
                followers=5_000_000 + i * 731_000, following=300, post_count=120_000, total_likes=0,
                ip_region="北京", traits=frozenset(), alias=None, gh_id=None,
                created_at=w.now - timedelta(days=4000), n_posts=0, engagement=3000.0, home=self)
        return self._media_accounts[i]


__all__ = ["WeiboWorld", "mid_to_bid", "bid_to_mid"]
