"""`govspider schedule --config`: jobs from a file, the job store in the corpus (a restart
neither repeats nor skips a run), time windows, and `schedule status`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pymongo
import pytest

from govspider.processors import CST
from govspider.scheduling import (
    JOBS_COLLECTION,
    RUNS_COLLECTION,
    ScheduleError,
    _ReadOnlyStoreView,
    in_window,
    install_jobs,
    load_config,
    make_scheduler,
    next_window_start,
    parse_window,
    status,
)


def record_run(config_path: str, name: str, db_uri: str, db_name: str) -> None:
    """A stand-in job (importable by reference, as the job store requires) that records a run."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(db_uri, tz_aware=True)
    client[db_name]["test_runs"].insert_one({"job": name, "at": time.time()})
    client.close()


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "schedule.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("text, message", [
    ("jobs: []", "non-empty 'jobs'"),
    ("jobs:\n  - {name: a, spiders: [weibo]}", "no schedule given"),
    ("jobs:\n  - {name: a, spiders: [weibo], every: soon}", "expected a number"),
    ("jobs:\n  - {name: a, spiders: [weibo], cron: '0 2 * * *', window: 'nights'}", "01:00-06:00"),
    ("jobs:\n  - {name: 'a b', spiders: [weibo], every: 1h}", "'name'"),
    ("jobs:\n  - {name: a, spiders: [weibo], every: 1h}\n  - {name: a, spiders: [web], every: 1h}",
     "two jobs"),
    ("jobs: [", "not YAML"),
])
def test_bad_schedule_files_are_one_line_errors(tmp_path, text, message):
    with pytest.raises(ScheduleError, match=message):
        load_config(_write(tmp_path, text))


def test_windows():
    night = parse_window("22:00-06:00")
    assert in_window(night, datetime(2026, 12, 1, 23, 30, tzinfo=CST))
    assert in_window(night, datetime(2026, 12, 1, 5, 59, tzinfo=CST))
    assert not in_window(night, datetime(2026, 12, 1, 12, 0, tzinfo=CST))
    assert next_window_start(night, datetime(2026, 12, 1, 12, 0, tzinfo=CST)) == \
        datetime(2026, 12, 1, 22, 0, tzinfo=CST)
    assert next_window_start(parse_window("01:00-05:00"), datetime(2026, 12, 1, 12, 0, tzinfo=CST)) == \
        datetime(2026, 12, 2, 1, 0, tzinfo=CST)


def _runs(db) -> int:
    return db["test_runs"].count_documents({})


def test_a_restart_neither_repeats_nor_skips_a_run(tmp_path, mongo_uri, db_name, mongo_client):
    db = mongo_client[db_name]
    config = _write(tmp_path, "jobs:\n  - {name: weibo-daily, spiders: [weibo], every: 4s}\n")
    func = f"{__name__}:record_run"
    # first scheduler: the job is stored in the corpus, then the scheduler goes down
    first = make_scheduler(mongo_uri, db_name, blocking=False)
    first.start(paused=True)
    install_jobs(first, config, mongo_uri, db_name, func=func)
    first.shutdown(wait=False)
    stored = db[JOBS_COLLECTION].find_one({"_id": "job:weibo-daily"})
    assert stored is not None and stored["next_run_time"] > time.time()
    time.sleep(9)  # down long enough to miss two runs
    assert _runs(db) == 0
    # second scheduler: the missed runs are run once (coalesced), not skipped, not twice
    second = make_scheduler(mongo_uri, db_name, blocking=False)
    install_jobs(_ReadOnlyStoreView(second), config, mongo_uri, db_name, func=func)
    second.start()
    try:
        deadline = time.time() + 3
        while _runs(db) == 0 and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        assert _runs(db) == 1
    finally:
        second.shutdown(wait=True)
    # the stored next run moved to the future, so a third start runs nothing at once
    after = db[JOBS_COLLECTION].find_one({"_id": "job:weibo-daily"})["next_run_time"]
    assert after > stored["next_run_time"]


def test_a_job_removed_from_the_file_leaves_the_store(tmp_path, mongo_uri, db_name, mongo_client):
    db = mongo_client[db_name]
    two = _write(tmp_path, "jobs:\n  - {name: a, spiders: [weibo], every: 1h}\n"
                           "  - {name: b, spiders: [web], cron: '0 3 * * *', window: '01:00-06:00'}\n")
    s = make_scheduler(mongo_uri, db_name, blocking=False)
    s.start(paused=True)
    install_jobs(s, two, mongo_uri, db_name, func=f"{__name__}:record_run")
    assert {d["_id"] for d in db[JOBS_COLLECTION].find({})} == {"job:a", "job:b"}
    install_jobs(s, _write(tmp_path, "jobs:\n  - {name: a, spiders: [weibo], every: 1h}\n"),
                 mongo_uri, db_name, func=f"{__name__}:record_run")
    s.shutdown(wait=False)
    assert {d["_id"] for d in db[JOBS_COLLECTION].find({})} == {"job:a"}


def test_status_shows_last_and_next_runs_with_health(tmp_path, mongo_uri, db_name, mongo_client):
    db = mongo_client[db_name]
    config_path = _write(tmp_path, "jobs:\n  - {name: a, spiders: [weibo], every: 1h}\n"
                                   "  - {name: b, spiders: [web, weibo], cron: '0 3 * * *'}\n"
                                   "  - {name: c, spiders: [douyin], every: 1d}\n")
    s = make_scheduler(mongo_uri, db_name, blocking=False)
    s.start(paused=True)
    install_jobs(s, config_path, mongo_uri, db_name, func=f"{__name__}:record_run")
    s.shutdown(wait=False)
    t = datetime(2026, 12, 1, 3, 0, tzinfo=CST)
    db[RUNS_COLLECTION].insert_many([
        {"job": "a", "status": "ok", "started_at": t, "finished_at": t},
        {"job": "b", "status": "failed", "failed_steps": 1, "started_at": t, "finished_at": t}])
    rows = {r["job"]: r for r in status(db, load_config(config_path))}
    assert rows["a"]["health"] == "healthy" and rows["a"]["next_run"] is not None
    assert rows["b"]["health"].startswith("failed") and rows["b"]["schedule"] == "0 3 * * *"
    assert rows["c"]["health"] == "never run" and rows["c"]["in_store"]
    # the command line shows the same
    env = {"MONGODB_URI": mongo_uri, "MONGODB_DATABASE": db_name, "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "govspider.cli", "schedule", "status", "--config",
                          config_path, "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["job"] for r in lines] == ["a", "b", "c"] and lines[1]["last_result"] == "failed"
    bad = subprocess.run([sys.executable, "-m", "govspider.cli", "schedule", "run", "--config",
                          _write(tmp_path, "jobs: nope")], capture_output=True, text=True, env=env,
                         timeout=120)
    assert bad.returncode != 0 and "jobs" in bad.stderr and "Traceback" not in bad.stderr


def test_a_run_due_outside_its_window_waits_for_the_window(tmp_path, mongo_uri, db_name, mongo_client):
    from govspider import scheduling

    now = datetime.now(CST)
    closed = f"{(now.hour + 2) % 24:02d}:00-{(now.hour + 3) % 24:02d}:00"
    config = _write(tmp_path, f"jobs:\n  - {{name: nightly, spiders: [weibo], every: 1h, window: '{closed}'}}\n")
    deferred: list[tuple[str, datetime]] = []
    scheduling._SCHEDULER_HOOKS["defer"] = lambda name, when: deferred.append((name, when))
    scheduling.run_job(config, "nightly", mongo_uri, db_name)
    (name, when), = deferred
    assert name == "nightly" and when > now and when.hour == (now.hour + 2) % 24 and when.minute == 0
    (run,) = mongo_client[db_name][RUNS_COLLECTION].find({"job": "nightly"})
    assert run["status"] == "deferred"  # nothing was crawled outside the window
