"""The supervisor's report: verdicts, pass rates, scorecards, findings with evidence, charts.

:func:`build_report` reads the corpus (``accounts``, ``posts``, ``comments``, ``apps``,
``findings``, ``crawl_runs``) and writes into ``out_dir``:

* ``index.html``: a self-contained report in Chinese, laid out like the reports supervisors
  publish (pass rate per platform and level, the list of failing accounts with the reasons),
  plus a scorecard per account, the findings with their evidence and the counterfeit apps;
* ``charts/*.png``: the charts (also embedded in the HTML);
* ``findings.csv`` (UTF-8 with BOM, for spreadsheet software) and ``scorecard.json``.

The package, by job:

* :mod:`.gather`: the queries, and :class:`Report` / :class:`AccountCard`;
* :mod:`.scheme`: which findings stand, the national verdict, the scorecard's indicators, local
  100-point schemes (YAML);
* :mod:`.catalog`: platform and detector labels and roles, as the installed plugins declare
  them (the report itself names no platform and no detector);
* :mod:`.evidence`: evidence as HTML (highlighted excerpts, masking);
* :mod:`.charts`: the matplotlib charts;
* :mod:`.writers`: HTML (``templates/report.html.j2``), CSV and JSON.

Hostile content stays inert: only ``http(s)`` URLs become links (a ``javascript:`` or ``data:``
URL in stored data is shown nowhere as a link and left out of the CSV's ``url`` column), and a CSV
cell that a spreadsheet would read as a formula (starting with ``= + - @``, a tab or a line
break) is prefixed with ``'`` (OWASP's advice against CSV injection).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from govspider.plugins import InstalledPlugins
from govspider.processors import CST
from govspider.registry import AccountRegistry
from govspider.report.catalog import APPS, Catalog
from govspider.report.charts import chart_font, draw_charts
from govspider.report.evidence import evidence_html, highlight
from govspider.report.gather import LEVEL_LABEL, AccountCard, Report, gather
from govspider.report.scheme import (
    CLEARED,
    INDICATORS,
    SEVERITY_LABEL,
    SEVERITY_ORDER,
    ReportError,
    apply_scheme,
    load_scheme,
    standing,
)
from govspider.report.writers import csv_cell, render_html, write_csv, write_json
from govspider.storage.registry_store import load_registry

__all__ = [
    "APPS", "CLEARED", "INDICATORS", "LEVEL_LABEL", "SEVERITY_LABEL", "SEVERITY_ORDER",
    "AccountCard", "Catalog", "Report", "ReportError", "apply_scheme", "build_report",
    "chart_font", "csv_cell", "draw_charts", "evidence_html", "gather", "highlight",
    "load_scheme", "platform_labels", "render_html", "standing",
]


def build_report(db: Any, out_dir: str | Path, now: datetime,
                 registry: AccountRegistry | None = None,
                 scheme: str | Path | dict[str, Any] | None = None,
                 plugins: InstalledPlugins | None = None) -> Path:
    """Write ``index.html``, ``findings.csv``, ``scorecard.json`` and the charts; the HTML path.

    ``registry`` is the account registry (default: the one stored in ``db``); ``plugins`` the
    plugin registry whose platforms and detectors label the report (default: every installed
    plugin, :func:`govspider.plugins.installed_plugins`).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=CST)
    scheme_data = load_scheme(scheme)
    if registry is None:
        registry = load_registry(db)
    report = gather(db, now, registry, scheme_data, Catalog.from_plugins(plugins))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    charts = draw_charts(report, out)
    write_csv(report, out / "findings.csv")
    write_json(report, out / "scorecard.json")
    path = out / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(report, charts), encoding="utf-8")
    tmp.replace(path)
    return path


def platform_labels(plugins: InstalledPlugins | None = None) -> dict[str, str]:
    """Platform name -> label, as the installed platform plugins declare them."""
    return dict(Catalog.from_plugins(plugins).platforms)


def __getattr__(name: str) -> Any:
    # ``PLATFORM_LABEL`` was a table of this module; it now comes from the plugins
    if name == "PLATFORM_LABEL":
        return platform_labels()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
