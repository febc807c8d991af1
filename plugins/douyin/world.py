"""Douyin in the sandbox world: sec_uids, aweme ids, videos and image notes.

Ids: an account's ``platform_id`` is its ``sec_uid`` (``MS4wLjABAAAA`` + 43 base64 characters),
its ``uid`` 11 digits; an aweme_id (19 digits) is ``73`` + kind (``9`` post, ``7`` pinned) +
the scrambled account index (6) + the ordinal (10); a comment id (19 digits) is ``75`` + account
(6) + post slot (6, all nines for a pinned post) + comment (3) + reply (2).
"""

from __future__ import annotations

import base64
import hashlib
from random import Random
from typing import Any

from govspider.sandbox.entities import WAccount, WPost, WUnit
from govspider.sandbox.platforms import AccountWorld
from govspider.sandbox.seeded import stable_hex

SEC_UID_PREFIX = "MS4wLjABAAAA"


def sec_uid(seed: int, uid: str) -> str:
    """The stable sec_uid of a (commenting) user of the world."""
    raw = hashlib.blake2b(f"{seed}:{uid}".encode(), digest_size=32).digest()
    return SEC_UID_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


class DouyinWorld(AccountWorld):
    """Douyin accounts as the web app's API shows them."""

    name = "douyin"
    order = 30
    base_urls = {"DOUYIN_BASE_URL": "/douyin"}

    post_rate = (0.15, 0.9)
    follower_spread = (0.4, 2.5)
    pinned_rate = 0.35
    account_noun = "抖音号"
    verified_suffix = "官方账号"
    verified_types = (2, 0)
    lookup_by_uid = True
    grows = True
    trailing_topics = True
    topic_close = ""
    post_prefix = "73"
    ordinal_digits = 10
    comment_prefix = "75"
    comment_digits = 6

    def new_ids(self, r: Random) -> tuple[str, str]:
        raw = r.getrandbits(256).to_bytes(32, "big")
        pid = SEC_UID_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return pid, str(r.randint(10**10, 10**11 - 1))

    def account_fields(self, unit: WUnit, index: int, uid: str) -> dict[str, Any]:
        return {"unique_id": f"{unit.slug}{unit.duty[:3]}{index}"}

    def avatar_url(self, index: int) -> str:
        return f"https://p3-pc.douyinpic.com/aweme/100x100/aweme-avatar/{stable_hex(self.seed, 'av', index)}.jpeg"

    def account_url(self, account: WAccount) -> str:
        return f"https://www.douyin.com/user/{account.platform_id}"

    def post_url(self, post: WPost) -> str:
        kind = "video" if post.is_video else "note"
        return f"https://www.douyin.com/{kind}/{post.post_id}"

    def media(self, r: Random, h: str) -> list[tuple[str, str]]:
        if r.random() < 0.8:
            return [("video", f"https://www.douyin.com/aweme/v1/play/?video_id=v0d00fg10000{h}")]
        return [("image", f"https://p3-pc-sign.douyinpic.com/tos-cn-i-0813/{h}{i}~tplv-dy-aweme-images.jpeg")
                for i in range(r.randint(2, 6))]

    def counts(self, r: Random, base: float, likes: int) -> tuple[int | None, int | None]:
        return None, int(base * r.uniform(0.02, 0.2))

    def author_key(self, uid: str) -> str:
        return sec_uid(self.seed, uid)

    def official_author_key(self, account: WAccount) -> str:
        return account.platform_id


__all__ = ["DouyinWorld", "sec_uid"]
