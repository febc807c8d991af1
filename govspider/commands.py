"""Subcommands whose implementations import heavy or optional modules lazily."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click


def register(main: click.Group) -> None:
    """Attach ``sandbox``, ``report``, ``demo`` and ``schedule`` to the ``govspider`` group."""
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

    from govspider.cli import Failure, _connect
    from govspider.evaluation import score_findings, scores_table

    raw = Path(truth).read_text(encoding="utf-8").strip()
    try:
        rows = json.loads(raw) if raw.startswith("[") else [json.loads(x) for x in raw.splitlines() if x.strip()]
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


@click.command()
@click.argument("spiders", nargs=-1, required=True)
@click.option("--every", help="Interval such as 30m, 6h, 1d.")
@click.option("--cron", help="Crontab expression, e.g. '0 */6 * * *' (China time).")
@click.option("--scan/--no-scan", default=True, show_default=True, help="Run `govspider scan` after each round.")
@click.option("-a", "args", multiple=True, metavar="NAME=VALUE", help="Spider argument.")
@click.option("-s", "sets", multiple=True, metavar="NAME=VALUE", help="Scrapy setting.")
@click.option("--once", is_flag=True, help="Run one round now and exit (for cron or CI).")
def schedule(spiders: tuple[str, ...], every: str | None, cron: str | None, scan: bool,
             args: tuple[str, ...], sets: tuple[str, ...], once: bool) -> None:
    """Run crawls on a schedule (APScheduler): each round crawls SPIDERS, then scans."""
    from govspider.cli import Failure
    from govspider.scheduling import build_trigger, run_schedule

    if not once and not (every or cron):
        raise Failure("give --every or --cron (or --once)")
    try:
        trigger = None if once else build_trigger(every=every, cron=cron)
    except ValueError as exc:
        raise Failure(str(exc)) from None
    run_schedule(list(spiders), trigger=trigger, scan=scan, spider_args=list(args),
                 settings=list(sets), echo=lambda m: click.echo(m, err=True))


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
