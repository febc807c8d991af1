"""Subcommands whose implementations import heavy or optional modules lazily."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from govspider.export import export_command


def register(main: click.Group) -> None:
    """Attach ``sandbox``, ``report``, ``demo``, ``schedule``, ``alerts`` and ``export`` to the
    ``govspider`` group."""
    try:
        from govspider.sandbox.cli import sandbox
    except ImportError as exc:  # the sandbox needs aiohttp; say so instead of hiding the command
        missing = str(exc)

        @main.command("sandbox", context_settings={"ignore_unknown_options": True})
        @click.argument("args", nargs=-1)
        def sandbox(args: tuple[str, ...]) -> None:
            """Serve the local stand-in of the platforms (unavailable: see the error)."""
            from govspider.cli import Failure

            raise Failure(f"the sandbox cannot start: {missing}")
    else:
        main.add_command(sandbox, "sandbox")
    main.add_command(report)
    main.add_command(score)
    main.add_command(demo)
    main.add_command(schedule)
    main.add_command(alerts)
    main.add_command(export_command, "export")
    from govspider.search import register as add_search_commands  # search, db gaps, db index-text
    add_search_commands(main)


@click.command()
@click.option("--out", "out_dir", default="report", show_default=True,
              type=click.Path(file_okay=False), help="Directory to write the report into.")
@click.option("--scheme", type=click.Path(dir_okay=False, exists=True),
              help="Local deduction scheme (YAML), as published by a province or city.")
@click.option("--now", help="End of the monitoring period, ISO 8601 (default: now).")
def report(out_dir: str, scheme: str | None, now: str | None) -> None:
    """Write the supervisor's report from the corpus: scorecards, findings, charts."""
    from govspider.cli import Failure, _connect, _now_option, _registry_path, _settings
    from govspider.processors import CST

    try:
        from govspider.report import ReportError, build_report
    except ImportError as exc:
        raise Failure(f"the report is unavailable: {exc}") from None
    settings = _settings()
    reg = _registry_path(settings.get("GOVSPIDER_REGISTRY"))
    with _connect(settings) as conn:
        kwargs: dict[str, Any] = {"registry": reg}
        if scheme:
            kwargs["scheme"] = scheme
        try:
            path = build_report(conn.db, Path(out_dir), _now_option(now) or datetime.now(CST), **kwargs)
        except ReportError as exc:
            raise Failure(str(exc)) from None
    click.echo(f"report written to {path}")


@click.command()
@click.argument("truth", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def score(truth: str, as_json: bool) -> None:
    """Score the stored findings against a ground truth of planted cases (JSON or JSON lines).

    Rows are {"detector", "subject_id", "label": true|false}; an unlisted subject that a
    detector flags counts as a false positive. `govspider demo` writes the sandbox's truth to
    the data directory as ground_truth.json.
    """
    from rich.console import Console

    from govspider.cli import Failure, _connect, json_line, read_text
    from govspider.evaluation import score_findings, scores_table

    raw = read_text(truth).strip()
    try:
        rows = json_line(raw, truth) if raw.startswith("[") else [
            json_line(x, f"{truth}:{n}") for n, x in enumerate(raw.splitlines(), 1) if x.strip()]
        if not all(isinstance(r, dict) and "detector" in r and "subject_id" in r for r in rows):
            raise ValueError("rows need 'detector' and 'subject_id'")
    except ValueError as exc:
        raise Failure(f"{truth}: not a ground truth ({exc})") from None
    with _connect() as conn:
        scores = score_findings(rows, conn.db["findings"].find({}, {"detector": 1, "subject_id": 1, "status": 1}))
    if as_json:
        click.echo(_json({n: {"tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": s.precision,
                              "recall": s.recall, "false_positives": s.false_positives,
                              "missed": s.missed} for n, s in scores.items()}))
    else:
        Console(soft_wrap=True).print(scores_table(scores, f"Stored findings vs {truth}"))


@click.command()
@click.option("--size", default="small", show_default=True,
              help="Size of the sandbox world: small (37 accounts, a few minutes), medium (121), "
                   "large, or ACCOUNTSxPOSTS.")
@click.option("--seed", default=7, show_default=True, help="Seed of the sandbox world.")
@click.option("--spiders", default=None, help="Comma-separated spiders (default: every installed one).")
@click.option("--out", "out_dir", default="report", show_default=True, type=click.Path(file_okay=False))
@click.option("--troubles/--no-troubles", default=True, show_default=True,
              help="Let the sandbox inject realistic trouble (rate limits, login walls...).")
@click.option("--sandbox-port", default=8900, show_default=True,
              help="Port of the sandbox (stable, so that page URLs stay the same between runs).")
def demo(size: str, seed: int, spiders: str | None, out_dir: str, troubles: bool,
         sandbox_port: int) -> None:
    """The main job on embedded defaults: sandbox -> crawl -> detect -> report."""
    from govspider.demo import run_demo

    run_demo(size=size, seed=seed, spiders=[s for s in (spiders or "").split(",") if s] or None,
             out_dir=Path(out_dir), troubles=troubles, sandbox_port=sandbox_port)


class _ScheduleGroup(click.Group):
    """``schedule status`` / ``schedule run``; ``schedule SPIDERS...`` and ``schedule --config``
    (the older form) mean ``schedule run``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_ScheduleGroup)
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
    from govspider.cli import Failure, _connect, _settings
    from govspider.scheduling import (
        ScheduleError,
        build_trigger,
        load_config,
        run_config,
        run_schedule,
    )

    echo = lambda m: click.echo(m, err=True)  # noqa: E731
    if config_file:
        if spiders or every or cron or once:
            raise Failure("--config takes its jobs from the file: give no SPIDERS, --every, --cron or --once")
        try:
            load_config(config_file)
        except ScheduleError as exc:
            raise Failure(str(exc)) from None
        with _connect(_settings()) as conn:
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
    from govspider.cli import Failure, _connect, _settings
    from govspider.scheduling import ScheduleError, load_config, status

    try:
        config = load_config(config_file) if config_file else None
    except ScheduleError as exc:
        raise Failure(str(exc)) from None
    with _connect(_settings()) as conn:
        rows = status(conn.db, config)
    if as_json:
        for row in rows:
            click.echo(_json(row))
        return
    if not rows:
        click.echo("no scheduled jobs (start one with `govspider schedule run --config FILE`)")
        return
    from rich.console import Console
    from rich.table import Table

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


@click.group()
def alerts() -> None:
    """Webhook alerts (generic JSON, WeCom, DingTalk, Feishu): new veto findings and unhealthy
    crawls. Receivers come from the GOVSPIDER_ALERTS setting (see govspider/alerts.py)."""


def _receivers(sets: tuple[str, ...]) -> list[Any]:
    from govspider.alerts import receivers_from
    from govspider.cli import Failure, _settings, _split_pairs

    settings = _settings(_split_pairs(sets, "-s"))
    try:
        found = receivers_from(settings)
    except ValueError as exc:
        raise Failure(str(exc)) from None
    if not found:
        raise Failure("no alert receivers: set GOVSPIDER_ALERTS (e.g. -s 'GOVSPIDER_ALERTS="
                      "[{\"url_env\": \"MY_HOOK_URL\", \"format\": \"wecom\"}]')")
    return found


@alerts.command("test")
@click.option("-s", "sets", multiple=True, metavar="NAME=VALUE", help="Setting (GOVSPIDER_ALERTS=...).")
def alerts_test(sets: tuple[str, ...]) -> None:
    """Send a test message to every receiver; exit 1 when one did not take it."""
    from govspider.alerts import Alert, send
    from govspider.cli import Failure

    alert = Alert(event="test", title="【政务新媒体监测】告警通道测试",
                  lines=["这是一条测试消息：收到即表示告警通道配置正确。"])
    failed = []
    for receiver in _receivers(sets):
        result = send(alert, receiver)
        click.echo(f"{receiver.host} ({receiver.format}): "
                   f"{'delivered' if result.ok else 'FAILED: ' + str(result.error)}")
        if not result.ok:
            failed.append(receiver.host)
    if failed:
        raise Failure(f"alert not delivered to {', '.join(failed)}")


@alerts.command("send")
@click.option("-s", "sets", multiple=True, metavar="NAME=VALUE", help="Setting (GOVSPIDER_ALERTS=...).")
def alerts_send(sets: tuple[str, ...]) -> None:
    """Send the veto findings of the corpus not alerted yet (each is sent once)."""
    from govspider.alerts import alert_new_vetoes
    from govspider.cli import Failure, _connect, _settings

    receivers = _receivers(sets)
    with _connect(_settings()) as conn:
        result = alert_new_vetoes(conn.db, receivers)
    click.echo(_json(result))
    if result["failed"]:
        raise Failure("; ".join(map(str, result["failed"])))


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
