"""The supervisor's report: verdicts, pass rates, scorecards, findings with evidence, charts.

:func:`build_report` reads the corpus (``accounts``, ``posts``, ``comments``, ``apps``,
``findings``, ``crawl_runs``) and writes into ``out_dir``:

* ``index.html``: a self-contained report in Chinese, laid out like the reports supervisors
  publish (pass rate per platform and level, the list of failing accounts with the reasons),
  plus a scorecard per account, the findings with their evidence and the counterfeit apps;
* ``charts/*.png``: the charts (also embedded in the HTML);
* ``findings.csv`` (UTF-8 with BOM, for spreadsheet software) and ``scorecard.json``.

Hostile content stays inert: only ``http(s)`` URLs become links (a ``javascript:`` or ``data:``
URL in stored data is shown nowhere as a link and left out of the CSV's ``url`` column), and a CSV
cell that a spreadsheet would read as a formula (starting with ``= + - @``, a tab or a line
break) is prefixed with ``'`` (OWASP's advice against CSV injection).

The national verdict of an account is 不合格 when any veto finding stands (a finding a supervisor
marked ``dismissed`` / ``false_positive`` / ``resolved``, or ``cleared`` by a later scan that no
longer found it, does not), else 合格. Findings of
time-dependent detectors (not updated, no replies...) count only from the latest scan at or
before the monitoring time. An optional local scheme (YAML) adds a 100-point score.
"""

from __future__ import annotations

import base64
import csv
import functools
import io
import json
import logging
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment
from markupsafe import Markup, escape

from govspider.processors import CST, http_url, isoformat
from govspider.registry import AccountRegistry

logger = logging.getLogger(__name__)

#: statuses a supervisor sets on a finding that take it out of the verdict
CLEARED = frozenset({"dismissed", "false_positive", "resolved", "closed", "cleared"})
#: detectors whose findings describe the state at the scan's monitoring time
TIME_DEPENDENT = frozenset({"dormant_account", "no_interaction", "fan_buying"})
SEVERITY_ORDER = {"veto": 0, "high": 1, "medium": 2, "low": 3}
SEVERITY_LABEL = {"veto": "单项否决", "high": "严重", "medium": "一般", "low": "提示"}
PLATFORM_LABEL = {"weibo": "微博", "wechat": "微信公众号", "douyin": "抖音", "itunes": "App Store",
                  "myapp": "应用宝", "huawei": "华为应用市场", "xiaomi": "小米应用商店"}
LEVEL_LABEL = {"province": "省级", "city": "市级", "county": "县级", "": "未知"}
#: scorecard columns: key, label, detectors
INDICATORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("update", "更新", ("dormant_account",)),
    ("interaction", "互动", ("no_interaction",)),
    ("safety", "安全/雷人雷语", ("inappropriate_speech", "sensitive_content")),
    ("ads", "广告", ("commercial_ad",)),
    ("fans", "买粉", ("fan_buying",)),
    ("typo", "错别字", ("serious_typo",)),
    ("privacy", "隐私", ("privacy_leak",)),
    ("hijack", "被盗", ("hijacked_account",)),
    ("offtopic", "娱乐化", ("off_topic",)),
    ("naming", "开设/名称", ("account_registry",)),
)
DETECTOR_LABEL = {
    "dormant_account": "内容不更新", "no_interaction": "互动回应差", "inappropriate_speech": "雷人雷语",
    "commercial_ad": "商业广告", "hijacked_account": "账号被盗", "fan_buying": "买粉丝",
    "counterfeit_app": "山寨应用", "seo_spam": "网页暗链", "serious_typo": "严重错别字",
    "privacy_leak": "隐私泄露", "sensitive_content": "有害信息", "off_topic": "过度娱乐化",
    "account_registry": "开设整合/名称规范",
}
_INDICATOR_OF = {d: key for key, _, dets in INDICATORS for d in dets}
_CSV_FIELDS = ("detector", "indicator", "severity", "rule", "status", "verdict_effect", "unit",
               "account_id", "account_name", "platform", "subject_type", "subject_id", "url",
               "message", "detected_at", "detector_version", "evidence")


class ReportError(ValueError):
    """Bad report input (an unreadable scheme...); the message names the cause."""


# ============================================================================ data
@dataclass
class AccountCard:
    """One account's verdict and scorecard."""

    account_id: str
    name: str
    platform: str
    unit: str = ""
    level: str = ""
    region: str = ""
    url: str | None = None
    monitored: bool = True
    verdict: str = "合格"
    reasons: list[str] = field(default_factory=list)
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: int = 0
    posts_in_period: int = 0
    posts_per_week: float = 0.0
    last_post_at: str | None = None
    longest_gap_days: float | None = None
    followers: int | None = None
    score: float | None = None
    grade: str | None = None
    deductions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    """Everything the report shows (also written as ``scorecard.json``)."""

    now: str
    period_days: int | None
    cards: list[AccountCard]
    platforms: list[dict[str, Any]]
    levels: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    apps: list[dict[str, Any]]
    other: list[dict[str, Any]]
    crawls: list[dict[str, Any]]
    by_detector: dict[str, dict[str, int]]
    scheme: dict[str, Any] | None = None
    #: platform -> week (its Monday, YYYY-MM-DD) -> posts, over the last 12 weeks
    weekly: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def judged(self) -> list[AccountCard]:
        return [c for c in self.cards if c.monitored]

    def summary(self) -> dict[str, Any]:
        judged = self.judged
        failed = sum(c.verdict == "不合格" for c in judged)
        return {"accounts": len(self.cards), "judged": len(judged), "passed": len(judged) - failed,
                "failed": failed, "not_monitored": len(self.cards) - len(judged),
                "pass_rate": _rate(len(judged) - failed, len(judged)),
                "findings": len(self.findings), "counterfeit_apps": len(self.apps)}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _aware(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str) and value:
        try:
            from govspider.processors import parse_time

            return _aware(parse_time(value))
        except ValueError:
            return None
    return None


def _iso(value: Any) -> str | None:
    t = _aware(value)
    return isoformat(t) if t else None


def _short(value: Any) -> str:
    t = _aware(value)
    return t.astimezone(CST).strftime("%Y-%m-%d %H:%M") if t else ""


# ============================================================================ scheme
def load_scheme(scheme: str | Path | dict[str, Any] | None) -> dict[str, Any] | None:
    """A local scheme from YAML (path) or a dict; :class:`ReportError` when it is unusable."""
    if scheme is None:
        return None
    if isinstance(scheme, dict):
        data, where = scheme, "scheme"
    else:
        where = str(scheme)
        try:
            data = yaml.safe_load(Path(scheme).read_bytes().decode("utf-8-sig"))
        except OSError as exc:
            raise ReportError(f"cannot read scheme {where}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ReportError(f"{where}: not UTF-8 text (a binary file?)") from None
        except yaml.YAMLError as exc:
            raise ReportError(f"{where}: not valid YAML ({exc.__class__.__name__})") from None
        except RecursionError:
            raise ReportError(f"{where}: nested too deeply to be a scheme") from None
    if not isinstance(data, dict):
        raise ReportError(f"{where}: a scheme is a mapping (see scheme-example.yaml)")
    for key in ("base", "pass_score", "good_score", "period_days"):
        if key in data and data[key] is not None and (
                not isinstance(data[key], (int, float)) or isinstance(data[key], bool)):
            raise ReportError(f"{where}: {key!r} must be a number")
    if not isinstance(data.get("deductions") or [], list):
        raise ReportError(f"{where}: 'deductions' must be a list")
    for i, rule in enumerate(data.get("deductions") or []):
        if not isinstance(rule, dict) or not rule.get("detectors"):
            raise ReportError(f"{where}: deductions[{i}] needs 'detectors'")
    return data


def apply_scheme(card: AccountCard, findings: list[dict[str, Any]], scheme: dict[str, Any]) -> None:
    """Score one account: base - capped deductions + bonus; grade by the thresholds."""
    score = float(scheme.get("base", 100))
    deductions = []
    for rule in scheme.get("deductions") or []:
        dets = set(rule["detectors"])
        points_by_rule = rule.get("rules") or {}
        total = 0.0
        for f in findings:
            if f["detector"] in dets:
                total += float(points_by_rule.get(f.get("rule"), rule.get("points", 0)))
        if total:
            cap = rule.get("cap")
            taken = min(total, float(cap)) if cap is not None else total
            deductions.append({"indicator": rule.get("indicator", "/".join(sorted(dets))),
                               "points": -taken})
            score -= taken
    cadence = scheme.get("cadence") or {}
    if cadence.get("max_gap_days") and card.monitored:
        gap = card.longest_gap_days
        if gap is not None and gap > float(cadence["max_gap_days"]):
            points = float(cadence.get("points", 0))
            deductions.append({"indicator": f"更新间隔超过{cadence['max_gap_days']}天",
                               "points": -points})
            score -= points
    metrics = {"posts_per_week": card.posts_per_week, "posts_in_period": card.posts_in_period}
    for bonus in scheme.get("bonus") or []:
        value = metrics.get(str(bonus.get("metric")))
        if value is not None and value >= float(bonus.get("min", 0)):
            points = float(bonus.get("points", 0))
            deductions.append({"indicator": bonus.get("indicator", bonus.get("metric")),
                               "points": points})
            score += points
    score = max(0.0, score)
    card.score = round(score, 1)
    card.deductions = deductions
    if scheme.get("veto_fails", True) and card.verdict == "不合格":
        card.grade = "不合格"
    elif score < float(scheme.get("pass_score", 60)):
        card.grade = "不合格"
    elif score >= float(scheme.get("good_score", 80)):
        card.grade = "优秀"
    else:
        card.grade = "合格"


# ============================================================================ gathering
def _standing(findings: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Findings that count at ``now``: not cleared, not from the future, and for time-dependent
    detectors only those of the latest scan at or before ``now``."""
    keep = []
    latest: dict[str, datetime] = {}
    for f in findings:
        if f.get("status") in CLEARED:
            continue
        at = _aware(f.get("detected_at"))
        if at is not None and at > now + timedelta(minutes=1):
            continue
        f["_at"] = at
        keep.append(f)
        if f.get("detector") in TIME_DEPENDENT and at is not None:
            latest[f["detector"]] = max(latest.get(f["detector"], at), at)
    out = []
    for f in keep:
        last = latest.get(f.get("detector", ""))
        if last is not None and f["_at"] is not None and f["_at"] < last - timedelta(hours=1):
            continue  # superseded by a later scan
        out.append(f)
    return out


def _registry_info(registry: AccountRegistry | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    by_account = {a.account_id: a for a in registry.accounts} if registry else {}
    return by_account, (registry.units if registry else {})


def _post_stats(db: Any, now: datetime, period_days: int | None,
                ) -> tuple[dict[str, dict[str, Any]], dict[str, Counter[str]]]:
    """Per account: posts in the period, last post, longest gap; per platform: posts by week."""
    start = now - timedelta(days=period_days or 90)
    weeks_from = now - timedelta(weeks=12)
    times: dict[str, list[datetime]] = defaultdict(list)
    last: dict[str, datetime] = {}
    weekly: dict[str, Counter[str]] = defaultdict(Counter)
    cursor = db["posts"].find({}, {"account_id": 1, "platform": 1, "published_at": 1, "deleted": 1})
    for doc in cursor:
        t = _aware(doc.get("published_at"))
        if t is None or t > now or doc.get("deleted"):
            continue
        account = doc.get("account_id") or ""
        if account not in last or t > last[account]:
            last[account] = t
        if t >= start:
            times[account].append(t)
        if t >= weeks_from:
            local = t.astimezone(CST)
            monday = (local - timedelta(days=local.weekday())).strftime("%Y-%m-%d")
            weekly[str(doc.get("platform") or "?")][monday] += 1
    stats = {}
    for account in set(last) | set(times):
        ts = sorted(times.get(account, []))
        points = [start, *ts, now]
        gap = max((b - a).total_seconds() / 86400 for a, b in zip(points, points[1:], strict=False))
        first = max(start, ts[0]) if ts else start
        weeks = max((now - first).total_seconds() / 86400 / 7, 1.0)
        stats[account] = {"posts": len(ts), "per_week": round(len(ts) / weeks, 2),
                          "last": last.get(account), "gap": round(gap, 1)}
    return stats, weekly


def _subjects(db: Any, findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The documents findings are about (posts, comments, apps, pages), by ``_id``."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        kind = f.get("subject_type")
        if kind in ("post", "comment", "app", "page"):
            wanted[kind].add(str(f.get("subject_id")))
    out: dict[str, dict[str, Any]] = {}
    collections = {"post": "posts", "comment": "comments", "app": "apps", "page": "pages"}
    projection = {"raw_html": 0}
    for kind, ids in wanted.items():
        id_list = sorted(ids)
        for i in range(0, len(id_list), 500):
            for doc in db[collections[kind]].find({"_id": {"$in": id_list[i:i + 500]}}, projection):
                doc["item_type"] = kind
                out[str(doc["_id"])] = doc
    posts_of_comments = {str(d.get("post_id")) for d in out.values()
                         if d["item_type"] == "comment" and d.get("post_id")} - set(out)
    if posts_of_comments:
        for doc in db["posts"].find({"_id": {"$in": sorted(posts_of_comments)}},
                                    {"url": 1, "account_id": 1}):
            doc["item_type"] = "post"
            out[str(doc["_id"])] = doc
    return out


def gather(db: Any, now: datetime, registry: AccountRegistry | None = None,
           scheme: dict[str, Any] | None = None) -> Report:
    """Read the corpus and compute verdicts, pass rates and scorecards."""
    period_days = scheme.get("period_days") if scheme else None
    accounts = {str(a["_id"]): a for a in db["accounts"].find({})}
    reg_accounts, reg_units = _registry_info(registry)
    findings = _standing(list(db["findings"].find({})), now)
    subjects = _subjects(db, findings)
    if period_days:
        start = now - timedelta(days=int(period_days))
        findings = [f for f in findings
                    if not ((t := _aware(subjects.get(str(f.get("subject_id")), {}).get("published_at")))
                            and t < start)]
    stats, weekly = _post_stats(db, now, period_days)

    # which account each finding concerns
    for f in findings:
        subject = subjects.get(str(f.get("subject_id")), {})
        f["_account"] = f.get("account_id") or subject.get("account_id") or (
            f.get("subject_id") if f.get("subject_type") == "account" else None)
        f["_url"] = _finding_url(f, subject, subjects)
        f["_subject"] = subject

    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        if f["_account"] and f.get("detector") != "counterfeit_app":
            by_account[str(f["_account"])].append(f)

    cards = []
    for account_id, account in accounts.items():
        entry = reg_accounts.get(account_id)
        unit = account.get("unit") or (entry.unit if entry else "")
        meta = reg_units.get(unit, {})
        level = (entry.level if entry else "") or str(meta.get("level") or account.get("level") or "")
        own = sorted(by_account.get(account_id, []), key=_finding_order)
        st = stats.get(account_id, {})
        card = AccountCard(
            account_id=account_id, name=str(account.get("name") or (entry.name if entry else "")
                                             or account.get("platform_id") or account_id),
            platform=str(account.get("platform") or account_id.split(":", 1)[0]), unit=unit,
            level=level if level in LEVEL_LABEL else "",
            region=str(meta.get("region_name") or account.get("region") or ""),
            url=http_url(account.get("url")), findings=len(own), followers=account.get("followers"),
            posts_in_period=st.get("posts", 0), posts_per_week=st.get("per_week", 0.0),
            last_post_at=_iso(st.get("last") or account.get("last_post_at")),
            longest_gap_days=st.get("gap"))
        card.monitored = bool(own) or account_id in stats or any(
            account.get(k) is not None for k in ("posts_count", "followers", "verified", "last_post_at"))
        vetoes = [f for f in own if f.get("severity") == "veto"]
        if vetoes:
            card.verdict = "不合格"
            card.reasons = list(dict.fromkeys(
                f"{f.get('indicator') or DETECTOR_LABEL.get(f['detector'], f['detector'])}：{f.get('message', '')}"
                for f in vetoes))
        elif not card.monitored:
            card.verdict = "未监测"
        for key, _label, dets in INDICATORS:
            hits = [f for f in own if f.get("detector") in dets]
            worst = min((f.get("severity", "low") for f in hits), key=lambda s: SEVERITY_ORDER.get(s, 9),
                        default=None)
            card.indicators[key] = {"count": len(hits), "worst": worst}
        others = [f for f in own if f.get("detector") not in _INDICATOR_OF]
        card.indicators["other"] = {"count": len(others), "worst": min(
            (f.get("severity", "low") for f in others), key=lambda s: SEVERITY_ORDER.get(s, 9), default=None)}
        if scheme:
            apply_scheme(card, own, scheme)
        cards.append(card)
    cards.sort(key=lambda c: (c.verdict != "不合格", c.platform, c.unit, c.name))

    platforms = _rates(cards, lambda c: c.platform, PLATFORM_LABEL)
    levels = _rates(cards, lambda c: c.level, LEVEL_LABEL, order=("province", "city", "county", ""))
    apps = _counterfeit_rows(findings)
    other = [f for f in findings if not f["_account"] and f.get("detector") != "counterfeit_app"]
    by_detector: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in findings:
        by_detector[f.get("detector", "?")][f.get("severity", "low")] += 1
    crawls = [{"spider": c.get("spider"), "started_at": _short(c.get("started_at")),
               "finished_at": _short(c.get("finished_at")), "status": c.get("status", ""),
               "finish_reason": c.get("finish_reason", ""),
               "items": sum(v for k, v in (c.get("stats") or {}).items()
                            if k.startswith("govspider/items/") and isinstance(v, int)),
               "errors": sum(v for v in (c.get("errors") or {}).values() if isinstance(v, int))}
              for c in db["crawl_runs"].find({}).sort("started_at", -1).limit(50)]
    report = Report(now=isoformat(now), period_days=period_days, cards=cards, platforms=platforms,
                    levels=levels, findings=sorted(findings, key=_finding_order), apps=apps,
                    other=other, crawls=crawls,
                    by_detector={k: dict(v) for k, v in by_detector.items()}, scheme=scheme,
                    weekly={p: dict(sorted(c.items())) for p, c in weekly.items()})
    return report


def _finding_order(f: dict[str, Any]) -> tuple[int, str, str]:
    return (SEVERITY_ORDER.get(f.get("severity", "low"), 9), str(f.get("detector")),
            str(f.get("subject_id")))


def _finding_url(f: dict[str, Any], subject: dict[str, Any], subjects: dict[str, Any]) -> str | None:
    """The http(s) URL a finding links to (its subject's, the commented post's, the evidence's)."""
    evidence = f.get("evidence") or {}
    candidates = [subject.get("url")]
    if subject.get("item_type") == "comment":
        candidates.append(subjects.get(str(subject.get("post_id")), {}).get("url"))
    if isinstance(evidence, dict):
        candidates.append(evidence.get("url"))
    return next((u for u in map(http_url, candidates) if u), None)


def _rates(cards: list[AccountCard], key: Any, labels: dict[str, str],
           order: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    groups: dict[str, list[AccountCard]] = defaultdict(list)
    for card in cards:
        groups[key(card)].append(card)
    names = [k for k in order if k in groups] if order else sorted(groups)
    rows = []
    for name in names:
        judged = [c for c in groups[name] if c.monitored]
        failed = sum(c.verdict == "不合格" for c in judged)
        rows.append({"key": name, "label": labels.get(name, name or "未知"), "accounts": len(groups[name]),
                     "judged": len(judged), "passed": len(judged) - failed, "failed": failed,
                     "pass_rate": _rate(len(judged) - failed, len(judged))})
    return rows


def _counterfeit_rows(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for f in findings:
        if f.get("detector") != "counterfeit_app":
            continue
        ev = f.get("evidence") or {}
        app = f.get("_subject") or {}
        rows.append({
            "name": app.get("name") or ev.get("name"), "store": PLATFORM_LABEL.get(
                str(app.get("platform") or ev.get("store")), app.get("platform") or ev.get("store")),
            "developer": app.get("developer") or ev.get("developer") or "",
            "package": app.get("package") or ev.get("package") or "",
            "official": ev.get("official_name", ""), "official_unit": ev.get("official_unit", ""),
            "official_developer": ev.get("official_developer") or "",
            "severity": f.get("severity"), "message": f.get("message", ""), "url": f.get("_url"),
            "downloads": app.get("downloads")})
    return rows


# ============================================================================ evidence
def highlight(text: str, spans: list[tuple[int, int]], mask: bool = False, width: int = 60) -> Markup:
    """An excerpt of ``text`` around ``spans`` with the spans in ``<mark>`` (masked if asked)."""
    spans = sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s)
    if not spans:
        return Markup(escape(text[: width * 3]) + ("…" if len(text) > width * 3 else ""))
    parts: list[str] = []
    pos = max(0, spans[0][0] - width)
    if pos > 0:
        parts.append("…")
    for s, e in spans:
        if s < pos:
            continue
        if s - pos > 2 * width:
            parts.append(str(escape(text[pos:pos + width])) + "…" + str(escape(text[s - width:s])))
        else:
            parts.append(str(escape(text[pos:s])))
        piece = text[s:e]
        if mask:
            piece = _mask(piece)
        parts.append(f"<mark>{escape(piece)}</mark>")
        pos = e
    tail = text[pos:pos + width]
    parts.append(str(escape(tail)) + ("…" if pos + width < len(text) else ""))
    return Markup("".join(parts))


def _mask(value: str) -> str:
    if len(value) <= 6:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def evidence_html(f: dict[str, Any]) -> Markup:
    """The evidence of one finding: highlighted excerpts, else the key numbers."""
    ev = f.get("evidence") or {}
    subject = f.get("_subject") or {}
    mask = f.get("detector") == "privacy_leak"
    blocks: list[str] = []
    matches = ev.get("matches") if isinstance(ev, dict) else None
    if isinstance(matches, list) and matches:
        by_field: dict[str, list[tuple[int, int]]] = defaultdict(list)
        loose: list[str] = []
        for m in matches:
            if not isinstance(m, dict):
                continue
            span = m.get("span")
            fld = str(m.get("field") or "text")
            if isinstance(span, (list, tuple)) and len(span) == 2 and isinstance(subject.get(fld), str):
                by_field[fld].append((int(span[0]), int(span[1])))
            elif m.get("text"):
                loose.append(str(m.get("masked") or (_mask(m["text"]) if mask else m["text"])))
        for fld, spans in by_field.items():
            blocks.append(f'<div class="excerpt">{highlight(subject[fld], spans, mask)}</div>')
        if loose:
            blocks.append('<div class="terms">命中：' + "、".join(
                f"<mark>{escape(t)}</mark>" for t in dict.fromkeys(loose)) + "</div>")
    examples = ev.get("examples") if isinstance(ev, dict) else None
    if isinstance(examples, list) and examples:
        items = []
        for ex in examples[:5]:
            if not isinstance(ex, dict):
                continue
            text = str(ex.get("text") or "")
            spans = [(text.find(t), text.find(t) + len(t)) for t in ex.get("matched") or []
                     if isinstance(t, str) and t in text]
            when = _short(ex.get("published_at"))
            href = http_url(ex.get("url"))
            link = (f' <a href="{escape(href)}" target="_blank" rel="noopener">原文</a>'
                    if href else "")
            items.append(f"<li><span class=\"when\">{escape(when)}</span> "
                         f"{highlight(text, spans)}{link}</li>")
        if items:
            blocks.append("<ul class=\"examples\">" + "".join(items) + "</ul>")
    if not blocks and isinstance(ev, dict):
        facts = [(k, v) for k, v in ev.items()
                 if isinstance(v, (int, float, str, datetime)) and not isinstance(v, bool)
                 and k != "url"][:8]
        if facts:
            blocks.append("<div class=\"facts\">" + "；".join(
                f"{escape(_EVIDENCE_LABEL.get(k, k))}：{escape(_fmt(v))}" for k, v in facts) + "</div>")
    return Markup("".join(blocks))


_EVIDENCE_LABEL = {
    "last_update": "最近更新", "days_since_update": "距今天数", "threshold_days": "阈值（天）",
    "longest_gap_days": "最长间隔（天）", "posts_per_week": "周均发文", "posts_in_period": "期内发文",
    "questions": "提问数", "answered": "已回复", "unanswered": "未回复", "unanswered_share": "未回复占比",
    "unanswered_over_3_months": "超3个月未回复", "reply_latency_median_hours": "回复时长中位数（小时）",
    "reply_latency_p90_hours": "回复时长P90（小时）", "verified_reason": "认证信息", "unit": "主办单位",
    "previous_name": "原名称", "name": "名称", "median_daily_growth": "日均增粉中位数", "points": "观测点数",
    "monitoring_time": "监测时间点", "period_days": "统计周期（天）", "longest_gap_from": "最长间隔起",
    "longest_gap_to": "最长间隔止", "tier_days": "分级阈值（天）", "shared_chars": "共有字数",
    "recent_posts": "近期发文", "spam_posts": "营销类发文", "baseline_posts": "此前发文",
}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, datetime):  # evidence times are dates (ISO text before version 2)
        return _short(value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        return value[:16].replace("T", " ")
    return str(value)


# ============================================================================ charts
@functools.lru_cache(maxsize=1)
def chart_font() -> str | None:
    """Configure matplotlib for Chinese text; the font family used, or ``None`` (fallback)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager, rcParams

    preferred = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC")
    installed = {f.name for f in font_manager.fontManager.ttflist}
    chosen = next((n for n in preferred if n in installed), None)
    if chosen is None:  # the font cache may predate the font package: look on disk
        for path in font_manager.findSystemFonts():
            if "NotoSansCJK" in path or "NotoSerifCJK" in path or "wqy" in path.lower():
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError):
                    continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
        chosen = next((n for n in preferred if n in installed), None)
    if chosen:
        rcParams["font.sans-serif"] = [chosen, "DejaVu Sans"]
        rcParams["font.family"] = "sans-serif"
    else:
        logger.warning("No Chinese font found (install Debian's fonts-noto-cjk): "
                       "chart labels may show as boxes")
    rcParams["axes.unicode_minus"] = False
    return chosen


def _figure(width: float = 7.0, height: float = 3.4) -> Any:
    from matplotlib.figure import Figure

    chart_font()
    fig = Figure(figsize=(width, height), dpi=110)
    fig.patch.set_facecolor("white")
    return fig


def _save(fig: Any, path: Path) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    path.write_bytes(data)
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def draw_charts(report: Report, out_dir: Path) -> dict[str, str]:
    """Write the PNG charts; chart name -> data URI for embedding."""
    from matplotlib.ticker import MaxNLocator

    charts_dir = out_dir / "charts"
    charts_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, str] = {}

    rows = [r for r in report.platforms if r["judged"]]
    fig = _figure()
    ax = fig.add_subplot()
    if rows:
        rates = [100 * (r["pass_rate"] or 0) for r in rows]
        bars = ax.bar([r["label"] for r in rows], rates, color=["#2e7d32" if v >= 80 else "#f9a825"
                                                               if v >= 60 else "#c62828" for v in rates])
        for bar, value, r in zip(bars, rates, rows, strict=False):
            ax.text(bar.get_x() + bar.get_width() / 2, value + 1.5, f"{value:.0f}%\n({r['passed']}/{r['judged']})",
                    ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 118)
    ax.set_ylabel("合格率（%）")
    ax.set_title("各平台合格率")
    ax.spines[["top", "right"]].set_visible(False)
    out["pass_rate"] = _save(fig, charts_dir / "pass_rate_by_platform.png")

    fig = _figure()
    ax = fig.add_subplot()
    weekly = report.weekly
    weeks = sorted({w for c in weekly.values() for w in c})
    for platform, counts in sorted(weekly.items()):
        ax.plot([w[5:] for w in weeks], [counts.get(w, 0) for w in weeks], marker="o", markersize=3,
                label=PLATFORM_LABEL.get(platform, platform))
    if weekly:
        ax.legend(fontsize=8, frameon=False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("发文数")
    ax.set_title("各平台每周发文量（近12周，按周一起算）")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    out["posts_per_week"] = _save(fig, charts_dir / "posts_per_week.png")

    dets = sorted(report.by_detector, key=lambda d: -sum(report.by_detector[d].values()))
    fig = _figure(7.0, max(2.4, 0.38 * len(dets) + 1.2))
    ax = fig.add_subplot()
    left = [0] * len(dets)
    colors = {"veto": "#c62828", "high": "#ef6c00", "medium": "#f9a825", "low": "#90a4ae"}
    labels = [DETECTOR_LABEL.get(d, d) for d in dets]
    for severity in ("veto", "high", "medium", "low"):
        values = [report.by_detector[d].get(severity, 0) for d in dets]
        if any(values):
            ax.barh(labels, values, left=left, color=colors[severity], label=SEVERITY_LABEL[severity])
            left = [a + b for a, b in zip(left, values, strict=False)]
    ax.invert_yaxis()
    if dets:
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("问题数")
    ax.set_title("各检测项发现的问题")
    ax.spines[["top", "right"]].set_visible(False)
    out["findings"] = _save(fig, charts_dir / "findings_by_detector.png")
    return out


# ============================================================================ writing
def build_report(db: Any, out_dir: str | Path, now: datetime,
                 registry: AccountRegistry | None = None,
                 scheme: str | Path | dict[str, Any] | None = None) -> Path:
    """Write ``index.html``, ``findings.csv``, ``scorecard.json`` and the charts; the HTML path."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=CST)
    scheme_data = load_scheme(scheme)
    if registry is None:
        from govspider.storage.registry_store import load_registry

        registry = load_registry(db)
    report = gather(db, now, registry, scheme_data)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    charts = draw_charts(report, out)
    _write_csv(report, out / "findings.csv")
    _write_json(report, out / "scorecard.json")
    path = out / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(report, charts), encoding="utf-8")
    tmp.replace(path)
    return path


#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection),
#: with their full-width forms.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: ``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(report: Report, path: Path) -> None:
    cards = {c.account_id: c for c in report.cards}
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=_CSV_FIELDS)
        writer.writeheader()
        for f in report.findings:
            card = cards.get(str(f.get("_account")))
            writer.writerow({k: csv_cell(v) for k, v in {
                "detector": f.get("detector"), "indicator": f.get("indicator"),
                "severity": f.get("severity"), "rule": f.get("rule") or "",
                "status": f.get("status") or "open",
                "verdict_effect": "不合格" if f.get("severity") == "veto" and card else "",
                "unit": card.unit if card else "", "account_id": f.get("_account") or "",
                "account_name": card.name if card else "",
                "platform": f.get("platform") or (card.platform if card else ""),
                "subject_type": f.get("subject_type"), "subject_id": f.get("subject_id"),
                "url": f.get("_url") or "", "message": f.get("message", ""),
                "detected_at": _iso(f.get("detected_at")) or "",
                "detector_version": f.get("detector_version", ""),
                "evidence": json.dumps(_jsonable(f.get("evidence") or {}), ensure_ascii=False),
            }.items()})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _write_json(report: Report, path: Path) -> None:
    data = {"monitoring_time": report.now, "period_days": report.period_days,
            "summary": report.summary(), "platforms": report.platforms, "levels": report.levels,
            "scheme": (report.scheme or {}).get("name") if report.scheme else None,
            "accounts": [asdict(c) for c in report.cards],
            "counterfeit_apps": [{k: v for k, v in a.items()} for a in report.apps],
            "findings_by_detector": report.by_detector}
    path.write_text(json.dumps(_jsonable(data), ensure_ascii=False, indent=2), encoding="utf-8")


def render_html(report: Report, charts: dict[str, str]) -> str:
    """The report page (Jinja2, autoescaped)."""
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.1f}%"
    env.filters["short"] = _short
    env.filters["evidence"] = evidence_html
    env.filters["link"] = http_url  # every href goes through it: http(s) or no link
    env.filters["platform"] = lambda p: PLATFORM_LABEL.get(p, p)
    env.filters["level"] = lambda v: LEVEL_LABEL.get(v or "", v)
    env.filters["detector"] = lambda d: DETECTOR_LABEL.get(d, d)
    env.filters["sev"] = lambda s: SEVERITY_LABEL.get(s, s or "")
    cards = {c.account_id: c for c in report.cards}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in report.findings:
        if f.get("_account") and f.get("detector") != "counterfeit_app":
            grouped[str(f["_account"])].append(f)
    order = sorted(grouped, key=lambda a: (cards[a].verdict != "不合格" if a in cards else True,
                                           _finding_order(grouped[a][0])))
    latencies = [f["evidence"].get("reply_latency_median_hours") for f in report.findings
                 if f.get("detector") == "no_interaction" and isinstance(f.get("evidence"), dict)
                 and f["evidence"].get("reply_latency_median_hours") is not None]
    return env.from_string(_TEMPLATE).render(
        r=report, s=report.summary(), charts=charts, indicators=INDICATORS, cards=cards,
        grouped=[(a, cards.get(a), grouped[a]) for a in order],
        failing=[c for c in report.cards if c.verdict == "不合格"],
        not_monitored=[c for c in report.cards if not c.monitored],
        median_latency=statistics.median(latencies) if latencies else None,
        now_text=_short(report.now))


_TEMPLATE = r"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>政务新媒体监测报告（{{ now_text }}）</title>
<style>
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
 margin:0;background:#f4f5f7;color:#222;line-height:1.6}
header{background:#9e1b1b;color:#fff;padding:28px 40px 20px}
header h1{margin:0;font-size:26px;letter-spacing:2px}
header p{margin:6px 0 0;opacity:.9;font-size:14px}
main{max-width:1180px;margin:0 auto;padding:20px 28px 60px}
section{background:#fff;border-radius:6px;padding:18px 24px;margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:19px;border-left:5px solid #9e1b1b;padding-left:10px;margin:4px 0 14px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #dde1e6;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
.cards{display:flex;gap:14px;flex-wrap:wrap}
.card{flex:1;min-width:130px;border:1px solid #e3e6ea;border-radius:6px;padding:10px 14px;background:#fafbfc}
.card .v{font-size:26px;font-weight:700}.card .k{font-size:13px;color:#555}
.pass{color:#2e7d32;font-weight:600}.fail{color:#c62828;font-weight:700}.na{color:#888}
td.pass,td.fail,td.na{white-space:nowrap}
.badge{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;color:#fff;white-space:nowrap}
.b-veto{background:#c62828}.b-high{background:#ef6c00}.b-medium{background:#f9a825;color:#222}.b-low{background:#90a4ae}
.ok{color:#2e7d32}.cell-veto{background:#fdecea;color:#c62828;font-weight:700}.cell-high{background:#fff3e0;color:#e65100}
.cell-medium{background:#fffde7}.cell-low{background:#f5f5f5}
mark{background:#ffe082;padding:0 1px}
.excerpt{background:#fafafa;border-left:3px solid #bbb;padding:4px 8px;margin:4px 0;white-space:pre-wrap;font-size:13px}
.facts,.terms{font-size:12.5px;color:#444}
ul.examples{margin:4px 0;padding-left:20px;font-size:13px}.when{color:#777;font-size:12px}
.finding{border-top:1px dashed #e0e0e0;padding:8px 0}
.finding:first-of-type{border-top:none}
.meta{font-size:12px;color:#777}
figure{margin:8px 0;text-align:center}figure img{max-width:100%}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.note{font-size:12.5px;color:#555}
a{color:#0b57a4}
@media (max-width:800px){.grid{grid-template-columns:1fr}}
</style></head><body>
<header><h1>政务新媒体监测报告</h1>
<p>监测时间点：{{ now_text }}{% if r.period_days %}　监测周期：监测时间点前{{ r.period_days }}天{% endif %}
{% if r.scheme %}　评分细则：{{ r.scheme.name or "本地评分细则" }}{% endif %}</p></header>
<main>
<section><h2>一、总体情况</h2>
<div class="cards">
<div class="card"><div class="v">{{ s.accounts }}</div><div class="k">监测账号</div></div>
<div class="card"><div class="v pass">{{ s.passed }}</div><div class="k">合格</div></div>
<div class="card"><div class="v fail">{{ s.failed }}</div><div class="k">不合格</div></div>
<div class="card"><div class="v">{{ s.pass_rate|pct }}</div><div class="k">总体合格率</div></div>
<div class="card"><div class="v">{{ s.findings }}</div><div class="k">发现问题</div></div>
<div class="card"><div class="v">{{ s.counterfeit_apps }}</div><div class="k">疑似山寨应用</div></div>
</div>
<p class="note">依据《政府网站与政务新媒体检查指标》（国办秘函〔2019〕19号），政务新媒体实行单项否决：
存在安全、泄密等严重问题（含雷人雷语、有害信息、买粉等弄虚作假、账号被盗），监测时间点前两周内无更新，
或互动回应差的，判定为不合格；否则为合格。{% if s.not_monitored %}另有{{ s.not_monitored }}个账号未能采集到有效数据，未纳入合格率统计。{% endif %}</p>
</section>

<section><h2>二、各平台、各层级合格情况</h2>
<div class="grid"><div>
<table><tr><th>平台</th><th class="num">账号数</th><th class="num">合格</th><th class="num">不合格</th><th class="num">合格率</th></tr>
{% for p in r.platforms %}<tr><td>{{ p.label }}</td><td class="num">{{ p.judged }}</td><td class="num">{{ p.passed }}</td>
<td class="num">{{ p.failed }}</td><td class="num">{{ p.pass_rate|pct }}</td></tr>{% endfor %}</table>
<h3>按行政层级</h3>
<table><tr><th>层级</th><th class="num">账号数</th><th class="num">合格</th><th class="num">不合格</th><th class="num">合格率</th></tr>
{% for p in r.levels %}<tr><td>{{ p.label }}</td><td class="num">{{ p.judged }}</td><td class="num">{{ p.passed }}</td>
<td class="num">{{ p.failed }}</td><td class="num">{{ p.pass_rate|pct }}</td></tr>{% endfor %}</table>
</div><figure><img alt="各平台合格率" src="{{ charts.pass_rate }}"></figure></div>
</section>

<section><h2>三、不合格账号名单</h2>
{% if failing %}
<table><tr><th>序号</th><th>主办单位</th><th>平台</th><th>账号名称</th><th>层级</th><th>存在问题</th></tr>
{% for c in failing %}<tr><td class="num">{{ loop.index }}</td><td>{{ c.unit or "—" }}</td><td>{{ c.platform|platform }}</td>
<td>{% if c.url|link %}<a href="{{ c.url|link }}" target="_blank" rel="noopener">{{ c.name }}</a>{% else %}{{ c.name }}{% endif %}</td>
<td>{{ c.level|level }}</td><td>{% for reason in c.reasons %}<div>{{ reason }}</div>{% endfor %}</td></tr>{% endfor %}
</table>{% else %}<p class="pass">本期未发现不合格账号。</p>{% endif %}
</section>

<section><h2>四、账号评分表</h2>
<p class="note">✓ 未发现问题；— 未采集到数据；数字为该项问题数，颜色表示最严重程度（<span class="badge b-veto">单项否决</span>
<span class="badge b-high">严重</span> <span class="badge b-medium">一般</span> <span class="badge b-low">提示</span>）。</p>
<table><tr><th>主办单位</th><th>平台</th><th>账号</th><th>结论</th>
{% for key, label, _ in indicators %}<th>{{ label }}</th>{% endfor %}<th class="num">周均发文</th><th>最近更新</th>
{% if r.scheme %}<th class="num">得分</th><th>等次</th>{% endif %}</tr>
{% for c in r.cards %}<tr><td>{{ c.unit or "—" }}</td><td>{{ c.platform|platform }}</td><td>{{ c.name }}</td>
<td class="{{ 'fail' if c.verdict == '不合格' else ('pass' if c.verdict == '合格' else 'na') }}">{{ c.verdict }}</td>
{% for key, label, _ in indicators %}{% set i = c.indicators[key] %}
{% if c.monitored %}<td class="{{ 'cell-' ~ i.worst if i.worst else 'ok' }}" title="{{ i.worst|sev }}">{{ i.count if i.count else "✓" }}</td>{% else %}<td class="na" title="未采集到数据">—</td>{% endif %}{% endfor %}
<td class="num">{{ "%.1f"|format(c.posts_per_week) if c.monitored else "—" }}</td><td>{{ c.last_post_at|short }}</td>
{% if r.scheme %}<td class="num">{{ c.score }}</td><td class="{{ 'fail' if c.grade == '不合格' else '' }}">{{ c.grade }}</td>{% endif %}
</tr>{% endfor %}</table>
</section>

<section><h2>五、问题详情</h2>
{% if not grouped %}<p class="pass">未发现问题。</p>{% endif %}
{% for account_id, c, fs in grouped %}
<h3>{% if c %}{{ c.unit ~ " · " if c.unit }}{{ c.platform|platform }}「{{ c.name }}」
<span class="{{ 'fail' if c.verdict == '不合格' else 'pass' }}">{{ c.verdict }}</span>{% else %}{{ account_id }}{% endif %}</h3>
{% for f in fs %}<div class="finding">
<span class="badge b-{{ f.severity }}">{{ f.severity|sev }}</span> <strong>{{ f.indicator or (f.detector|detector) }}</strong>
{{ f.message }}{% if f._url|link %} <a href="{{ f._url|link }}" target="_blank" rel="noopener">{{ "查看原文" if f.subject_type in ("post", "comment") else "相关链接" }}</a>{% endif %}
{{ f|evidence }}
<div class="meta">检测项 {{ f.detector }} v{{ f.detector_version }}{% if f.rule %} · 规则 {{ f.rule }}{% endif %} · {{ f.subject_type }} {{ f.subject_id }}{% if f.status and f.status != "open" %} · 状态 {{ f.status }}{% endif %}</div>
</div>{% endfor %}
{% endfor %}
</section>

<section><h2>六、疑似山寨应用</h2>
{% if r.apps %}<table><tr><th>应用名称</th><th>应用商店</th><th>开发者</th><th>包名</th><th>仿冒的官方应用</th><th>说明</th></tr>
{% for a in r.apps %}<tr><td>{% if a.url|link %}<a href="{{ a.url|link }}" target="_blank" rel="noopener">{{ a.name }}</a>{% else %}{{ a.name }}{% endif %}
 <span class="badge b-{{ a.severity }}">{{ a.severity|sev }}</span></td><td>{{ a.store }}</td><td>{{ a.developer }}</td><td>{{ a.package }}</td>
<td>{{ a.official }}<div class="meta">{{ a.official_unit }}{% if a.official_developer %}；官方开发者：{{ a.official_developer }}{% endif %}</div></td>
<td>{{ a.message }}</td></tr>{% endfor %}</table>{% else %}<p class="pass">未发现疑似山寨应用。</p>{% endif %}
</section>

{% if r.other %}<section><h2>七、其他发现（网站页面等）</h2>
{% for f in r.other %}<div class="finding"><span class="badge b-{{ f.severity }}">{{ f.severity|sev }}</span>
<strong>{{ f.indicator or (f.detector|detector) }}</strong> {{ f.message }}
{% if f._url|link %}<a href="{{ f._url|link }}" target="_blank" rel="noopener">{{ f._url }}</a>{% endif %}{{ f|evidence }}</div>{% endfor %}
</section>{% endif %}

<section><h2>附：统计图表</h2>
<div class="grid"><figure><img alt="各平台每周发文量" src="{{ charts.posts_per_week }}"></figure>
<figure><img alt="各检测项发现的问题" src="{{ charts.findings }}"></figure></div>
{% if median_latency is not none %}<p class="note">存在互动问题的账号中，已回复提问的回复时长中位数约为{{ "%.0f"|format(median_latency) }}小时。</p>{% endif %}
</section>

{% if not_monitored %}<section><h2>附：未能监测的账号</h2>
<p class="note">以下账号未采集到有效数据（采集失败或尚未采集），未作合格判定，请核实账号状态后复查。</p>
<table><tr><th>主办单位</th><th>平台</th><th>账号</th></tr>{% for c in not_monitored %}
<tr><td>{{ c.unit or "—" }}</td><td>{{ c.platform|platform }}</td><td>{{ c.name }}（{{ c.account_id }}）</td></tr>{% endfor %}</table>
</section>{% endif %}

{% if r.crawls %}<section><h2>附：数据采集情况</h2>
<table><tr><th>采集任务</th><th>开始</th><th>结束</th><th>状态</th><th class="num">采集条目</th><th class="num">错误</th></tr>
{% for c in r.crawls %}<tr><td>{{ c.spider }}</td><td>{{ c.started_at }}</td><td>{{ c.finished_at }}</td>
<td>{{ c.status }}{% if c.finish_reason %}（{{ c.finish_reason }}）{% endif %}</td><td class="num">{{ c["items"] }}</td><td class="num">{{ c.errors }}</td></tr>{% endfor %}
</table></section>{% endif %}
<p class="note">本报告由 govspider 根据采集数据自动生成，检测结果为线索，需经人工核实后认定。明细见 findings.csv 与 scorecard.json。</p>
</main></body></html>
"""
