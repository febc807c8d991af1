"""Scheduled crawls: a real scheduler (APScheduler) running crawl rounds as subprocesses.

Each round runs ``govspider crawl SPIDER`` for every spider (a fresh process each time, since
Scrapy's reactor cannot be restarted), then ``govspider scan``. A round still running when the
next one is due is not started twice (``max_instances=1``, missed runs coalesced).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pymongo
import yaml
from apscheduler.jobstores.mongodb import MongoDBJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from govspider.processors import CST

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


# ------------------------------------------------------------------------------ config file
# ``govspider schedule --config schedule.yaml``: several jobs (per platform or account group),
# each with its own cron or interval and an optional time window, the job store in the corpus
# (collection ``schedule_jobs``, APScheduler's MongoDB job store) so that a restart neither
# repeats nor skips a run, and a history of runs (``schedule_runs``) for ``schedule status``.
JOBS_COLLECTION = "schedule_jobs"
RUNS_COLLECTION = "schedule_runs"
_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class ScheduleError(ValueError):
    """A schedule file that cannot be used (the message is one line)."""


def load_config(path: str) -> dict[str, Any]:
    """Read and check a schedule file: ``{"jobs": [{name, spiders, cron|every, window?, args?,
    settings?, scan?}], ...}``."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except OSError as exc:
        raise ScheduleError(f"cannot read {path}: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"{path}: not YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), list) or not doc["jobs"]:
        raise ScheduleError(f"{path}: expected a mapping with a non-empty 'jobs' list")
    names = set()
    for i, job in enumerate(doc["jobs"], 1):
        where = f"{path}: job {i}"
        if not isinstance(job, dict):
            raise ScheduleError(f"{where}: expected a mapping")
        name = job.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
            raise ScheduleError(f"{where}: 'name' must be letters, digits, '.', '_' or '-'")
        if name in names:
            raise ScheduleError(f"{where}: two jobs are named {name!r}")
        names.add(name)
        spiders = job.get("spiders")
        if isinstance(spiders, str):
            spiders = job["spiders"] = [spiders]
        if not isinstance(spiders, list) or not spiders or not all(isinstance(s, str) for s in spiders):
            raise ScheduleError(f"{where} ({name}): 'spiders' must be a list of spider names")
        try:
            build_trigger(every=job.get("every"), cron=job.get("cron"))
        except ValueError as exc:
            raise ScheduleError(f"{where} ({name}): {exc}".replace("--", "")) from None
        if job.get("window") is not None:
            parse_window(job["window"], f"{where} ({name})")
        for key in ("args", "settings"):
            if not isinstance(job.get(key) or {}, dict):
                raise ScheduleError(f"{where} ({name}): '{key}' must be a mapping of NAME: VALUE")
    return doc


def parse_window(text: Any, where: str = "window") -> tuple[int, int]:
    """``"01:00-06:00"`` as minutes of the day (start, end); the end may be past midnight."""
    m = _WINDOW_RE.match(str(text))
    if not m:
        raise ScheduleError(f"{where}: window must look like 01:00-06:00, got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        raise ScheduleError(f"{where}: window {text!r} is not a time of day")
    return h1 * 60 + m1, h2 * 60 + m2


def in_window(window: tuple[int, int] | None, when: Any) -> bool:
    if window is None:
        return True
    start, end = window
    minute = when.hour * 60 + when.minute
    return start <= minute < end if start < end else minute >= start or minute < end


def next_window_start(window: tuple[int, int], when: Any) -> Any:
    """The next time (China time) the window opens after ``when``."""
    start = when.replace(hour=window[0] // 60, minute=window[0] % 60, second=0, microsecond=0)
    return start if start > when else start + timedelta(days=1)


def _job_argv(job: dict[str, Any]) -> tuple[list[str], list[str]]:
    args = [f"{k}={v}" for k, v in (job.get("args") or {}).items()]
    sets = [f"{k}={json.dumps(v) if isinstance(v, (dict, list)) else v}"
            for k, v in (job.get("settings") or {}).items()]
    return args, sets


def run_job(config_path: str, name: str, db_uri: str, db_name: str, deferred: bool = False) -> None:
    """One run of a configured job (called by the scheduler; reads the file again, so an
    edited job takes effect at its next run). Records the run in ``schedule_runs``."""
    doc = load_config(config_path)
    job = next((j for j in doc["jobs"] if j["name"] == name), None)
    if job is None:
        return
    window = parse_window(job["window"]) if job.get("window") else None
    now = datetime.now(CST)
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(db_uri, tz_aware=True)
    try:
        runs = client[db_name][RUNS_COLLECTION]
        if not in_window(window, now):
            # due outside its window: run once when the window opens next
            when = next_window_start(window, now)  # type: ignore[arg-type]
            runs.insert_one({"job": name, "status": "deferred", "due_at": now, "run_at": when})
            _SCHEDULER_HOOKS["defer"](name, when)
            return
        run_id = runs.insert_one({"job": name, "status": "running", "started_at": now,
                                  "spiders": job["spiders"], "deferred": deferred}).inserted_id
        args, sets = _job_argv(job)
        lines: list[str] = []
        failed = crawl_round(job["spiders"], bool(job.get("scan", True)), args, sets, lines.append)
        runs.update_one({"_id": run_id}, {"$set": {
            "status": "ok" if not failed else "failed", "finished_at": datetime.now(CST),
            "failed_steps": failed, "steps": lines}})
    finally:
        client.close()


#: set by run_config: how a job run asks the scheduler for a one-off run later
_SCHEDULER_HOOKS: dict[str, Callable[..., Any]] = {"defer": lambda name, when: None}


def make_scheduler(db_uri: str, db_name: str, blocking: bool = True) -> Any:
    """An APScheduler whose job store is the corpus database."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(db_uri, tz_aware=True)
    store = MongoDBJobStore(database=db_name, collection=JOBS_COLLECTION, client=client)
    cls = BlockingScheduler if blocking else BackgroundScheduler
    return cls(jobstores={"default": store}, timezone=TIMEZONE, job_defaults={
        # a run missed while nothing ran (downtime) is run once, however late; never twice
        "coalesce": True, "max_instances": 1, "misfire_grace_time": None})


def install_jobs(scheduler: Any, config_path: str, db_uri: str, db_name: str,
                 func: Callable[..., Any] | str = run_job) -> list[str]:
    """Put the file's jobs into the scheduler's store. A job whose schedule did not change
    keeps its stored next run time (a run missed while the scheduler was down is run, once);
    jobs no longer in the file are removed. Returns the job ids."""
    doc = load_config(config_path)
    path = os.path.abspath(config_path)
    ids = []
    for job in doc["jobs"]:
        trigger = build_trigger(every=job.get("every"), cron=job.get("cron"))
        job_id = f"job:{job['name']}"
        ids.append(job_id)
        kwargs: dict[str, Any] = {}
        existing = scheduler.get_job(job_id)
        if existing is not None and str(existing.trigger) == str(trigger) \
                and existing.next_run_time is not None:
            kwargs["next_run_time"] = existing.next_run_time
        scheduler.add_job(func, trigger, args=[path, job["name"], db_uri, db_name], id=job_id,
                          name=job["name"], replace_existing=True, **kwargs)
    for old in scheduler.get_jobs():
        if old.id.startswith("job:") and old.id not in ids:
            scheduler.remove_job(old.id)
    return ids


def run_config(config_path: str, db_uri: str, db_name: str, echo: Callable[[str], None]) -> None:
    """Run the file's jobs until interrupted (SIGINT, SIGTERM)."""
    scheduler = make_scheduler(db_uri, db_name)

    def defer(name: str, when: Any) -> None:
        scheduler.add_job(run_job, DateTrigger(run_date=when, timezone=TIMEZONE),
                          args=[os_path, name, db_uri, db_name, True], id=f"deferred:{name}",
                          name=f"{name} (window)", replace_existing=True)

    os_path = os.path.abspath(config_path)
    _SCHEDULER_HOOKS["defer"] = defer
    # before start the jobs live only in the store: read their next run times there
    ids = install_jobs(_ReadOnlyStoreView(scheduler), config_path, db_uri, db_name)
    echo(f"scheduled {len(ids)} job(s) from {config_path}; job store: {JOBS_COLLECTION}; Ctrl-C to stop")

    def stop(signum: int, _frame: Any) -> None:
        echo(f"signal {signum}: stopping the scheduler (a running crawl finishes its round)")
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, stop)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)


class _ReadOnlyStoreView:
    """Before the scheduler starts, its jobs live only in the store: look them up there."""

    def __init__(self, scheduler: Any) -> None:
        self._s = scheduler

    def get_job(self, job_id: str) -> Any:
        store = self._s._jobstores["default"]
        return store.lookup_job(job_id)

    def get_jobs(self) -> list[Any]:
        return self._s._jobstores["default"].get_all_jobs()

    def add_job(self, *args: Any, **kwargs: Any) -> Any:
        return self._s.add_job(*args, **kwargs)

    def remove_job(self, job_id: str) -> None:
        self._s._jobstores["default"].remove_job(job_id)


def status(db: Any, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Per job: schedule, last run (start, end, result), next run, health."""
    jobs = {}
    for doc in db[JOBS_COLLECTION].find({}):
        jobs[doc["_id"]] = doc
    names = [j["name"] for j in (config or {}).get("jobs", [])] or sorted(
        i.split(":", 1)[1] for i in jobs if i.startswith("job:"))
    out = []
    for name in names:
        spec = next((j for j in (config or {}).get("jobs", []) if j["name"] == name), {})
        stored = jobs.get(f"job:{name}")
        deferred = jobs.get(f"deferred:{name}")
        next_ts = min((d["next_run_time"] for d in (stored, deferred)
                       if d and d.get("next_run_time") is not None), default=None)
        last = next(iter(db[RUNS_COLLECTION].find({"job": name, "status": {"$ne": "deferred"}})
                         .sort("started_at", -1).limit(1)), None)
        if last is None:
            health = "never run"
        elif last["status"] == "running":
            health = "running or interrupted"
        else:
            health = "healthy" if last["status"] == "ok" else f"failed ({last.get('failed_steps', '?')} steps)"
        out.append({"job": name, "spiders": spec.get("spiders"),
                    "schedule": spec.get("cron") or (f"every {spec['every']}" if spec.get("every") else None),
                    "window": spec.get("window"),
                    "last_started": last.get("started_at") if last else None,
                    "last_finished": last.get("finished_at") if last else None,
                    "last_result": last.get("status") if last else None,
                    "next_run": _from_ts(next_ts), "health": health,
                    "in_store": stored is not None})
    return out


def _from_ts(ts: float | None) -> Any:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, CST)
