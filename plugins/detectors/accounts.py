"""Account-scope detectors: 内容不更新, 互动回应差, 买粉丝, 账号被盗.

Each sees one :class:`govspider.detection.AccountHistory` (the account, its posts, comments and
metrics) and the monitoring time ``ctx.now``; none reads the clock. Thresholds and lexicons are
in ``data/accounts.yaml``.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from govspider.detection import AccountHistory, DetectContext
from govspider.items import Finding

from ._acctbase import (
    ConfiguredDetector,
    account_name,
    as_time,
    compact,
    cst_date,
    days_between,
    iso,
    normalize,
)


def _dated(items: list[dict[str, Any]], now: datetime) -> list[tuple[datetime, dict[str, Any]]]:
    """Items with a known time not after ``now``, oldest first."""
    out = []
    for item in items:
        t = as_time(item.get("published_at"))
        if t is not None and t <= now:
            out.append((t, item))
    out.sort(key=lambda pair: pair[0])
    return out


# ============================================================================ 内容不更新
class DormantAccount(ConfiguredDetector):
    """No update in the two weeks before the monitoring time (veto), with 睡眠 / 僵尸 tiers."""

    name = "dormant_account"
    indicator = "内容不更新"
    severity = "veto"
    scope = "account"
    accepts = frozenset({"account"})
    data_file = "accounts.yaml"
    description = "latest post older than 14 days before the monitoring time; 60/90-day tiers"

    def detect(self, subject: AccountHistory, ctx: DetectContext) -> Iterator[Finding]:
        if not subject.complete:
            return  # a failed or partial crawl never yields "stale"
        account = subject.account
        now = as_time(ctx.now) or ctx.now
        count_pinned = bool(self.param(ctx, "count_pinned"))
        updates = [(t, p) for t, p in _dated(subject.posts, now)
                   if not p.get("deleted") and (count_pinned or not p.get("is_pinned"))]
        profile_last = as_time(account.get("last_post_at"))
        if profile_last is not None and profile_last > now:
            profile_last = None
        never_posted = False
        if not updates and profile_last is None:
            if account.get("posts_count") == 0:
                never_posted = True
            else:
                return  # no post and no count: nothing is known, nothing is claimed
        latest: datetime | None = updates[-1][0] if updates else None
        latest_post = updates[-1][1] if updates else None
        if profile_last is not None and (latest is None or profile_last > latest):
            latest, latest_post = profile_last, None
        stale_days = float(self.param(ctx, "stale_days"))
        age = days_between(latest, now) if latest is not None else None
        if age is not None and age <= stale_days:
            return
        evidence = self._evidence(updates, latest, latest_post, now, ctx)
        evidence["never_posted"] = never_posted
        name = account_name(account)
        if never_posted:
            message = (f"账号「{name}」平台显示发文数为0，监测时间点前{stale_days:g}天内无任何更新"
                       f"（内容不更新，单项否决）。")
        else:
            assert latest is not None and age is not None
            message = (f"账号「{name}」最近一次更新在{cst_date(latest)}，距监测时间点"
                       f"{_days(age)}天，超过{stale_days:g}天未更新（内容不更新，单项否决）。")
        yield self.finding(subject=account, rule="stale", message=message, evidence=evidence,
                           ctx=ctx, subject_type="account")
        if age is None:
            return
        for rule, key, label in (("zombie", "zombie_days", "僵尸"), ("dormant", "dormant_days", "睡眠")):
            limit = float(self.param(ctx, key))
            if age > limit:
                yield self.finding(
                    subject=account, rule=rule, severity="high", ctx=ctx, subject_type="account",
                    score=min(1.0, age / (2 * limit)), evidence=evidence | {"tier_days": limit},
                    message=(f"账号「{name}」已连续{_days(age)}天未更新（超过{limit:g}天），"
                             f"属“{label}”账号。"))
                break  # only the worst tier

    def _evidence(self, updates: list[tuple[datetime, dict[str, Any]]], latest: datetime | None,
                  latest_post: dict[str, Any] | None, now: datetime,
                  ctx: DetectContext) -> dict[str, Any]:
        period = float(self.param(ctx, "period_days"))
        start = now - timedelta(days=period)
        times = [t for t, _ in updates if t >= start]
        # the longest silence inside the period, the silence up to "now" included
        points = [start, *times, now] if times else [start, now]
        gaps = [(days_between(a, b), a, b) for a, b in zip(points, points[1:], strict=False)]
        if not times and latest is not None:
            gaps = [(days_between(latest, now), latest, now)]
        longest = max(gaps, key=lambda g: g[0]) if gaps else None
        span_start = max(start, updates[0][0]) if updates else start
        weeks = max(days_between(span_start, now) / 7.0, 1.0)
        evidence: dict[str, Any] = {
            "last_update": iso(latest),
            "days_since_update": round(days_between(latest, now), 1) if latest else None,
            "threshold_days": float(self.param(ctx, "stale_days")),
            "monitoring_time": iso(now),
            "period_days": period,
            "posts_in_period": len(times),
            "posts_per_week": round(len(times) / weeks, 2),
            "longest_gap_days": round(longest[0], 1) if longest else None,
            "longest_gap_from": iso(longest[1]) if longest else None,
            "longest_gap_to": iso(longest[2]) if longest else None,
        }
        if latest_post is not None:
            evidence["last_post_id"] = latest_post.get("_id")
            if latest_post.get("url"):
                evidence["url"] = latest_post["url"]
        return evidence


def _days(age: float) -> str:
    """Days for a message: one decimal near the thresholds, whole days beyond a month."""
    return str(int(age)) if age >= 30 else f"{age:.1f}".removesuffix(".0")


# ============================================================================ 互动回应差
class NoInteraction(ConfiguredDetector):
    """Questions from the public left without an official reply."""

    name = "no_interaction"
    indicator = "互动回应差"
    severity = "veto"
    scope = "account"
    accepts = frozenset({"account"})
    data_file = "accounts.yaml"
    description = "share of question-like comments without an official reply; reply latency"

    def detect(self, subject: AccountHistory, ctx: DetectContext) -> Iterator[Finding]:
        if not subject.complete or not subject.comments:
            return
        account = subject.account
        now = as_time(ctx.now) or ctx.now
        own_id = str(account.get("platform_id") or "")
        comments = _dated(subject.comments, now)

        def official(c: dict[str, Any]) -> bool:
            return c.get("is_official") is True or bool(own_id and str(c.get("author_id")) == own_id)

        replies_to: dict[str, list[datetime]] = {}
        top_level_by_post: dict[str, list[datetime]] = {}
        for t, c in comments:
            if not official(c):
                continue
            if c.get("reply_to"):
                replies_to.setdefault(str(c["reply_to"]), []).append(t)
            else:
                top_level_by_post.setdefault(str(c.get("post_id")), []).append(t)
        same_post = bool(self.param(ctx, "same_post_reply_counts"))
        grace = timedelta(days=float(self.param(ctx, "grace_days")))
        old = timedelta(days=float(self.param(ctx, "old_days")))
        answered: list[float] = []  # latencies in hours
        unanswered: list[tuple[datetime, dict[str, Any]]] = []
        pending = 0
        for t, c in comments:
            if official(c) or not self._is_question(c.get("text"), ctx):
                continue
            candidates = [r for r in replies_to.get(str(c.get("_id")), []) if r >= t]
            if same_post:
                candidates += [r for r in top_level_by_post.get(str(c.get("post_id")), []) if r > t]
            if candidates:
                answered.append(days_between(t, min(candidates)) * 24)
            elif now - t < grace:
                pending += 1
            else:
                unanswered.append((t, c))
        total = len(answered) + len(unanswered)
        if total == 0:
            return
        share = len(unanswered) / total
        old_unanswered = [(t, c) for t, c in unanswered if now - t > old]
        evidence = self._evidence(answered, unanswered, old_unanswered, pending, share, now, ctx)
        name = account_name(account)
        if total >= int(self.param(ctx, "min_questions")) and not answered:
            yield self.finding(
                subject=account, rule="no_reply", ctx=ctx, subject_type="account", evidence=evidence,
                message=(f"账号「{name}」收到的{total}条网民提问均无官方回复"
                         + (f"（其中{len(old_unanswered)}条超过3个月）" if old_unanswered else "")
                         + "，互动回应差（单项否决）。"))
            return
        poor_share = (total >= int(self.param(ctx, "min_questions_share"))
                      and share >= float(self.param(ctx, "unanswered_share")))
        poor_old = (len(old_unanswered) >= int(self.param(ctx, "min_old_unanswered"))
                    and share >= float(self.param(ctx, "old_min_share")))
        if poor_share or poor_old:
            median = evidence.get("reply_latency_median_hours")
            latency = f"，已回复提问的回复时长中位数为{median:g}小时" if median is not None else ""
            yield self.finding(
                subject=account, rule="poor_response", severity="medium", ctx=ctx,
                subject_type="account", evidence=evidence, score=round(share, 2),
                message=(f"账号「{name}」的{total}条网民提问中有{len(unanswered)}条"
                         f"（{share:.0%}）无官方回复"
                         + (f"，{len(old_unanswered)}条超过3个月未回复" if old_unanswered else "")
                         + f"{latency}。"))

    def _is_question(self, text: Any, ctx: DetectContext) -> bool:
        norm = normalize(text)
        if len(compact(norm)) < int(self.param(ctx, "min_question_chars")):
            return False
        return any(marker in norm for marker in self.param(ctx, "question_markers") or ())

    def _evidence(self, answered: list[float], unanswered: list[tuple[datetime, dict[str, Any]]],
                  old_unanswered: list[tuple[datetime, dict[str, Any]]], pending: int,
                  share: float, now: datetime, ctx: DetectContext) -> dict[str, Any]:
        examples = []
        for t, c in sorted(unanswered, key=lambda pair: pair[0])[: int(self.param(ctx, "max_examples"))]:
            examples.append({"comment_id": c.get("_id"), "post_id": c.get("post_id"),
                             "text": (c.get("text") or "")[:200], "published_at": iso(t),
                             "age_days": round(days_between(t, now), 1)})
        evidence: dict[str, Any] = {
            "questions": len(answered) + len(unanswered), "answered": len(answered),
            "unanswered": len(unanswered), "unanswered_share": round(share, 3),
            "unanswered_over_3_months": len(old_unanswered), "pending": pending,
            "examples": examples,
        }
        if answered:
            ordered = sorted(answered)
            evidence["reply_latency_median_hours"] = round(statistics.median(ordered), 1)
            evidence["reply_latency_p90_hours"] = round(_quantile(ordered, 0.9), 1)
        return evidence


def _quantile(ordered: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted values."""
    index = max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))
    return ordered[index]


# ============================================================================ 买粉丝
class FanBuying(ConfiguredDetector):
    """A follower jump far above the account's own trend with no engagement to explain it."""

    name = "fan_buying"
    indicator = "买粉丝（弄虚作假）"
    severity = "high"
    scope = "account"
    accepts = frozenset({"account", "account_metrics"})
    data_file = "accounts.yaml"
    description = "robust z-score of daily follower growth; engagement in the window not rising"

    def detect(self, subject: AccountHistory, ctx: DetectContext) -> Iterator[Finding]:
        now = as_time(ctx.now) or ctx.now
        series = self._series(subject, now)
        if len(series) < int(self.param(ctx, "min_points")):
            return
        intervals = []
        for (t0, f0), (t1, f1) in zip(series, series[1:], strict=False):
            days = max(days_between(t0, t1), 1 / 24)
            intervals.append((t0, f0, t1, f1, days, (f1 - f0) / days))
        rates = [i[5] for i in intervals]
        median = statistics.median(rates)
        mad = statistics.median(abs(r - median) for r in rates)
        typical = statistics.median(f for _, f in series)
        scale = max(mad, float(self.param(ctx, "mad_floor_share")) * typical, 1.0)
        jumps = []
        for t0, f0, t1, f1, days, rate in intervals:
            if days > float(self.param(ctx, "max_interval_days")):
                continue
            z = 0.6745 * (rate - median) / scale
            gain = f1 - f0
            if (z >= float(self.param(ctx, "z_min")) and gain >= int(self.param(ctx, "min_jump"))
                    and gain >= float(self.param(ctx, "jump_share")) * max(f0, 1)):
                jumps.append({"from": t0, "to": t1, "followers_before": f0, "followers_after": f1,
                              "gain": gain, "gain_share": round(gain / max(f0, 1), 3),
                              "days": round(days, 2), "z": round(z, 1)})
        unexplained = []
        for jump in jumps:
            engagement = self._engagement(subject.posts, jump["from"], jump["to"], jump["gain"], ctx)
            if engagement is not None and not engagement["explains_jump"]:
                unexplained.append(jump | {"engagement": engagement})
        if not unexplained:
            return
        worst = max(unexplained, key=lambda j: j["z"])
        account = subject.account
        evidence = {
            "jumps": [{k: (iso(v) if isinstance(v, datetime) else v) for k, v in j.items()}
                      for j in unexplained],
            "median_daily_growth": round(median, 1), "mad_daily_growth": round(mad, 1),
            "points": len(series), "series_from": iso(series[0][0]), "series_to": iso(series[-1][0]),
        }
        yield self.finding(
            subject=account, rule="follower_jump", ctx=ctx, subject_type="account",
            evidence=evidence, score=min(1.0, worst["z"] / 40),
            message=(f"账号「{account_name(account)}」粉丝数在{cst_date(worst['from'])}至"
                     f"{cst_date(worst['to'])}间由{worst['followers_before']}增至"
                     f"{worst['followers_after']}（增加{worst['gain']}，{worst['gain_share']:.0%}），"
                     f"远超自身增长趋势（稳健Z值{worst['z']:g}），同期互动未相应增长，疑似购买粉丝。"))

    def _series(self, subject: AccountHistory, now: datetime) -> list[tuple[datetime, int]]:
        """Follower counts by day (the last observation of a day wins), oldest first."""
        raw: list[tuple[datetime, int]] = []
        points = list(subject.metrics)
        extra = subject.account.get("extra") or {}
        if isinstance(extra, dict) and isinstance(extra.get("follower_series"), list):
            points += [p for p in extra["follower_series"] if isinstance(p, dict)]
        for point in points:
            t = as_time(point.get("at") or point.get("date") or point.get("time"))
            value = point.get("followers", point.get("value"))
            if t is None or t > now or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            raw.append((t, int(value)))
        raw.sort(key=lambda pair: pair[0])
        by_day: dict[str, tuple[datetime, int]] = {}
        for t, value in raw:
            by_day[cst_date(t)] = (t, value)
        return sorted(by_day.values(), key=lambda pair: pair[0])

    def _engagement(self, posts: list[dict[str, Any]], start: datetime, end: datetime,
                    gain: int, ctx: DetectContext) -> dict[str, Any] | None:
        """Did any post around the jump draw engagement enough to explain it? ``None``: unknown."""
        lead = timedelta(days=float(self.param(ctx, "engagement_window_days")))
        lag = timedelta(days=float(self.param(ctx, "engagement_after_days")))
        base_from = start - timedelta(days=float(self.param(ctx, "baseline_days")))
        window, baseline, window_unknown = [], [], 0
        for post in posts:
            t = as_time(post.get("published_at"))
            if t is None or post.get("deleted"):
                continue
            value = _post_engagement(post)
            if start - lead <= t <= end + lag:
                if value is None:
                    window_unknown += 1
                else:
                    window.append(value)
            elif base_from <= t < start - lead and value is not None:
                baseline.append(value)
        if not window and not window_unknown:
            return {"posts_in_window": 0, "explains_jump": False}
        if not window or len(baseline) < int(self.param(ctx, "min_baseline_posts")):
            return None  # engagement unknown: no accusation
        usual = max(statistics.median(baseline), 1.0)
        peak = max(window)
        surplus = sum(max(0.0, v - usual) for v in window)
        # a post well above the usual engagement, and big enough for the followers gained
        explains = (peak >= float(self.param(ctx, "engagement_factor")) * usual
                    and gain <= float(self.param(ctx, "max_followers_per_engagement")) * surplus)
        return {"posts_in_window": len(window) + window_unknown, "peak_engagement": peak,
                "usual_engagement": usual, "engagement_surplus": round(surplus, 1),
                "explains_jump": explains}


def _post_engagement(post: dict[str, Any]) -> int | None:
    metrics = post.get("metrics") or {}
    values = [metrics.get(k) for k in ("likes", "comments", "reposts")]
    known = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return sum(known) if known else None


# ============================================================================ 账号被盗
class HijackedAccount(ConfiguredDetector):
    """A burst of spam unlike the account's own past, or a rename to something unrelated."""

    name = "hijacked_account"
    indicator = "账号被盗"
    severity = "veto"
    scope = "account"
    accepts = frozenset({"account", "post"})
    data_file = "accounts.yaml"
    description = "recent burst of ad/porn/gambling posts after a clean past; suspicious rename"

    def __init__(self) -> None:
        super().__init__()
        self._patterns = [re.compile(p, re.IGNORECASE) for p in self.defaults.get("contact_patterns", [])]

    def spam_terms(self, text: Any, ctx: DetectContext) -> dict[str, Any] | None:
        """The spam evidence of one text, or ``None`` when it reads as normal."""
        norm = normalize(text)
        if not norm:
            return None
        lowered = norm.lower()
        if any(normalize(c).lower() in lowered for c in self.param(ctx, "allow_contexts") or ()):
            return None  # a warning about such content, not such content
        strong = [t for t in self.param(ctx, "strong_terms") or () if normalize(t).lower() in lowered]
        weak = [t for t in self.param(ctx, "weak_terms") or () if normalize(t).lower() in lowered]
        contacts = [m.group(0) for p in self._patterns for m in p.finditer(norm)]
        if strong or (weak and contacts) or len(set(weak)) >= int(self.param(ctx, "min_weak_terms")):
            return {"strong": strong, "weak": weak, "contacts": contacts}
        return None

    def detect(self, subject: AccountHistory, ctx: DetectContext) -> Iterator[Finding]:
        yield from self._burst(subject, ctx)
        yield from self._rename(subject, ctx)

    def _burst(self, subject: AccountHistory, ctx: DetectContext) -> Iterator[Finding]:
        now = as_time(ctx.now) or ctx.now
        posts = [(t, p) for t, p in _dated(subject.posts, now) if p.get("text") or p.get("title")]
        window_start = now - timedelta(days=float(self.param(ctx, "recent_days")))
        recent = [(t, p) for t, p in posts if t >= window_start]
        past = [(t, p) for t, p in posts if t < window_start]
        if len(past) < int(self.param(ctx, "min_baseline")) or not recent:
            return
        past_spam = [p for _, p in past if self.spam_terms(_text(p), ctx)]
        if len(past_spam) / len(past) > float(self.param(ctx, "baseline_max_share")):
            return  # no normal past to compare with
        hits = []
        for t, p in recent:
            terms = self.spam_terms(_text(p), ctx)
            if terms:
                hits.append((t, p, terms))
        if (len(hits) < int(self.param(ctx, "min_burst"))
                or len(hits) / len(recent) < float(self.param(ctx, "burst_share"))):
            return
        past_sources = {p.get("source") for _, p in past if p.get("source")}
        new_sources = sorted({p.get("source") for _, p, _ in hits
                              if p.get("source") and p.get("source") not in past_sources})
        terms_seen = sorted({term for _, _, e in hits for term in e["strong"] + e["weak"]})
        account = subject.account
        evidence = {
            "window_from": iso(window_start), "recent_posts": len(recent), "spam_posts": len(hits),
            "baseline_posts": len(past), "baseline_spam_posts": len(past_spam),
            "terms": terms_seen, "new_sources": new_sources,
            "baseline_sources": sorted(s for s in past_sources if s)[:10],
            "examples": [{"post_id": p.get("_id"), "url": p.get("url"), "published_at": iso(t),
                          "text": _text(p)[:200], "matched": e["strong"] + e["weak"] + e["contacts"],
                          "deleted": bool(p.get("deleted"))} for t, p, e in hits[:5]],
        }
        yield self.finding(
            subject=account, rule="spam_burst", ctx=ctx, subject_type="account", evidence=evidence,
            score=0.9 + (0.1 if new_sources else 0.0),
            message=(f"账号「{account_name(account)}」近{int(self.param(ctx, 'recent_days'))}天发布的"
                     f"{len(recent)}条内容中有{len(hits)}条为营销/博彩/色情等信息"
                     f"（{'、'.join(terms_seen[:5])}），与其以往内容明显不符，疑似账号被盗（单项否决）。"))

    def _rename(self, subject: AccountHistory, ctx: DetectContext) -> Iterator[Finding]:
        account = subject.account
        extra = account.get("extra") or {}
        previous = extra.get("previous_name") if isinstance(extra, dict) else None
        current = account.get("name")
        if not previous or not current or compact(previous) == compact(current):
            return
        spam = self.spam_terms(current, ctx)
        anchors = [compact(previous), compact(account.get("unit"))]
        shared = max(_shared_chars(compact(current), a) for a in anchors)
        if not spam and shared >= int(self.param(ctx, "min_common_chars")):
            return  # an ordinary rename: account_registry reports it
        evidence = {"previous_name": previous, "name": current, "shared_chars": shared,
                    "spam_terms": (spam or {}).get("strong", []) + (spam or {}).get("weak", [])}
        if isinstance(extra, dict) and extra.get("previous_avatar_url"):
            evidence["avatar_changed"] = extra.get("previous_avatar_url") != account.get("avatar_url")
        yield self.finding(
            subject=account, rule="name_change", ctx=ctx, subject_type="account", evidence=evidence,
            score=0.9, message=(f"账号由「{previous}」改名为「{current}」，新名称与原名称及主办单位无关"
                                f"{'且含营销信息' if spam else ''}，疑似账号被盗（单项否决）。"))


def _text(post: dict[str, Any]) -> str:
    return "\n".join(s for s in (post.get("title"), post.get("text")) if s)


def _shared_chars(a: str, b: str) -> int:
    """Distinct characters two names share (order-free: 平安某市 / 某市公安局)."""
    return len(set(a) & set(b)) if a and b else 0


DETECTORS = [DormantAccount(), NoInteraction(), FanBuying(), HijackedAccount()]
