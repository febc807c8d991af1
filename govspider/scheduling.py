"""Scheduled crawls: a real scheduler (APScheduler) running crawl rounds as subprocesses.

Each round runs ``govspider crawl SPIDER`` for every spider (a fresh process each time, since
Scrapy's reactor cannot be restarted), then ``govspider scan``. A round still running when the
next one is due is not started twice (``max_instances=1``, missed runs coalesced).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
TIMEZONE = "Asia/Shanghai"


def build_trigger(every: str | None = None, cron: str | None = None) -> Any:
    """An APScheduler trigger from ``--every 6h`` or ``--cron '0 */6 * * *'``."""
    if every and cron:
        raise ValueError("give either --every or --cron, not both")
    if every:
        m = re.fullmatch(r"(\d+)\s*([smhd])", every.strip())
        if not m or int(m.group(1)) == 0:
            raise ValueError(f"--every: expected a number and a unit s/m/h/d, got {every!r}")
        return IntervalTrigger(**{_UNITS[m.group(2)]: int(m.group(1))}, timezone=TIMEZONE)
    if cron:
        try:
            return CronTrigger.from_crontab(cron, timezone=TIMEZONE)
        except ValueError as exc:
            raise ValueError(f"--cron: {exc}") from None
    raise ValueError("no schedule given")


def crawl_round(spiders: list[str], scan: bool, spider_args: list[str], settings: list[str],
                echo: Callable[[str], None]) -> int:
    """One round: each spider, then a scan. Returns the number of failed steps."""
    failed = 0
    for spider in spiders:
        cmd = [sys.executable, "-m", "govspider.cli", "crawl", spider]
        for a in spider_args:
            cmd += ["-a", a]
        for s in settings:
            cmd += ["-s", s]
        started = time.monotonic()
        code = subprocess.call(cmd)
        echo(f"crawl {spider}: exit {code} in {time.monotonic() - started:.0f}s")
        failed += code != 0
    if scan:
        code = subprocess.call([sys.executable, "-m", "govspider.cli", "scan"])
        echo(f"scan: exit {code}")
        failed += code != 0
    return failed


def run_schedule(spiders: list[str], trigger: Any, scan: bool, spider_args: list[str],
                 settings: list[str], echo: Callable[[str], None]) -> None:
    """Run rounds on ``trigger`` until interrupted (or one round when ``trigger`` is None)."""
    if trigger is None:
        failed = crawl_round(spiders, scan, spider_args, settings, echo)
        if failed:
            raise SystemExit(1)
        return
    scheduler = BlockingScheduler(timezone=TIMEZONE)
    scheduler.add_job(crawl_round, trigger, args=[spiders, scan, spider_args, settings, echo],
                      max_instances=1, coalesce=True, id="govspider-round")
    echo(f"scheduled {', '.join(spiders)} ({trigger}); Ctrl-C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
