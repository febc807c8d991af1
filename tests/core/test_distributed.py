"""Distributed crawling: two workers sharing one scrapy-redis queue on a real redis-server.

They must store what one process stores, without fetching pages twice.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (make test installs Debian's redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def worker(settings: dict[str, Any], registry: Path, out: Path,
           spider: str = "weibo") -> subprocess.Popen[bytes]:
    cmd = [sys.executable, str(ROOT / "bench" / "run_crawl.py"), str(out), spider,
           "-a", f"accounts={registry}", "-a", "full=1"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    with out.with_suffix(".log").open("wb") as log:  # read by _error_lines
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)


def _error_lines(log: Path) -> list[str]:
    """ERROR lines of a worker's log, each with its exception (the traceback's last line)."""
    lines = log.read_text(errors="replace").splitlines()
    found = []
    for i, line in enumerate(lines):
        if "] ERROR:" in line and "Spidermon" not in line:
            exc = next((x for x in lines[i + 1:] if x and not x[0].isspace()
                        and not x.startswith("Traceback")), "")
            found.append(f"{log.name}: {line} -> {exc}")
    return found


def counts(db: Any) -> dict[str, int]:
    return {c: db[c].count_documents({}) for c in ("accounts", "posts", "comments")}


def test_two_workers_share_one_queue(sandbox: Any, crawl_settings: dict[str, Any], redis_url: str,
                                     mongo_client: Any, tmp_path: Path) -> None:
    base = dict(sandbox.settings) | crawl_settings
    # one process, no Redis: the reference corpus
    single = base | {"MONGODB_DATABASE": crawl_settings["MONGODB_DATABASE"] + "_single"}
    assert worker(single, sandbox.registry_path, tmp_path / "single.json").wait(180) == 0
    # two workers started together on the same Redis queue and dupefilter
    shared = base | {"GOVSPIDER_REDIS_URL": redis_url, "LOG_LEVEL": "INFO"}
    procs = [worker(shared, sandbox.registry_path, tmp_path / f"w{i}.json") for i in (1, 2)]
    assert [p.wait(180) for p in procs] == [0, 0]
    # a worker taking a request for an account it has not started itself must not fail on it
    errors = [line for i in (1, 2) for line in _error_lines(tmp_path / f"w{i}.log")]
    assert not errors, "\n".join(errors[:20])
    reference = mongo_client[single["MONGODB_DATABASE"]]
    try:
        got = counts(mongo_client[crawl_settings["MONGODB_DATABASE"]])
        assert got == counts(reference) and got["posts"] > 0
        one = json.loads((tmp_path / "single.json").read_text())["responses"]
        each = [json.loads((tmp_path / f"w{i}.json").read_text())["responses"] for i in (1, 2)]
        assert all(n > 0 for n in each), each  # both workers took work from the queue
        assert sum(each) <= one * 1.05, (each, one)  # and no page was fetched twice
    finally:
        mongo_client.drop_database(single["MONGODB_DATABASE"])


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                    reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_two_browser_workers_share_douyin_accounts(sandbox: Any, crawl_settings: dict[str, Any],
                                                    redis_url: str, db: Any, tmp_path: Path) -> None:
    """Douyin page requests go through Redis (they must pickle: the page-init callback is an
    import path), each account is opened by one worker only, and each worker keeps its own
    bound on open pages, also for pages of requests the other worker queued."""
    from tests.douyin.helpers import check_account_against_world, light_accounts, write_registry

    accounts = light_accounts(sandbox.world, 4)
    registry = write_registry(Path(sandbox.registry_path), accounts, tmp_path / "reg.yaml")
    settings = dict(sandbox.settings) | crawl_settings | {
        "GOVSPIDER_REDIS_URL": redis_url, "LOG_LEVEL": "INFO", "GOVSPIDER_DETECT_ENABLED": False,
        "DOUYIN_BROWSER_CONCURRENCY": 1}
    procs = [worker(settings, registry, tmp_path / f"d{i}.json", "douyin") for i in (1, 2)]
    assert [p.wait(240) for p in procs] == [0, 0]
    errors = [line for i in (1, 2) for line in _error_lines(tmp_path / f"d{i}.log")]
    assert not errors, "\n".join(errors[:20])
    for acc in accounts:
        check_account_against_world(db, sandbox.world, acc)
    runs = list(db["crawl_runs"].find({"spider": "douyin"}))
    assert len(runs) == 2
    stats = [r["stats"] for r in runs]
    # every account opened once in all (no page twice), never two pages at once in a worker
    assert sum(st.get("playwright/page_count", 0) for st in stats) == len(accounts)
    assert all(st.get("playwright/context_count/max_concurrent", 0) <= 1 for st in stats)
    assert sum(st.get("douyin/accounts_complete", 0) for st in stats) == len(accounts)


def _scheduler(redis_url: str, name: str = "regtest", **settings: Any) -> tuple[Any, Any]:
    from scrapy import Spider
    from scrapy.settings import Settings

    from govspider.distributed import SharedScheduler

    values = Settings({"REDIS_URL": redis_url, "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
                       "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.FifoQueue", **settings})
    spider = Spider(name=name)
    spider.settings = values
    return SharedScheduler.from_settings(values), spider


def _request(url: str) -> Any:
    from scrapy import Request

    return Request(url, callback=None)


def test_the_last_worker_of_a_run_clears_the_shared_queue_not_the_first(redis_url: str) -> None:
    import redis

    server = redis.Redis.from_url(redis_url)
    first, spider = _scheduler(redis_url)
    second, _ = _scheduler(redis_url)
    first.open(spider)
    second.open(spider)
    # the run started when the first worker did; every worker knows it
    assert first.run_started_at is not None and second.run_started_at == first.run_started_at
    assert spider.run_started_at == first.run_started_at
    assert second.enqueue_request(_request("http://a.invalid/1"))
    assert not first.enqueue_request(_request("http://a.invalid/1"))  # one shared dupefilter
    first.close("finished")  # out of work for now: the other worker's request must survive
    assert len(second) == 1 and server.exists("regtest:dupefilter")
    assert second.next_request().url == "http://a.invalid/1"
    second.close("finished")  # the last one out clears everything of the run
    assert not server.exists("regtest:requests", "regtest:dupefilter", "regtest:workers")


def test_a_new_run_forgets_the_last_runs_dupefilter_but_resumes_an_interrupted_queue(redis_url: str) -> None:
    import redis

    server = redis.Redis.from_url(redis_url)
    # a run that stopped without clearing (a crash): its dupefilter and an expired worker entry
    server.sadd("regtest:dupefilter", "stale-fingerprint")
    server.hset("regtest:workers", "crashed:1", 1)
    sched, spider = _scheduler(redis_url)
    sched.open(spider)  # alone, empty queue: a new run
    assert not server.sismember("regtest:dupefilter", "stale-fingerprint")
    assert not server.hexists("regtest:workers", "crashed:1")
    assert sched.enqueue_request(_request("http://a.invalid/2"))
    sched.close("shutdown")  # interrupted: the queue is kept for the next run
    assert server.exists("regtest:requests")
    resumed, spider = _scheduler(redis_url)
    resumed.open(spider)
    assert len(resumed) == 1 and server.exists("regtest:dupefilter")  # resumed, not reset
    assert resumed.next_request().url == "http://a.invalid/2"
    resumed.close("finished")
    assert not server.exists("regtest:requests", "regtest:dupefilter")


def test_persist_keeps_the_queue_after_the_last_worker(redis_url: str) -> None:
    import redis

    server = redis.Redis.from_url(redis_url)
    sched, spider = _scheduler(redis_url, GOVSPIDER_REDIS_PERSIST=True)
    sched.open(spider)
    sched.enqueue_request(_request("http://a.invalid/3"))
    sched.close("finished")
    assert server.exists("regtest:requests") and server.exists("regtest:dupefilter")
