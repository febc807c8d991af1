"""``govspider plugins``: the installed platform and detector plugins."""

from __future__ import annotations

import json

import click

from govspider.cli.context import Failure
from govspider.plugins import BROKEN, PluginError, installed_plugins


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins(as_json: bool) -> None:
    """List installed platform and detector plugins with their versions."""
    try:
        reg = installed_plugins()
    except PluginError as exc:
        raise Failure(str(exc)) from None
    rows = [{"plugin": i.name, "distribution": i.distribution, "version": i.version,
             "platforms": list(i.platforms), "detectors": list(i.detectors)} for i in reg.info()]
    broken = [{"plugin": name, "error": why} for name, why in sorted(BROKEN.items())]
    if as_json:
        click.echo(json.dumps({"plugins": rows, "broken": broken}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['plugin']:<12} {row['version']:<8} ({row['distribution']})")
        for name in row["platforms"]:
            platform = reg.platforms[name]
            kinds = ", ".join(sorted(platform.parsers))
            spiders = ", ".join(s.name for s in platform.spiders) or "-"
            click.echo(f"    platform {name:<10} parsers: {kinds}; spiders: {spiders}")
        for name in row["detectors"]:
            det = reg.detectors[name]
            click.echo(f"    detector {name:<22} v{det.version} {det.indicator} [{det.severity}, {det.scope}]")
    for row in broken:
        click.echo(f"{row['plugin']:<12} BROKEN: {row['error']}")
