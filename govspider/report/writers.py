"""The report's files: ``index.html`` (Jinja2 template ``templates/report.html.j2``),
``findings.csv`` (UTF-8 with BOM, for spreadsheet software) and ``scorecard.json``.

Hostile content stays inert: the page is autoescaped and every ``href`` goes through
:func:`~govspider.processors.http_url` (only ``http(s)`` URLs become links), and a CSV cell that
a spreadsheet would read as a formula is prefixed with ``'`` (:func:`csv_cell`).
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from govspider.processors import http_url
from govspider.report.evidence import evidence_html
from govspider.report.gather import LEVEL_LABEL, Report
from govspider.report.scheme import FAILED, INDICATORS, SEVERITY_LABEL, finding_order
from govspider.report.times import iso, short

TEMPLATE = "report.html.j2"
CSV_FIELDS = ("detector", "indicator", "severity", "rule", "status", "verdict_effect", "unit",
              "account_id", "account_name", "platform", "subject_type", "subject_id", "url",
              "message", "detected_at", "detector_version", "evidence")
#: the evidence key of the median time an account took to answer questions (hours)
REPLY_LATENCY = "reply_latency_median_hours"

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection),
#: with their full-width forms.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: ``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def jsonable(value: Any) -> Any:
    """``value`` with datetimes as ISO text and anything else JSON cannot hold as text."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_csv(report: Report, path: Path) -> None:
    """``findings.csv``: one row per standing finding, with its account and evidence."""
    cards = {c.account_id: c for c in report.cards}
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for f in report.findings:
            card = cards.get(str(f.get("_account")))
            writer.writerow({k: csv_cell(v) for k, v in {
                "detector": f.get("detector"), "indicator": f.get("indicator"),
                "severity": f.get("severity"), "rule": f.get("rule") or "",
                "status": f.get("status") or "open",
                "verdict_effect": FAILED if f.get("severity") == "veto" and card else "",
                "unit": card.unit if card else "", "account_id": f.get("_account") or "",
                "account_name": card.name if card else "",
                "platform": f.get("platform") or (card.platform if card else ""),
                "subject_type": f.get("subject_type"), "subject_id": f.get("subject_id"),
                "url": f.get("_url") or "", "message": f.get("message", ""),
                "detected_at": iso(f.get("detected_at")) or "",
                "detector_version": f.get("detector_version", ""),
                "evidence": json.dumps(jsonable(f.get("evidence") or {}), ensure_ascii=False),
            }.items()})


def write_json(report: Report, path: Path) -> None:
    """``scorecard.json``: the summary, the rates, every account's card, the counterfeit apps."""
    data = {"monitoring_time": report.now, "period_days": report.period_days,
            "summary": report.summary(), "platforms": report.platforms, "levels": report.levels,
            "scheme": (report.scheme or {}).get("name") if report.scheme else None,
            "accounts": [asdict(c) for c in report.cards],
            "counterfeit_apps": [dict(a) for a in report.apps],
            "findings_by_detector": report.by_detector}
    path.write_text(json.dumps(jsonable(data), ensure_ascii=False, indent=2), encoding="utf-8")


def render_html(report: Report, charts: dict[str, str]) -> str:
    """The report page (Jinja2, autoescaped)."""
    catalog = report.catalog
    env = Environment(loader=PackageLoader("govspider.report", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.1f}%"
    env.filters["short"] = short
    env.filters["evidence"] = lambda f: evidence_html(f, masked=f.get("detector") in catalog.masked)
    env.filters["link"] = http_url  # every href goes through it: http(s) or no link
    env.filters["platform"] = catalog.platform
    env.filters["level"] = lambda v: LEVEL_LABEL.get(v or "", v)
    env.filters["detector"] = catalog.detector
    env.filters["sev"] = lambda s: SEVERITY_LABEL.get(s, s or "")
    cards = {c.account_id: c for c in report.cards}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in report.findings:
        if f.get("_account") and not catalog.is_app_finding(f):
            grouped[str(f["_account"])].append(f)
    order = sorted(grouped, key=lambda a: (cards[a].verdict != FAILED if a in cards else True,
                                           finding_order(grouped[a][0])))
    latencies = [f["evidence"][REPLY_LATENCY] for f in report.findings
                 if isinstance(f.get("evidence"), dict)
                 and f["evidence"].get(REPLY_LATENCY) is not None]
    return env.get_template(TEMPLATE).render(
        r=report, s=report.summary(), charts=charts, indicators=INDICATORS, cards=cards,
        grouped=[(a, cards.get(a), grouped[a]) for a in order],
        failing=[c for c in report.cards if c.verdict == FAILED],
        not_monitored=[c for c in report.cards if not c.monitored],
        median_latency=statistics.median(latencies) if latencies else None,
        now_text=short(report.now))
