"""``govspider metrics``: account metrics (follower time series)."""

from __future__ import annotations

from datetime import datetime

import click

from govspider.cli.context import Failure, check_storable, connect, json_line, read_text
from govspider.items import AccountMetrics, item_from_dict
from govspider.storage import CorpusWriter


@click.group()
def metrics() -> None:
    """Account metrics (follower time series)."""


@metrics.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def metrics_import(file: str) -> None:
    """Import earlier follower observations (JSON lines of account_metrics items).

    For history recorded before govspider, or by another tool: each line is
    {"account_id": "PLATFORM:ID", "at": ISO 8601, "followers": N, ...}. Nothing is written when
    a line is bad.
    """
    lines = read_text(file).splitlines()
    points = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = json_line(line, f"{file}:{n}")
        if not isinstance(row, dict):
            raise Failure(f"{file}:{n}: an account_metrics row is a JSON object")
        try:
            row.setdefault("item_type", "account_metrics")
            point = item_from_dict(row)
        except (ValueError, TypeError, AttributeError) as exc:
            raise Failure(f"{file}:{n}: not an account_metrics row ({exc})") from None
        if not isinstance(point, AccountMetrics) or not isinstance(point.at, datetime) \
                or not isinstance(point.account_id, str) or not point.account_id:
            raise Failure(f"{file}:{n}: an account_metrics row needs 'account_id' (text) and "
                          f"'at' (an ISO 8601 time)")
        point._id = point._id or f"{point.account_id}@{point.at.isoformat()}"
        check_storable(point.to_dict(), f"{file}:{n}")
        points.append(point)
    with connect() as conn:
        stats = CorpusWriter(conn.db, crawl_id="import").write(points)
    click.echo(f"imported {stats.total()} metric points from {file}")
