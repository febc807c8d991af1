"""Account-scope detectors: 内容不更新, 互动回应差, 买粉丝, 账号被盗.

Each sees one :class:`govspider.detection.AccountHistory` (the account, its posts, comments and
metrics) and the monitoring time ``ctx.now``; none reads the clock. Thresholds and lexicons are
in ``data/accounts.yaml``.
"""

from __future__ import annotations

import bisect
import math
import re
import statistics
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import ahocorasick

from govspider.detection import AccountHistory, DetectContext
from govspider.items import Finding
from govspider.plugins import installed_plugins
from govspider_plugins.detectors import _planted

from ._acctbase import (
    ConfiguredDetector,
    account_name,
    as_time,
    compact,
    cst_date,
    days_between,
    evidence_time,
    normalize,
)
from ._text import FOREIGN_LETTERS, NOT_WORDS, other_language, reads_chinese


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
    scorecard = "update"
    time_dependent = True
    scope = "account"
    accepts = frozenset({"account"})
    data_file = "accounts.yaml"
    description = "latest post older than 14 days before the monitoring time; 60/90-day tiers"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.DORMANT_ACCOUNT

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
            "last_update": evidence_time(latest),
            "days_since_update": round(days_between(latest, now), 1) if latest else None,
            "threshold_days": float(self.param(ctx, "stale_days")),
            "monitoring_time": evidence_time(now),
            "period_days": period,
            "posts_in_period": len(times),
            "posts_per_week": round(len(times) / weeks, 2),
            "longest_gap_days": round(longest[0], 1) if longest else None,
            "longest_gap_from": evidence_time(longest[1]) if longest else None,
            "longest_gap_to": evidence_time(longest[2]) if longest else None,
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
    scorecard = "interaction"
    time_dependent = True
    scope = "account"
    accepts = frozenset({"account"})
    data_file = "accounts.yaml"
    description = "share of question-like comments without an official reply; reply latency"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.NO_INTERACTION

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
                             "text": (c.get("text") or "")[:200], "published_at": evidence_time(t),
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
    scorecard = "fans"
    time_dependent = True
    scope = "account"
    accepts = frozenset({"account", "account_metrics"})
    data_file = "accounts.yaml"
    description = "robust z-score of daily follower growth; engagement in the window not rising"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.FAN_BUYING

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
            "jumps": [{k: (evidence_time(v) if isinstance(v, datetime) else v) for k, v in j.items()}
                      for j in unexplained],
            "median_daily_growth": round(median, 1), "mad_daily_growth": round(mad, 1),
            "points": len(series), "series_from": evidence_time(series[0][0]), "series_to": evidence_time(series[-1][0]),
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
_URL = re.compile(r"https?://([a-z0-9.-]+)", re.IGNORECASE)
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2764]")
_GOV_DOMAINS = ("gov.cn", "weibo.com", "weibo.cn", "sina.cn", "qq.com", "douyin.com", "people.com.cn",
                "xinhuanet.com", "news.cn", "cctv.com", "12377.cn", "edu.cn", "org.cn")


class HijackedAccount(ConfiguredDetector):
    """Recent posts that are spam-like *and* unlike the account's own past, or an unrelated rename.

    Every post gets a spam score from weak signals (families of ad / gambling / porn / loan /
    part-time-job / health-claim / marketing-SMS vocabulary, private contacts, prices, calls to
    act, non-government links, emoji and exclamation oddities) and loses it to a warning frame
    (a post *about* such content) or, in part, to an official frame (通知, 助农, 消费券...). A
    recent spam-like post is *unlike the past* when a family it shows is not the account's habit
    and its character bigrams do not repeat one past post. An episode is a hijack when one such
    post is strongly spam-like, or several fall within a few days. A post in a language the
    account's past never used is spam-like too (a burst of them is rule ``language_change``,
    severity high: to verify).
    """

    name = "hijacked_account"
    indicator = "账号被盗"
    severity = "veto"
    scorecard = "hijack"
    scope = "account"
    accepts = frozenset({"account", "post"})
    data_file = "accounts.yaml"
    description = ("recent spam-like posts (weak signals, official frames discounted) unlike the "
                   "account's past: one strong or several within days; a burst in a language the "
                   "account never used; suspicious rename")
    code_version = "3"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.HIJACKED_ACCOUNT

    def __init__(self) -> None:
        super().__init__()
        d = self.defaults
        self._patterns = [re.compile(p, re.IGNORECASE) for p in d.get("contact_patterns", [])]
        self._cues = [re.compile(p, re.IGNORECASE) for p in d.get("private_cue_patterns", [])]
        self._family_patterns = {f: [re.compile(p, re.IGNORECASE) for p in ps]
                                 for f, ps in (d.get("family_patterns") or {}).items()}
        self._phone = re.compile(d.get("phone_pattern") or r"(?!x)x")
        self._money = re.compile(d.get("money_pattern") or r"(?!x)x", re.IGNORECASE)
        self._style = [re.compile(p) for p in d.get("official_style_patterns") or ()]
        self._lexicon_cache: dict[str, tuple[Any, tuple[Any, ...], dict[str, Any]]] = {}

    # ------------------------------------------------------------------ one text
    _LEXICON_KEYS = ("families", "allow_contexts", "official_frames", "call_to_action",
                     "official_phone_labels", "weak_only_families", "illicit_families",
                     "unread_only_families")

    def _lexicon(self, ctx: DetectContext) -> dict[str, Any]:
        """The term lists normalized and indexed once (per run setting), not once per post."""
        last = self._lexicon_cache.get("last")
        if last is not None and last[0] is ctx:
            return last[2]
        params = tuple(self.param(ctx, k) for k in self._LEXICON_KEYS)
        cached = self._lexicon_cache.get("params")
        if cached is not None and cached[1] == params:
            self._lexicon_cache["last"] = (ctx, params, cached[2])
            return cached[2]
        families, allow, frames, cta, labels, weak_only, illicit, unread_only = params
        where: dict[str, list[tuple[str, str, str]]] = {}  # normalized term -> (list, family, term)

        def add(terms: Any, kind: str, family: str = "") -> None:
            for t in terms or ():
                n = normalize(str(t)).lower()
                if n:
                    where.setdefault(n, []).append((kind, family, str(t)))

        for fam, spec in (families or {}).items():
            for kind in ("terms", "strong", "boost"):
                add((spec or {}).get(kind), kind, fam)
        add(allow, "allow")
        add(frames, "frames")
        add(cta, "cta")
        add(labels, "phone")
        # one Aho-Corasick automaton: a single pass over a text finds every term
        index = ahocorasick.Automaton()
        for n in where:
            index.add_word(n, n)
        if where:
            index.make_automaton()
        lex = {"where": where, "index": index, "families": list(families or {}),
               "weak_only": set(weak_only or ()), "illicit": set(illicit or ()),
               "unread_only": set(unread_only or ())}
        self._lexicon_cache = {"params": (ctx, params, lex), "last": (ctx, params, lex)}
        return lex

    def signals(self, text: Any, ctx: DetectContext, links: Any = None) -> dict[str, Any]:
        """The spam signals of one text: families, contacts, score, ``spam``/``strong``."""
        lex = self._lexicon(ctx)
        norm = normalize(text)
        low = norm.lower()
        out: dict[str, Any] = {"score": 0, "spam": False, "strong": False, "families": {},
                               "strong_terms": [], "contacts": [], "extras": [], "frames": [],
                               "warning": []}
        if not low:
            return out
        # every lexicon term present, in one pass over the text
        present = {n for _, n in lex["index"].iter(low)} if lex["where"] else set()
        found: dict[str, list[str]] = {}
        for n in present:
            for kind, fam, term in lex["where"][n]:
                found.setdefault(f"{kind}:{fam}", []).append(term)
        warning = found.get("allow:", [])
        content = self._content_findings(text, links, ctx)
        # content detectors that flagged it by a rule, not a text model
        by_rules = [fam for fam, (_, _, rule) in content.items() if not rule.endswith("_model")]
        if warning and not by_rules:
            out["warning"] = sorted(warning)
            return out  # a warning about such content, not such content
        # (a content detector's rule found an ad or spam all the same: its frames know warnings
        # better than one of these words, 遠離牙周病 or 监管批准 in an ad's own voice)
        families: dict[str, list[str]] = {}
        strong_terms: list[str] = []
        strong_families: set[str] = set()
        for fam, (terms, is_strong, rule) in content.items():
            if rule.endswith("_model") and self.param(ctx, "content_models_via_change"):
                continue  # a text model's reading counts once: as a change against the past
            families[fam] = terms
            if is_strong:
                strong_families.add(fam)
                strong_terms += terms
        candidates = {k.split(":", 1)[1] for k in found if not k.endswith(":")}
        unread = set()  # English words in a Chinese post: the specialists'
        if lex["unread_only"] & (candidates | set(self._family_patterns)) and reads_chinese(norm):
            unread = lex["unread_only"]
        for fam in lex["families"]:
            if fam in unread or (fam not in candidates and fam not in self._family_patterns):
                continue
            hits = found.get(f"terms:{fam}", [])
            strong = found.get(f"strong:{fam}", [])
            strong = strong + [m.group(0) for p in self._family_patterns.get(fam, ())
                               for m in [p.search(low)] if m]
            if strong:
                strong_terms += sorted(strong)
                strong_families.add(fam)
            if hits or strong:
                terms = _outermost(strong + hits)  # 秒下款 and 下款 are one term
                boost = sorted(found.get(f"boost:{fam}", []))
                families[fam] = terms + ([f"{'、'.join(boost[:3])}"] if boost else [])
        contacts = [m.group(0) for p in self._patterns for m in p.finditer(norm)]
        contacts += [m.group(0) for p in self._cues for m in p.finditer(low)]
        phones = [m.group(0) for m in self._phone.finditer(norm)]
        if phones and not found.get("phone:"):
            contacts += phones
        frames = sorted(found.get("frames:", []))
        frames += [m.group(0) for p in self._style for m in [p.search(low)] if m]
        out.update(families=families, strong_terms=strong_terms, contacts=contacts, frames=frames,
                   by_rules=by_rules)
        if not families:
            return out
        extras = []
        if self._money.search(low):
            extras.append("价格/金额")
        if found.get("cta:"):
            extras.append("诱导话术")
        urls = [u for u in (links or []) if isinstance(u, str)] + _URL.findall(low)
        if any(not any(d in u.lower() for d in _GOV_DOMAINS) for u in urls):
            extras.append("非政务外链")
        if low.count("!") + low.count("?") >= 2 or _EMOJI.search(norm):
            extras.append("感叹/表情")
        weak_only, illicit = lex["weak_only"], lex["illicit"]
        fam_scores = {f: min(3, len(t) + (1 if f in strong_families else 0)) for f, t in families.items()}
        if frames:  # an official voice: ordinary selling words do not count
            fam_scores = {f: (0 if f in weak_only and f not in strong_families else s)
                          for f, s in fam_scores.items()}
        score = sum(fam_scores.values()) + len(extras) + (2 if contacts else 0)
        score -= min(2, len(frames))
        many = int(self.param(ctx, "family_strong_terms"))
        strong = bool(strong_families & (illicit | set(content))) or (not frames and (
            bool(strong_families)
            or any(len(t) >= many for f, t in families.items()
                   if f not in weak_only and f not in content)
            or bool(contacts)
            or ("非政务外链" in extras and ("价格/金额" in extras or "诱导话术" in extras))))
        if strong and not content and not contacts and self.param(ctx, "own_strong_needs_content") \
                and self.param(ctx, "content_detectors") and reads_chinese(norm):
            # the specialists read it and found no ad: a report or a warning about one (they read
            # Chinese: a post with almost none, an English token promotion, they cannot judge)
            strong = False
        out.update(score=max(score, 0), extras=extras, family_scores=fam_scores)
        out["spam"] = strong or score >= int(self.param(ctx, "spam_min_score"))
        out["strong"] = strong
        return out

    def _official_register(self, ctx: DetectContext) -> Any:
        """A test: does a text hold any of ``official_vocabulary``?"""
        words = tuple(normalize(str(w)) for w in self.param(ctx, "official_vocabulary") or ())
        return lambda text: any(w in normalize(text) for w in words)

    def _foreign_official(self, ctx: DetectContext) -> re.Pattern[str]:
        """Any word of ``foreign_official_vocabulary``, whole, case-insensitive."""
        words = self.param(ctx, "foreign_official_vocabulary") or ()
        alternatives = "|".join(re.escape(str(w)) for w in words)
        return self._regex("foreign_official", rf"\b(?:{alternatives})\b" if alternatives else "")

    def _commercial_hint(self, ctx: DetectContext) -> re.Pattern[str]:
        return self._regex("hint", str(self.param(ctx, "commercial_hint") or ""))

    def _regex(self, key: str, pattern: str) -> re.Pattern[str]:
        """``pattern`` compiled case-insensitive, kept under ``key`` until it changes (an empty
        pattern matches nothing)."""
        pattern = pattern or r"(?!x)x"
        cached = self._lexicon_cache.get(key)
        if cached is None or cached[0] != pattern:
            cached = self._lexicon_cache[key] = (pattern, re.compile(pattern, re.IGNORECASE))
        return cached[1]

    def _content_findings(self, text: Any, links: Any, ctx: DetectContext,
                          ) -> dict[str, tuple[list[str], bool, str]]:
        """``{detector: (matched terms, strong, rule)}`` of the content detectors
        (``content_detectors``) that flag the text as a post of the account."""
        names = self.param(ctx, "content_detectors") or {}
        if not names or not text:
            return {}
        installed = installed_plugins().detectors  # the installed ones (a user's replacement too)
        probe = {"_id": "hijacked_account:probe", "item_type": "post", "platform": "weibo",
                 "text": str(text), "links": [u for u in links or () if isinstance(u, str)]}
        out: dict[str, tuple[list[str], bool, str]] = {}
        for name, spec in names.items():
            det = installed.get(name)
            if det is None or det.scope != "item" or "post" not in det.accepts:
                continue
            strong_rules = (spec or {}).get("strong_rules") or ()
            for f in det.detect(probe, ctx):
                terms = [str(m["text"]) for m in (f.evidence or {}).get("matches") or ()
                         if isinstance(m, dict) and m.get("text")]
                out[name] = (sorted(set(terms))[:5] or [str(f.rule)],
                             strong_rules == "*" or f.rule in strong_rules, str(f.rule))
                break
        return out

    def spam_terms(self, text: Any, ctx: DetectContext) -> dict[str, Any] | None:
        """The spam evidence of one text, or ``None`` when it reads as normal."""
        sig = self.signals(text, ctx)
        if not sig["spam"]:
            return None
        terms = sorted({t for ts in sig["families"].values() for t in ts})
        return {"strong": sig["strong_terms"], "weak": terms, "contacts": sig["contacts"]}

    # ------------------------------------------------------------------ the account
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
        past = past[-int(self.param(ctx, "max_past_compare")):]  # the latest past is enough
        # --- the account's own past: its habits (families), its sources, its wording
        max_share = float(self.param(ctx, "baseline_max_share"))
        family_counts: dict[str, int] = {}
        strong_families: set[str] = set()
        past_strong = 0
        for _, p in past:
            sig = self.signals(_text(p), ctx, p.get("links"))
            past_strong += sig["strong"]
            if sig["spam"]:
                for fam in sig["families"]:
                    family_counts[fam] = family_counts.get(fam, 0) + 1
                    if sig["strong"]:
                        strong_families.add(fam)
        if past_strong / len(past) > max_share:
            return  # no normal past to compare with
        habit_share = float(self.param(ctx, "habit_share"))
        habits = {f for f, n in family_counts.items()
                  if n / len(past) > habit_share and n >= int(self.param(ctx, "habit_min_posts"))}
        past_sources = {p.get("source") for _, p in past if p.get("source")}
        compare: list[set[str]] | None = None  # bigrams of the past, built on the first need
        official = self._official_register(ctx)
        registered = sum(1 for _, p in past if official(_text(p))) / len(past)
        register_break = registered >= float(self.param(ctx, "register_min_share"))
        # --- the account's own ad-likeness: a change against it counts even where each post
        # alone is weak (see _change)
        change = self._change_baseline(past, recent, ctx)
        # --- the account's language: a post in one it never used is a change against it (the
        # past is read only when a recent post is in another language: most accounts, none)
        foreign = {id(p) for _, p in recent if _other_language(_text(p), ctx, self)
                   and not self._foreign_official(ctx).search(_text(p))}
        language_change = bool(foreign) and sum(
            _other_language(_text(p), ctx, self) for _, p in past) / len(past) <= float(
            self.param(ctx, "language_max_past_share"))
        # --- recent posts that are spam-like and unlike the past
        flagged = []
        normal_times = []  # recent posts that read as the account's own
        for t, p in recent:
            sig = self.signals(_text(p), ctx, p.get("links"))
            if change is not None:
                sig = self._change(sig, change["recent"].get(id(p), 0.0), change["past"], ctx)
            if not sig["spam"] and register_break and not sig["warning"] and not official(_text(p)):
                hint = self._commercial_hint(ctx).search(normalize(_text(p)))
                if hint:  # none of the register the account always spoke, and a sales hint
                    sig = {**sig, "spam": True, "families": {"register_break": [hint.group(0)]},
                           "score": int(self.param(ctx, "register_break_score"))}
            if language_change and id(p) in foreign and not sig["warning"]:
                # written in a language the account's past never used: weak alone, a burst counts
                words = FOREIGN_LETTERS.findall(NOT_WORDS.sub(" ", _text(p)))
                mark = " ".join(words[:3])
                sentence = self.param(ctx, "language_strong_words")
                strong = sentence is not None and sum(len(w) >= 2 for w in words) >= int(sentence)
                sig = {**sig, "spam": True, "strong": sig["strong"] or strong,
                       "strong_terms": sig["strong_terms"] + ([f"外文整句「{mark}…」"] if strong else []),
                       "score": max(sig["score"], int(self.param(ctx, "language_change_score"))),
                       "families": {**sig["families"], "language_change": [mark]}}
            if sig["spam"] and not sig["strong"] and self._excused(_text(p), ctx):
                sig = {**sig, "spam": False}
            if not sig["spam"]:
                normal_times.append(t)
                continue
            # a habit excuses weak posts of its family; a strong one only if the past had strong ones
            new_families = sorted(f for f in sig["families"] if f not in habits
                                  or (sig["strong"] and f not in strong_families))
            if not new_families and not (sig["contacts"] and sig["strong"]):
                continue  # the account's usual kind of post
            if compare is None:
                compare = [_bigrams(_text(q)) for _, q in past]
            similarity = _max_containment(_bigrams(_text(p)), compare)
            if similarity >= float(self.param(ctx, "max_similarity")):
                continue  # repeats a past post
            source = p.get("source")
            new_source = bool(source and past_sources and source not in past_sources)
            flagged.append({"t": t, "post": p, "sig": sig, "similarity": similarity,
                            "new_families": new_families, "new_source": new_source,
                            "score": sig["score"] + (1 if new_source else 0)})
        if not flagged:
            return
        episode = self._episode(flagged, normal_times, ctx)
        if episode is None:
            return
        yield self._finding(subject, episode, flagged, recent, past, past_sources, habits,
                            family_counts, window_start, ctx)

    def _excused(self, text: str, ctx: DetectContext) -> bool:
        """Whether ``change_detector`` (commercial_ad) keeps its model quiet on a post that
        reads Chinese: a regulator's case, a warning, a public notice in its frames. Such a post
        is not weakly spam-like by this detector's families alone (``specialists_excuse_weak``:
        a burst of three regulators' texts that quote ads' words was a takeover)."""
        if not self.param(ctx, "specialists_excuse_weak") or not reads_chinese(normalize(text)):
            return False
        det = self._specialist(ctx)
        return det is not None and hasattr(det, "model_silenced") and det.model_silenced([text], ctx)

    def _specialist(self, ctx: DetectContext) -> Any:
        """The installed ``change_detector`` (commercial_ad), or ``None`` when it is off or absent."""
        name = self.param(ctx, "change_detector")
        return installed_plugins().detectors.get(str(name)) if name else None

    def _change_baseline(self, past: list[Any], recent: list[Any], ctx: DetectContext,
                         ) -> dict[str, Any] | None:
        """The ad-likeness (``change_detector``'s text model, see ``CommercialAd.ad_likeness``)
        of the recent posts and the account's usual level: the ``change_past_quantile`` of its
        latest ``change_past_sample`` past posts, read without frame excuses. ``None`` when the
        detector or its model is off."""
        det = self._specialist(ctx)
        if det is None or not hasattr(det, "ad_likeness") or det.text_model(ctx) is None:
            return None
        # the recent posts with commercial_ad's frame excuses; the past as it reads (a public-
        # interest promotion it often posts is its usual level), scored only when a recent post
        # could count at all (most accounts: none)
        now = det.ad_likeness([_text(p) for _, p in recent], ctx)
        usual = 0.0
        if max(now, default=0.0) >= float(self.param(ctx, "change_min_probability")):
            sample = past[-int(self.param(ctx, "change_past_sample")):]
            before = sorted(det.ad_likeness([_text(p) for _, p in sample], ctx, excuse=False))
            rank = max(0, math.ceil(float(self.param(ctx, "change_past_quantile")) * len(before)) - 1)
            usual = before[rank] if before else 0.0
        return {"past": usual, "recent": {id(p): a for (_, p), a in zip(recent, now, strict=True)}}

    def _change(self, sig: dict[str, Any], likeness: float, usual: float,
                ctx: DetectContext) -> dict[str, Any]:
        """A post's signals with the change against the account's past added: it reads as an ad
        (``change_min_probability``) by ``change_margin`` more than the account usually does, in
        no official frame and no warning. Such a post is spam-like (``change_score``) even when no
        term of it is (two within ``episode_days`` make an episode); strongly so (one makes an
        episode, like a strong term) from ``change_strong_probability`` and ``change_strong_margin``
        when that is set, or when a content detector of
        ``change_agree_families`` flagged it too by a rule and it reads from
        ``change_agree_probability``, ``change_agree_margin`` above the past (the rules and the model agree, against the account's own history)."""
        t = lambda key: float(self.param(ctx, key))  # noqa: E731
        if sig["warning"] or sig["frames"] or likeness < max(t("change_min_probability"),
                                                             usual + t("change_margin")):
            return sig
        # the model alone makes a post strongly spam-like only when change_strong_probability is
        # set (null by default: one post the model reads as an ad, a county head's 助农 sales
        # talk, is no takeover; a burst of them is)
        alone = self.param(ctx, "change_strong_probability")
        strong = alone is not None and likeness >= float(alone) and likeness - usual >= t(
            "change_strong_margin")
        # two independent readings agree: a content detector's rules (not its own text model)
        # found the post an ad and the text model reads it far above the account's past
        agree = [f for f in self.param(ctx, "change_agree_families") or ()
                 if f in sig.get("by_rules", ())]
        if agree and likeness >= t("change_agree_probability") and likeness - usual >= t(
                "change_agree_margin"):
            strong = True
        mark = f"广告式文本概率{likeness:.2f}（该账号以往约{usual:.2f}）"
        return {**sig, "spam": True, "strong": sig["strong"] or strong,
                "families": {**sig["families"], "ad_change": [mark]},
                "strong_terms": sig["strong_terms"] + ([mark] if strong else []),
                "score": max(sig["score"], int(t("change_score"))), "ad_likeness": round(likeness, 2)}

    def _episode(self, flagged: list[dict[str, Any]], normal_times: list[datetime],
                 ctx: DetectContext) -> list[dict[str, Any]] | None:
        """The flagged posts of the hijack episode, or ``None`` when they do not make one.

        A lone post followed (or accompanied, in one push) by the account's ordinary posting is
        an ad the account itself published (commercial_ad's finding), not a takeover.
        """
        span = timedelta(days=float(self.param(ctx, "episode_days")))
        max_after = int(self.param(ctx, "single_max_normal_after"))
        weak_only = set(self.param(ctx, "weak_only_families") or ())
        best: list[dict[str, Any]] | None = None
        start = 0
        for end in range(len(flagged)):  # sliding window over time-sorted posts: linear
            while flagged[end]["t"] - flagged[start]["t"] > span:
                start += 1
            group = flagged[start:end + 1]
            strong = any(f["sig"]["strong"] for f in group)
            substantive = any(set(f["new_families"]) - weak_only or f["sig"]["contacts"]
                              or f["score"] >= int(self.param(ctx, "substantive_score")) for f in group)
            weak_ok = (len(group) >= int(self.param(ctx, "min_weak_posts")) and substantive
                       and sum(f["score"] for f in group) >= int(self.param(ctx, "min_episode_score")))
            if len(group) == 1 and len(normal_times) - bisect.bisect_left(
                    normal_times, group[-1]["t"]) > max_after:
                continue  # (ordinary posts of the same push count: the push is the account's)
            if (strong or weak_ok) and (best is None or _rank(group) > _rank(best)):
                best = group
        return best

    def _finding(self, subject: AccountHistory, episode: list[dict[str, Any]],
                 flagged: list[dict[str, Any]], recent: list[Any], past: list[Any],
                 past_sources: set[Any], habits: set[str], family_counts: dict[str, int],
                 window_start: datetime, ctx: DetectContext) -> Finding:
        account = subject.account
        labels = {f: (spec or {}).get("label", f) for f, spec in (self.param(ctx, "families") or {}).items()}
        labels["register_break"] = "与以往官方语体不符的推销"
        labels["ad_change"] = "与账号以往内容明显不同的广告式文本"
        labels["language_change"] = "外文"
        labels.update({str(k): str((v or {}).get("label") or k)
                       for k, v in (self.param(ctx, "content_detectors") or {}).items()})
        families = sorted({f for e in episode for f in e["new_families"]})
        strong = [e for e in episode if e["sig"]["strong"]]
        new_sources = sorted({e["post"].get("source") for e in episode if e["new_source"]})
        mean_sim = sum(e["similarity"] for e in episode) / len(episode)
        first, last = episode[0]["t"], episode[-1]["t"]
        hours = (last - first).total_seconds() / 3600
        deleted = sum(1 for e in episode if e["post"].get("deleted"))
        examples = []
        for e in episode[: int(self.param(ctx, "max_examples"))]:
            sig, p = e["sig"], e["post"]
            examples.append({
                "post_id": p.get("_id"), "url": p.get("url"), "published_at": evidence_time(e["t"]),
                "text": _text(p)[:200], "score": e["score"], "strong": sig["strong"],
                "families": {labels.get(f, f): ts for f, ts in sig["families"].items()},
                "strong_terms": sig["strong_terms"], "contacts": sig["contacts"],
                "signals": sig["extras"], "official_frames": sig["frames"],
                "similarity_to_past": round(e["similarity"], 2), "source": p.get("source"),
                "new_source": e["new_source"], "deleted": bool(p.get("deleted")),
                "ad_likeness": sig.get("ad_likeness")})
        terms = sorted({t for e in episode for ts in e["sig"]["families"].values() for t in ts})
        evidence = {
            "window_from": evidence_time(window_start), "recent_posts": len(recent),
            "spam_posts": len(episode), "spam_like_recent_posts": len(flagged),
            "strong_posts": len(strong), "episode_from": evidence_time(first), "episode_to": evidence_time(last),
            "episode_hours": round(hours, 1), "baseline_posts": len(past),
            "baseline_habits": sorted(labels.get(f, f) for f in habits),
            "families": [labels.get(f, f) for f in families], "terms": terms[:20],
            "mean_similarity_to_past": round(mean_sim, 2), "new_sources": new_sources,
            "baseline_sources": sorted(s for s in past_sources if s)[:10],
            "deleted_posts": deleted, "examples": examples,
        }
        # the burst rate: posts a day in the episode against the account's past
        past_days = max(1.0, (past[-1][0] - past[0][0]).total_seconds() / 86400) if past else 1.0
        usual_rate = len(past) / past_days
        rate = len(episode) / max(1.0, hours / 24)
        evidence.update(past_posts_per_day=round(usual_rate, 2), episode_posts_per_day=round(rate, 2))
        kinds = "、".join(labels.get(f, f) for f in families) or "营销"
        before = max((family_counts.get(f, 0) for f in families), default=0)
        past_like = "无此类内容" if before == 0 else f"此类内容至多{before}条"
        evidence["baseline_family_posts"] = {labels.get(f, f): family_counts.get(f, 0) for f in families}
        signals = []
        if strong:
            marks = sorted({t for e in strong for t in e["sig"]["strong_terms"]}
                           | {c for e in strong for c in e["sig"]["contacts"]})
            head = "含" if len(episode) == 1 else f"其中{len(strong)}条含"
            signals.append(f"{head}明显违规推广信号（{'、'.join(marks[:4]) or '同类用语密集'}）")
        if len(flagged) > len(episode):
            signals.append(f"近{int(self.param(ctx, 'recent_days'))}天此类内容共{len(flagged)}条")
        if "language_change" in families:
            signals.append(f"账号此前{len(past)}条发布均为中文，此次改用外文，请核实是否为本单位所发")
        if new_sources:
            signals.append(f"发布来源「{'、'.join(new_sources)}」此前从未使用")
        if len(episode) > 1 and rate >= 3 * usual_rate:
            signals.append(f"发布频率约为以往的{rate / usual_rate:.0f}倍")
        if deleted:
            signals.append(f"{deleted}条已被删除")
        sample = _text(episode[0]["post"]).replace("\n", " ")
        sample = sample[:30] + ("…" if len(sample) > 30 else "")
        when = (f"{cst_date(first)}" if hours < 24 else f"{cst_date(first)}至{cst_date(last)}")
        # only the language changed: weaker evidence than spam, so its own rule, a lower score
        # and severity (a suspected takeover to verify, not a veto by itself)
        language_only = all(set(e["sig"]["families"]) == {"language_change"} for e in episode)
        message = (f"账号「{account_name(account)}」在{when}"
                   f"{'' if len(episode) == 1 else f'约{max(hours, 1):.0f}小时内'}发布{len(episode)}条"
                   f"{kinds}类信息（如「{sample}」，涉及{'、'.join(terms[:6])}）"
                   + (f"，{'；'.join(signals)}" if signals else "")
                   + f"；这些内容与该账号此前{len(past)}条发布内容明显不符"
                     f"（与以往单条内容的文字重合度平均{mean_sim:.0%}，以往{past_like}），"
                   + ("疑似账号被盗用（待核实，属实的按单项否决处理）。" if language_only
                      else "疑似账号被盗用（单项否决）。"))
        rule = "spam_burst" if len(episode) > 1 else "spam_post"
        score = min(1.0, 0.7 + 0.1 * len(strong) + 0.05 * len(episode) + (0.1 if new_sources else 0.0))
        severity = None
        if language_only:
            rule, score, severity = "language_change", min(score, 0.6), "high"
        return self.finding(subject=account, rule=rule, ctx=ctx, subject_type="account",
                            evidence=evidence, score=round(score, 2), message=message,
                            severity=severity)

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


def _outermost(terms: list[str]) -> list[str]:
    """Distinct terms, without those inside a longer matched one (下款 in 秒下款)."""
    unique = sorted(set(terms), key=len, reverse=True)
    kept: list[str] = []
    for t in unique:
        if not any(t in k for k in kept):
            kept.append(t)
    return sorted(kept)


def _rank(group: list[dict[str, Any]]) -> tuple[int, int, int]:
    return (sum(1 for f in group if f["sig"]["strong"]), len(group), sum(f["score"] for f in group))


def _bigrams(text: str) -> set[str]:
    c = compact(text)
    return {c[i:i + 2] for i in range(len(c) - 1)}


def _max_containment(grams: set[str], past: list[set[str]]) -> float:
    """The largest share of ``grams`` found in one past post (1.0: a repeat)."""
    if not grams:
        return 0.0
    best = 0
    for other in past:
        if len(other) > best:
            best = max(best, len(grams & other))
    return best / len(grams)


def _other_language(text: str, ctx: DetectContext, det: HijackedAccount) -> bool:
    """Is ``text`` written in a language other than Chinese (:func:`._text.other_language`,
    with ``language_min_letters``)?"""
    return other_language(text, int(det.param(ctx, "language_min_letters")))


def _text(post: dict[str, Any]) -> str:
    return "\n".join(s for s in (post.get("title"), post.get("text")) if s)


def _shared_chars(a: str, b: str) -> int:
    """Distinct characters two names share (order-free: 平安某市 / 某市公安局)."""
    return len(set(a) & set(b)) if a and b else 0


DETECTORS = [DormantAccount(), NoInteraction(), FanBuying(), HijackedAccount()]
