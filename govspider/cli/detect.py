"""``govspider detect``: detectors over items given as JSON lines, without a database."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import click

from govspider.cli.context import (
    Failure,
    detectors_option,
    json_line,
    load_registry,
    load_settings,
    read_text,
    resolve_now,
)
from govspider.detection import DetectContext, run_detectors
from govspider.items import item_from_dict


def read_items(lines: Iterable[str], source: str) -> list[dict[str, Any]]:
    """JSON lines of items (or of `parse` outputs, whose items are taken)."""
    items = []
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        obj = json_line(line, f"{source}:{n}")
        rows = obj.get("items", []) if isinstance(obj, dict) and "outcome" in obj else [obj]
        if not isinstance(rows, list):
            raise Failure(f"{source}:{n}: 'items' is not a list")
        for row in rows:
            try:
                items.append(item_from_dict(row).to_dict())
            except (TypeError, ValueError, AttributeError) as exc:
                raise Failure(f"{source}:{n}: not an item ({exc})") from None
    return items


@click.command()
@click.argument("file", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--detectors", help="Comma-separated detector names (default: all installed).")
@click.option("--registry", "registry_file", type=click.Path(dir_okay=False),
              help="Account registry (YAML/CSV) for detectors that compare with it.")
@click.option("--now", help="Monitoring time point, ISO 8601 (default: now).")
def detect(file: str, detectors: str | None, registry_file: str | None, now: str | None) -> None:
    """Run detectors over items (JSON lines, as `parse` prints) and print findings as JSON lines.

    No database is needed.
    """
    chosen = detectors_option(detectors)
    reg = load_registry(registry_file)
    text = read_text(file)
    items = read_items(text.splitlines(), "stdin" if file == "-" else file)
    ctx = DetectContext(now=resolve_now(now), settings=load_settings().copy_to_dict(), registry=reg)
    for finding in run_detectors(chosen, items, ctx):
        click.echo(json.dumps(finding.to_json(), ensure_ascii=False))
