"""Gathering: read the corpus and put together what the report shows (:class:`Report`).

Reads ``accounts``, ``posts``, ``comments``, ``apps``, ``pages``, ``findings`` and
``crawl_runs``; the verdicts and scorecards follow the scoring scheme (:mod:`.scheme`), the
labels and the role of each detector come from the plugins (:mod:`.catalog`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from govspider.processors import CST, http_url, isoformat
from govspider.registry import AccountRegistry
from govspider.report.catalog import Catalog
from govspider.report.scheme import FAILED, apply_scheme, finding_order, judge, standing
from govspider.report.times import aware, iso, short

LEVEL_LABEL = {"province": "省级", "city": "市级", "county": "县级", "": "未知"}
LEVEL_ORDER = ("province", "city", "county", "")
#: subject types a finding can be about -> the collection that holds them
SUBJECT_COLLECTIONS = {"post": "posts", "comment": "comments", "app": "apps", "page": "pages"}


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
    #: labels and detector roles declared by the plugins
    catalog: Catalog = field(default_factory=Catalog)

    @property
    def judged(self) -> list[AccountCard]:
        return [c for c in self.cards if c.monitored]

    def summary(self) -> dict[str, Any]:
        judged = self.judged
        failed = sum(c.verdict == FAILED for c in judged)
        return {"accounts": len(self.cards), "judged": len(judged), "passed": len(judged) - failed,
                "failed": failed, "not_monitored": len(self.cards) - len(judged),
                "pass_rate": _rate(len(judged) - failed, len(judged)),
                "findings": len(self.findings), "counterfeit_apps": len(self.apps)}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def gather(db: Any, now: datetime, registry: AccountRegistry | None = None,
           scheme: dict[str, Any] | None = None, catalog: Catalog | None = None) -> Report:
    """Read the corpus and compute verdicts, pass rates and scorecards.

    ``catalog`` defaults to the declarations of every installed plugin."""
    catalog = catalog if catalog is not None else Catalog.from_plugins()
    period_days = scheme.get("period_days") if scheme else None
    accounts = {str(a["_id"]): a for a in db["accounts"].find({})}
    reg_accounts, reg_units = _registry_info(registry)
    findings = standing(list(db["findings"].find({})), now, catalog.time_dependent)
    subjects = _subjects(db, findings)
    if period_days:
        start = now - timedelta(days=int(period_days))
        findings = [f for f in findings
                    if not ((t := aware(subjects.get(str(f.get("subject_id")), {}).get("published_at")))
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
        if f["_account"] and not catalog.is_app_finding(f):
            by_account[str(f["_account"])].append(f)

    cards = []
    for account_id, account in accounts.items():
        entry = reg_accounts.get(account_id)
        unit = account.get("unit") or (entry.unit if entry else "")
        meta = reg_units.get(unit, {})
        level = (entry.level if entry else "") or str(meta.get("level") or account.get("level") or "")
        own = sorted(by_account.get(account_id, []), key=finding_order)
        st = stats.get(account_id, {})
        card = AccountCard(
            account_id=account_id, name=str(account.get("name") or (entry.name if entry else "")
                                             or account.get("platform_id") or account_id),
            platform=str(account.get("platform") or account_id.split(":", 1)[0]), unit=unit,
            level=level if level in LEVEL_LABEL else "",
            region=str(meta.get("region_name") or account.get("region") or ""),
            url=http_url(account.get("url")), findings=len(own), followers=account.get("followers"),
            posts_in_period=st.get("posts", 0), posts_per_week=st.get("per_week", 0.0),
            last_post_at=iso(st.get("last") or account.get("last_post_at")),
            longest_gap_days=st.get("gap"))
        card.monitored = bool(own) or account_id in stats or any(
            account.get(k) is not None for k in ("posts_count", "followers", "verified", "last_post_at"))
        judge(card, own, catalog)
        if scheme:
            apply_scheme(card, own, scheme)
        cards.append(card)
    cards.sort(key=lambda c: (c.verdict != FAILED, c.platform, c.unit, c.name))

    platforms = _rates(cards, lambda c: c.platform, catalog.platforms)
    levels = _rates(cards, lambda c: c.level, LEVEL_LABEL, order=LEVEL_ORDER)
    apps = _app_rows([f for f in findings if catalog.is_app_finding(f)], catalog)
    other = [f for f in findings if not f["_account"] and not catalog.is_app_finding(f)]
    by_detector: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in findings:
        by_detector[f.get("detector", "?")][f.get("severity", "low")] += 1
    return Report(now=isoformat(now), period_days=period_days, cards=cards, platforms=platforms,
                  levels=levels, findings=sorted(findings, key=finding_order), apps=apps,
                  other=other, crawls=_crawls(db),
                  by_detector={k: dict(v) for k, v in by_detector.items()}, scheme=scheme,
                  weekly={p: dict(sorted(c.items())) for p, c in weekly.items()}, catalog=catalog)


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
        t = aware(doc.get("published_at"))
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
        if kind in SUBJECT_COLLECTIONS:
            wanted[kind].add(str(f.get("subject_id")))
    out: dict[str, dict[str, Any]] = {}
    projection = {"raw_html": 0}
    for kind, ids in wanted.items():
        id_list = sorted(ids)
        for i in range(0, len(id_list), 500):
            for doc in db[SUBJECT_COLLECTIONS[kind]].find({"_id": {"$in": id_list[i:i + 500]}},
                                                          projection):
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


def _finding_url(f: dict[str, Any], subject: dict[str, Any], subjects: dict[str, Any]) -> str | None:
    """The http(s) URL a finding links to (its subject's, the commented post's, the evidence's)."""
    evidence = f.get("evidence") or {}
    candidates = [subject.get("url")]
    if subject.get("item_type") == "comment":
        candidates.append(subjects.get(str(subject.get("post_id")), {}).get("url"))
    if isinstance(evidence, dict):
        candidates.append(evidence.get("url"))
    return next((u for u in map(http_url, candidates) if u), None)


def _rates(cards: list[AccountCard], key: Any, labels: Any,
           order: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    groups: dict[str, list[AccountCard]] = defaultdict(list)
    for card in cards:
        groups[key(card)].append(card)
    names = [k for k in order if k in groups] if order else sorted(groups)
    rows = []
    for name in names:
        judged = [c for c in groups[name] if c.monitored]
        failed = sum(c.verdict == FAILED for c in judged)
        rows.append({"key": name, "label": labels.get(name, name or "未知"), "accounts": len(groups[name]),
                     "judged": len(judged), "passed": len(judged) - failed, "failed": failed,
                     "pass_rate": _rate(len(judged) - failed, len(judged))})
    return rows


def _app_rows(findings: list[dict[str, Any]], catalog: Catalog) -> list[dict[str, Any]]:
    """Rows of the table of counterfeit apps: the listing, and the official app it imitates."""
    rows = []
    for f in findings:
        ev = f.get("evidence") or {}
        app = f.get("_subject") or {}
        store = app.get("platform") or ev.get("store")
        rows.append({
            "name": app.get("name") or ev.get("name"),
            "store": catalog.platforms.get(str(store), store),
            "developer": app.get("developer") or ev.get("developer") or "",
            "package": app.get("package") or ev.get("package") or "",
            "official": ev.get("official_name", ""), "official_unit": ev.get("official_unit", ""),
            "official_developer": ev.get("official_developer") or "",
            "severity": f.get("severity"), "message": f.get("message", ""), "url": f.get("_url"),
            "downloads": app.get("downloads")})
    return rows


def _crawls(db: Any) -> list[dict[str, Any]]:
    """The latest 50 crawl runs, newest first, with their item and error counts."""
    return [{"spider": c.get("spider"), "started_at": short(c.get("started_at")),
             "finished_at": short(c.get("finished_at")), "status": c.get("status", ""),
             "finish_reason": c.get("finish_reason", ""),
             "items": sum(v for k, v in (c.get("stats") or {}).items()
                          if k.startswith("govspider/items/") and isinstance(v, int)),
             "errors": sum(v for v in (c.get("errors") or {}).values() if isinstance(v, int))}
            for c in db["crawl_runs"].find({}).sort("started_at", -1).limit(50)]
