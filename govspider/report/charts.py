"""The report's charts (matplotlib, PNG): pass rate per platform, posts per week, findings.

Each chart is written under ``charts/`` and returned as a data URI for the HTML page.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
from matplotlib import font_manager, rcParams
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from govspider.report.scheme import SEVERITY_LABEL

if TYPE_CHECKING:
    from govspider.report.gather import Report

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def chart_font() -> str | None:
    """Configure matplotlib for Chinese text; the font family used, or ``None`` (fallback)."""
    matplotlib.use("Agg", force=False)
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


def _figure(width: float = 7.0, height: float = 3.4) -> Figure:
    chart_font()
    fig = Figure(figsize=(width, height), dpi=110)
    fig.patch.set_facecolor("white")
    return fig


def _save(fig: Figure, path: Path) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    path.write_bytes(data)
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def draw_charts(report: Report, out_dir: Path) -> dict[str, str]:
    """Write the PNG charts; chart name -> data URI for embedding."""
    catalog = report.catalog
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
                label=catalog.platform(platform))
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
    labels = [catalog.detector(d) for d in dets]
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
