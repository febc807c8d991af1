"""``govspider scan``: detectors over the stored corpus, findings upserted."""

from __future__ import annotations

import json

import click

from govspider.alerts import alert_new_vetoes
from govspider.cli.context import (
    alert_receivers,
    connect,
    detectors_option,
    load_registry,
    load_settings,
    resolve_now,
)
from govspider.scan import scan_corpus


@click.command()
@click.option("--detectors", help="Comma-separated detector names (default: all installed).")
@click.option("--registry", "registry_file", type=click.Path(dir_okay=False),
              help="Account registry (default: GOVSPIDER_REGISTRY, else the imported one).")
@click.option("--now", help="Monitoring time point, ISO 8601 (default: now).")
def scan(detectors: str | None, registry_file: str | None, now: str | None) -> None:
    """Run detectors over the stored corpus and upsert their findings."""
    chosen = detectors_option(detectors)
    settings = load_settings()
    receivers = alert_receivers(settings)
    reg = load_registry(registry_file or settings.get("GOVSPIDER_REGISTRY"))
    with connect(settings) as conn:
        summary = scan_corpus(conn.db, chosen, now=resolve_now(now),
                              settings=settings.copy_to_dict(), registry=reg,
                              progress=lambda msg: click.echo(msg, err=True))
    click.echo(json.dumps(summary, ensure_ascii=False))
    if receivers:
        with connect(settings) as conn:
            sent = alert_new_vetoes(conn.db, receivers)
        if sent["findings"]:
            click.echo(f"alerts: {sent['findings']} new veto findings sent to "
                       f"{', '.join(sent['delivered']) or 'no receiver'}"
                       + (f"; failed: {'; '.join(map(str, sent['failed']))}" if sent["failed"] else ""),
                       err=True)
