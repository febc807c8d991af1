"""``off_topic``: 不务正业 / 过度娱乐化, an account's share of entertainment posts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govspider.detection import AccountHistory, DetectContext
from govspider.items import Finding
from govspider_plugins.detectors import _planted

from ._base import LexiconDetector, maximal
from ._text import fields

_LABELS = {"pets": "萌宠", "celebrity": "明星娱乐", "gossip": "八卦", "games": "游戏",
           "entertainment": "娱乐段子"}


class OffTopic(LexiconDetector):
    """More than ``max_share`` of at least ``min_posts`` posts are about pets, celebrities,
    gossip or games with no link to a public duty (文明养犬, 防沉迷, 文旅 are duties)."""

    name = "off_topic"
    version = "1.0"
    indicator = "不务正业"
    severity = "medium"
    scorecard = "offtopic"
    scope = "account"
    accepts = frozenset({"account"})
    description = "发布内容以萌宠、明星、八卦、游戏等娱乐内容为主，与职能无关"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.OFF_TOPIC

    def classify(self, post: dict[str, Any], ctx: DetectContext) -> tuple[str, list[str]] | None:
        """``(family, terms)`` when a post is entertainment unrelated to duties, else ``None``."""
        lex = self.lexicon(ctx)
        matcher = self.matcher(lex)
        frames = self.cue_matcher(lex, "duty_frames", private=True)  # asked after a hit only
        weights: dict[str, tuple[int, str]] = {}
        for _, n in fields(post):
            hits = maximal(matcher.find(n.text))
            if not hits:
                continue
            if frames.find(n.text):
                return None
            for h in hits:
                weights[h.entry.term] = (h.entry.weight, h.entry.category.removesuffix("_weak"))
        if sum(w for w, _ in weights.values()) < 2:
            return None
        families: dict[str, int] = {}
        for w, fam in weights.values():
            families[fam] = families.get(fam, 0) + w
        return max(families, key=families.get), sorted(weights)

    observes = frozenset({"post"})

    def observe(self, item: dict[str, Any], ctx: DetectContext) -> None:
        """Classify a post in the item pass (its text is normalized then, once for every
        detector) and keep, per account, the count, a fingerprint of the post ids and the
        entertainment posts: the account pass reuses them when its history is the same posts."""
        if item.get("deleted") or not item.get("_id"):
            return
        seen = ctx.memo.setdefault(self.name, {}).setdefault(item.get("account_id"), [0, 0, {}])
        seen[0] += 1
        seen[1] = (seen[1] + hash(item["_id"])) & _MASK
        label = self.classify(item, ctx)
        if label:
            seen[2][item["_id"]] = label

    def detect(self, subject: AccountHistory, ctx: DetectContext) -> Iterator[Finding]:
        lex = self.lexicon(ctx)
        posts = [p for p in subject.posts if not p.get("deleted")]
        min_posts = int(lex.threshold("min_posts", ctx) or 10)
        if len(posts) < min_posts:
            return
        seen = ctx.memo.get(self.name, {}).get(subject.account.get("_id"))
        if seen and seen[0] == len(posts) and all(p.get("_id") for p in posts) and seen[1] == (
                sum(hash(p["_id"]) for p in posts) & _MASK):
            flagged = [(p, seen[2][p["_id"]]) for p in posts if p["_id"] in seen[2]]
        else:  # a history the item pass did not see whole: classify here
            flagged = [(p, label) for p in posts if (label := self.classify(p, ctx))]
        share = len(flagged) / len(posts)
        if share <= float(lex.threshold("max_share", ctx) or 0.4):
            return
        counts: dict[str, int] = {}
        for _, (fam, _) in flagged:
            counts[fam] = counts.get(fam, 0) + 1
        top = sorted(counts, key=counts.get, reverse=True)
        account = subject.account
        topics = "、".join(_LABELS.get(f, f) for f in top[:3])
        yield self.finding(
            subject=account, subject_type="account", rule="entertainment_share", ctx=ctx,
            score=min(1.0, share),
            message=f"账号近{len(posts)}条内容中有{len(flagged)}条（{share:.0%}）为{topics}等"
                    f"与职能无关的娱乐内容，疑似不务正业",
            evidence=self.evidence(lex, "entertainment_share", [], share=round(share, 3),
                                   posts=len(posts), flagged=len(flagged), families=counts,
                                   samples=[{"post_id": p.get("_id"), "family": fam,
                                             "terms": terms[:5]} for p, (fam, terms) in flagged[:10]]))


_MASK = (1 << 64) - 1

DETECTORS = [OffTopic()]
