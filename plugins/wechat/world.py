"""WeChat official accounts in the sandbox world: ``__biz`` ids, pushes of articles.

Ids: an account's ``platform_id`` is its ``__biz`` (base64 of a 10-digit numeric id, its
``uid``); articles go out in pushes of one to three: ``mid = 2200000000 + scrambled account
index (5 digits) * 10000 + push number``, ``idx`` 1..3 within the push, the post id
``mid_idx``. A comment id (16 digits) is ``6`` + account (5) + article ordinal (5) + comment (3)
+ reply (2).
"""

from __future__ import annotations

import base64
import bisect
import functools
from datetime import datetime
from random import Random
from typing import TYPE_CHECKING, Any

from govspider.sandbox import text
from govspider.sandbox.entities import Segment, WAccount, WPost, WUnit
from govspider.sandbox.platforms import AccountWorld
from govspider.sandbox.seeded import code_index, rng_for, stable_hex, uncode_index

if TYPE_CHECKING:
    from govspider.sandbox.world import PostDraft

MID_BASE = 2_200_000_000


class WechatWorld(AccountWorld):
    """Official accounts (公众号) and their articles."""

    name = "wechat"
    order = 20
    base_urls = {"WECHAT_BASE_URL": "/wechat", "SOGOU_BASE_URL": "/sogou"}

    post_rate = (0.3, 1.5)
    account_noun = "公众号"
    verified_suffix = "官方公众号"
    verified_types = (2, 0)
    lookup_by_uid = True
    titled = True
    deletion_rate = 0.03
    deletion_reasons = ("该内容已被发布者删除", "此内容因违规无法查看")
    deletion_notice = "该内容已被发布者删除"
    uncommented_rate = 0.5
    comment_prefix = "6"
    comment_digits = 5

    def __init__(self, world: Any):
        super().__init__(world)
        self.pushes = functools.lru_cache(maxsize=256)(self._build_pushes)

    # ------------------------------------------------------------- accounts
    def new_ids(self, r: Random) -> tuple[str, str]:
        numeric = r.randint(3_000_000_000, 3_999_999_999)
        return base64.b64encode(str(numeric).encode()).decode(), str(numeric)

    def account_fields(self, unit: WUnit, index: int, uid: str) -> dict[str, Any]:
        return {"alias": f"{unit.slug}{unit.duty[:4]}{index % 97}",
                "gh_id": "gh_" + stable_hex(self.seed, "gh", index, n=12), "numeric_id": int(uid)}

    def avatar_url(self, index: int) -> str:
        return f"https://mmbiz.qpic.cn/mmbiz_png/{stable_hex(self.seed, 'av', index)}/0?wx_fmt=png"

    def account_url(self, account: WAccount) -> str:
        return f"https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz={account.platform_id}"

    # ------------------------------------------------------------- articles
    def post_url(self, post: WPost) -> str:
        return (f"https://mp.weixin.qq.com/s?__biz={post.account.platform_id}&mid={post.mid}"
                f"&idx={post.idx}&sn={post.sn}")

    def post_corpus_id(self, post: WPost) -> str:
        return f"{self.name}:{post.account.platform_id}:{post.post_id}"

    def _build_pushes(self, acc_index: int) -> list[int]:
        """Start ordinals of the pushes of an account (plus the end as last entry)."""
        acc = self.world.account_by_index(acc_index)
        r = rng_for(self.seed, "pushes", acc_index)
        starts, k = [], 0
        while k < acc.n_posts:
            starts.append(k)
            k += r.choices((1, 2, 3), weights=(0.6, 0.25, 0.15))[0]
        starts.append(acc.n_posts)
        return starts

    def schedule(self, account: WAccount, k: int) -> tuple[datetime, dict[str, Any]]:
        """Articles of one push go out together; the last push is the newest post."""
        w = self.world
        starts = self.pushes(account.index)
        push = bisect.bisect_right(starts, k) - 1
        idx = k - starts[push] + 1
        push_size = starts[push + 1] - starts[push]
        pr = rng_for(w.seed, "push", account.index, push)
        n_push = len(starts) - 1
        created = w.time_at(account, 1.0 if push == n_push - 1 else (push + 0.15 + 0.7 * pr.random()) / n_push)
        mid = str(MID_BASE + code_index(account.index, 5) * 10_000 + push)
        return created, {"mid": mid, "idx": idx, "push_size": push_size}

    def compose(self, b: PostDraft, ctx: dict[str, str]) -> tuple[str | None, list[Segment], bool]:
        """An article: a title and five to twelve paragraphs."""
        r, duty = b.r, b.acc.unit.duty
        paras = text.gov_sentences(r, duty, ctx, r.randint(5, 12))
        title = text.gov_title(r, duty, ctx, lead=paras[0])
        segs: list[Segment] = []
        for i, p in enumerate(paras):
            if i:
                segs.append(Segment("text", "\n"))
            segs.append(Segment("text", p))
        return title, segs, False

    def media(self, r: Random, h: str) -> list[tuple[str, str]]:
        if r.random() < 0.08:
            return [("video", f"https://mpvideo.qpic.cn/0bc3{h}.f10002.mp4")]
        return [("image", f"https://mmbiz.qpic.cn/mmbiz_jpg/{h}{i}/640?wx_fmt=jpeg") for i in range(r.randint(0, 4))]

    def counts(self, r: Random, base: float, likes: int) -> tuple[int | None, int | None]:
        return int(max(likes, 1) * r.uniform(15, 60)), None

    def finish_post(self, post: WPost, r: Random) -> None:
        acc, k = post.account, post.ordinal
        unit = acc.unit
        post.post_id = f"{post.mid}_{post.idx}"
        post.sn = stable_hex(self.seed, "sn", acc.index, k)
        post.is_original = r.random() < 0.4
        post.author = r.choice((unit.name, unit.name.removeprefix("国家税务总局"), "办公室", "宣传科"))
        post.digest = post.text.replace("\n", "")[:54]
        post.cover = f"https://mmbiz.qpic.cn/mmbiz_jpg/{stable_hex(self.seed, 'cover', acc.index, k)}/0?wx_fmt=jpeg"
        if post.is_video:
            post.item_show_type = 5

    def decode_post(self, post_id: str) -> WPost | None:
        """``[biz:]mid_idx``."""
        biz = None
        if ":" in post_id:
            biz, post_id = post_id.rsplit(":", 1)
        mid_s, idx_s = post_id.split("_")
        mid, idx = int(mid_s), int(idx_s)
        code, push = divmod(mid - MID_BASE, 10_000)
        acc_i = uncode_index(code, 5)
        acc = self.world.account_by_index(acc_i)
        if acc is None or acc.home is not self or (biz and biz != acc.platform_id):
            return None
        starts = self.pushes(acc_i)
        if not 0 <= push < len(starts) - 1 or not 1 <= idx <= starts[push + 1] - starts[push]:
            return None
        return self.world.post_by_ordinal(acc_i, "post", starts[push] + idx - 1, platform=self)


__all__ = ["WechatWorld"]
