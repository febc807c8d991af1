"""Evidence as the report shows it: excerpts with the matched text highlighted, else key facts.

Everything taken from stored data is escaped; only ``http(s)`` URLs become links.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from govspider.processors import http_url
from govspider.report.times import short


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
            piece = mask_text(piece)
        parts.append(f"<mark>{escape(piece)}</mark>")
        pos = e
    tail = text[pos:pos + width]
    parts.append(str(escape(tail)) + ("…" if pos + width < len(text) else ""))
    return Markup("".join(parts))


def mask_text(value: str) -> str:
    """Personal data shown masked: the first 3 and the last 4 characters (all of a short one)."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def evidence_html(f: dict[str, Any], masked: bool = False) -> Markup:
    """The evidence of one finding: highlighted excerpts (``masked``: the matched text masked, for
    evidence that quotes personal data), else the key numbers."""
    ev = f.get("evidence") or {}
    subject = f.get("_subject") or {}
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
                loose.append(str(m.get("masked") or (mask_text(m["text"]) if masked else m["text"])))
        for fld, spans in by_field.items():
            blocks.append(f'<div class="excerpt">{highlight(subject[fld], spans, masked)}</div>')
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
            when = short(ex.get("published_at"))
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
        return short(value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        return value[:16].replace("T", " ")
    return str(value)
