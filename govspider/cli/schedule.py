"""``govspider schedule``: crawls on a schedule (APScheduler), and their status."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table

from govspider.cli.context import Failure, connect, dumps, load_settings
from govspider.scheduling import (
    ScheduleError,
    build_trigger,
    load_config,
    run_config,
    run_schedule,
    status,
)


class ScheduleGroup(click.Group):
    """``schedule status`` / ``schedule run``; ``schedule SPIDERS...`` and ``schedule --config``
    (the older form) mean ``schedule run``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=ScheduleGroup)
def schedule() -> None:
    """Scheduled crawls: `schedule run` (SPIDERS with --every/--cron, or --config FILE with
    several jobs, time windows and a job store in the corpus) and `schedule status`."""


@schedule.command("run")
@click.argument("spiders", nargs=-1)
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Schedule file (YAML): jobs with spiders, args, cron/every, window.")
@click.option("--every", help="Interval such as 30m, 6h, 1d.")
@click.option("--cron", help="Crontab expression, e.g. '0 */6 * * *' (China time).")
@click.option("--scan/--no-scan", default=True, show_default=True, help="Run `govspider scan` after each round.")
@click.option("-a", "args", multiple=True, metavar="NAME=VALUE", help="Spider argument.")
@click.option("-s", "sets", multiple=True, metavar="NAME=VALUE", help="Scrapy setting.")
@click.option("--once", is_flag=True, help="Run one round now and exit (for cron or CI).")
def schedule_run(spiders: tuple[str, ...], config_file: str | None, every: str | None,
                 cron: str | None, scan: bool, args: tuple[str, ...], sets: tuple[str, ...],
                 once: bool) -> None:
    """Run crawls on a schedule (APScheduler): each round crawls SPIDERS, then scans.

    With --config, every job of the file runs on its own schedule; its job store is the corpus
    (collection schedule_jobs), so a restart neither repeats nor skips a run, and each run is
    recorded in schedule_runs (see `govspider schedule status`).
    """
    echo = lambda m: click.echo(m, err=True)  # noqa: E731
    if config_file:
        if spiders or every or cron or once:
            raise Failure("--config takes its jobs from the file: give no SPIDERS, --every, --cron or --once")
        try:
            load_config(config_file)
        except ScheduleError as exc:
            raise Failure(str(exc)) from None
        with connect(load_settings()) as conn:
            run_config(config_file, conn.uri, conn.db.name, echo)
        return
    if not spiders:
        raise Failure("give SPIDERS (or --config FILE)")
    if not once and not (every or cron):
        raise Failure("give --every or --cron (or --once)")
    try:
        trigger = None if once else build_trigger(every=every, cron=cron)
    except ValueError as exc:
        raise Failure(str(exc)) from None
    run_schedule(list(spiders), trigger=trigger, scan=scan, spider_args=list(args),
                 settings=list(sets), echo=echo)


@schedule.command("status")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Schedule file (default: every job in the store).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def schedule_status(config_file: str | None, as_json: bool) -> None:
    """Last and next run of every scheduled job, with its health."""
    try:
        config = load_config(config_file) if config_file else None
    except ScheduleError as exc:
        raise Failure(str(exc)) from None
    with connect(load_settings()) as conn:
        rows = status(conn.db, config)
    if as_json:
        for row in rows:
            click.echo(dumps(row))
        return
    if not rows:
        click.echo("no scheduled jobs (start one with `govspider schedule run --config FILE`)")
        return

    def when(value: Any) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else "-"

    table = Table(title="Scheduled jobs (China time)")
    for col in ("job", "spiders", "schedule", "window", "last run", "result", "next run", "health"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["job"], ",".join(r["spiders"] or []) or "-", r["schedule"] or "-",
                      r["window"] or "-", when(r["last_started"]), r["last_result"] or "-",
                      when(r["next_run"]), r["health"])
    Console().print(table)
