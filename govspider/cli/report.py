"""``govspider report``: the supervisor's report from the corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from govspider.cli.context import Failure, connect, load_registry, load_settings, resolve_now
from govspider.report import ReportError, build_report


@click.command()
@click.option("--out", "out_dir", default="report", show_default=True,
              type=click.Path(file_okay=False), help="Directory to write the report into.")
@click.option("--scheme", type=click.Path(dir_okay=False, exists=True),
              help="Local deduction scheme (YAML), as published by a province or city.")
@click.option("--now", help="End of the monitoring period, ISO 8601 (default: now).")
def report(out_dir: str, scheme: str | None, now: str | None) -> None:
    """Write the supervisor's report from the corpus: scorecards, findings, charts."""
    settings = load_settings()
    reg = load_registry(settings.get("GOVSPIDER_REGISTRY"))
    with connect(settings) as conn:
        kwargs: dict[str, Any] = {"registry": reg}
        if scheme:
            kwargs["scheme"] = scheme
        try:
            path = build_report(conn.db, Path(out_dir), resolve_now(now), **kwargs)
        except ReportError as exc:
            raise Failure(str(exc)) from None
    click.echo(f"report written to {path}")
