"""The scoring scheme: which findings stand, the national verdict, the scorecard, local schemes.

The national verdict of an account is 不合格 when any veto finding stands (a finding a supervisor
marked ``dismissed`` / ``false_positive`` / ``resolved``, or ``cleared`` by a later scan that no
longer found it, does not), else 合格. Findings of time-dependent detectors (not updated, no
replies...) count only from the latest scan at or before the monitoring time. The scorecard has
one column per indicator of 国办秘函〔2019〕19号 (:data:`INDICATORS`); each detector declares the
column its findings count in. An optional local scheme (YAML) adds a 100-point score.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from govspider.detection import SEVERITIES
from govspider.report.times import aware

if TYPE_CHECKING:
    from govspider.report.catalog import Catalog
    from govspider.report.gather import AccountCard

#: statuses a supervisor sets on a finding that take it out of the verdict
CLEARED = frozenset({"dismissed", "false_positive", "resolved", "closed", "cleared"})
SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(SEVERITIES)}
SEVERITY_LABEL = {"veto": "单项否决", "high": "严重", "medium": "一般", "low": "提示"}
#: scorecard columns (key, label): the indicators supervisors check; a detector names the key
#: of its column (:attr:`govspider.detection.Detector.scorecard`)
INDICATORS: tuple[tuple[str, str], ...] = (
    ("update", "更新"),
    ("interaction", "互动"),
    ("safety", "安全/雷人雷语"),
    ("ads", "广告"),
    ("fans", "买粉"),
    ("typo", "错别字"),
    ("privacy", "隐私"),
    ("hijack", "被盗"),
    ("offtopic", "娱乐化"),
    ("naming", "开设/名称"),
)
#: the column of findings no indicator counts
OTHER = "other"
FAILED = "不合格"
PASSED = "合格"
NOT_MONITORED = "未监测"


class ReportError(ValueError):
    """Bad report input (an unreadable scheme...); the message names the cause."""


def severity_rank(severity: str | None) -> int:
    """Sort key of a severity: ``veto`` first, unknown ones (and none) last."""
    return SEVERITY_ORDER.get(severity, 9) if severity is not None else 9


def finding_order(f: dict[str, Any]) -> tuple[int, str, str]:
    """Findings most severe first, then by detector and subject."""
    return (severity_rank(f.get("severity", "low")), str(f.get("detector")), str(f.get("subject_id")))


# ============================================================================ standing findings
def standing(findings: list[dict[str, Any]], now: datetime,
             time_dependent: Collection[str] = ()) -> list[dict[str, Any]]:
    """Findings that count at ``now``: not cleared, not from the future, and for the detectors
    in ``time_dependent`` only those of the latest scan at or before ``now``.

    Each kept finding gets ``_at``, its detection time (aware, or ``None``)."""
    keep = []
    latest: dict[str, datetime] = {}
    for f in findings:
        if f.get("status") in CLEARED:
            continue
        at = aware(f.get("detected_at"))
        if at is not None and at > now + timedelta(minutes=1):
            continue
        f["_at"] = at
        keep.append(f)
        if f.get("detector") in time_dependent and at is not None:
            latest[f["detector"]] = max(latest.get(f["detector"], at), at)
    out = []
    for f in keep:
        last = latest.get(f.get("detector", ""))
        if last is not None and f["_at"] is not None and f["_at"] < last - timedelta(hours=1):
            continue  # superseded by a later scan
        out.append(f)
    return out


# ============================================================================ national verdict
def judge(card: AccountCard, own: list[dict[str, Any]], catalog: Catalog) -> None:
    """Set an account's verdict, reasons and scorecard from its standing findings (``own``,
    sorted by :func:`finding_order`); ``card.monitored`` is already known."""
    vetoes = [f for f in own if f.get("severity") == "veto"]
    if vetoes:
        card.verdict = FAILED
        card.reasons = list(dict.fromkeys(
            f"{f.get('indicator') or catalog.detector(f['detector'])}：{f.get('message', '')}"
            for f in vetoes))
    elif not card.monitored:
        card.verdict = NOT_MONITORED
    by_column: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in INDICATORS}
    others = []
    for f in own:
        column = catalog.column(f.get("detector"))
        (by_column[column] if column in by_column else others).append(f)
    for key, hits in [*by_column.items(), (OTHER, others)]:
        worst = min((f.get("severity", "low") for f in hits), key=severity_rank, default=None)
        card.indicators[key] = {"count": len(hits), "worst": worst}


# ============================================================================ local schemes
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
    if scheme.get("veto_fails", True) and card.verdict == FAILED:
        card.grade = FAILED
    elif score < float(scheme.get("pass_score", 60)):
        card.grade = FAILED
    elif score >= float(scheme.get("good_score", 80)):
        card.grade = "优秀"
    else:
        card.grade = PASSED
