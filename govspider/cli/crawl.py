"""``govspider crawl``: one spider with the project's pipelines, judged by its health checks."""

from __future__ import annotations

import json
from typing import Any

import click

from govspider.alerts import dispatch, unhealthy_alert
from govspider.cli.context import (
    CrawlUnhealthy,
    Failure,
    alert_receivers,
    load_registry,
    load_settings,
    split_pairs,
)
from govspider.crawling import run_crawls, unhealthy
from govspider.sandbox.server import SandboxServer
from govspider.spiderloader import PluginSpiderLoader


@click.command(context_settings={"ignore_unknown_options": False})
@click.argument("spider")
@click.option("-a", "args", multiple=True, metavar="NAME=VALUE", help="Spider argument (accounts=FILE, full=1, since=DATE).")
@click.option("-s", "sets", multiple=True, metavar="NAME=VALUE", help="Scrapy setting.")
@click.option("--sandbox", is_flag=True, help="Crawl a local sandbox of the platforms started for this run.")
@click.option("--seed", default=7, show_default=True, help="Sandbox seed (with --sandbox).")
@click.option("--size", default="small", show_default=True, help="Sandbox size (with --sandbox).")
def crawl(spider: str, args: tuple[str, ...], sets: tuple[str, ...], sandbox: bool, seed: int,
          size: str) -> None:
    """Run one spider, as `scrapy crawl` would, with the project's pipelines.

    Prints a JSON summary of the crawl. Exits 1 when the crawl failed its health checks (no
    response understood, platform errors given up after every retry, ERROR log lines, a finish
    reason other than "finished"...), so a scheduler or a shell script notices; the summary
    and the run's crawl_runs document say which.
    """
    spider_args = split_pairs(args, "-a")
    overrides: dict[str, Any] = split_pairs(sets, "-s")
    settings = load_settings(overrides)
    alert_receivers(settings)  # a bad alert configuration fails before the crawl
    known = PluginSpiderLoader(settings).list()
    if spider not in known:
        raise Failure(f"unknown spider {spider!r} (available: {', '.join(sorted(known)) or 'none'})")
    if "accounts" in spider_args:
        load_registry(spider_args["accounts"])  # fail early, in one line
    check = getattr(PluginSpiderLoader(settings).load(spider), "check_arguments", None)
    if check is not None:  # a spider's own arguments (e.g. web's urls=FILE), also in one line
        try:
            check(settings, spider_args)
        except ValueError as exc:
            raise Failure(str(exc)) from None
    if sandbox:
        with SandboxServer(seed=seed, size=size) as server:
            spider_args.setdefault("accounts", str(server.registry_path))
            settings.setdict(server.settings, priority="cmdline")
            stats = run_crawls([spider], settings, spider_args)
    else:
        stats = run_crawls([spider], settings, spider_args)
    click.echo(json.dumps(stats, ensure_ascii=False, default=str))
    bad = unhealthy(stats)
    if bad:
        _alert_unhealthy(settings, stats, bad)
    for name, failed in bad.items():
        reason = stats[name].get("finish_reason")
        raise CrawlUnhealthy(f"the {name} crawl failed its health checks ({'; '.join(failed)}; "
                             f"finish reason: {reason}); see its log and crawl_runs")


def _alert_unhealthy(settings: Any, stats: dict[str, Any], bad: dict[str, list[str]]) -> None:
    """Tell the receivers that want it about each unhealthy crawl (never fails the command
    further: the crawl's own exit code says it failed)."""
    receivers = alert_receivers(settings)
    if not receivers:
        return
    for name, failed in bad.items():
        alert = unhealthy_alert(name, list(failed), stats[name].get("finish_reason"),
                                stats[name].get("govspider/crawl_id"))
        for result in dispatch(alert, receivers):
            if not result.ok:
                click.echo(f"alert to {result.receiver} failed: {result.error}", err=True)
