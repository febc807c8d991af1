"""Storage faults (issue 17, items 1, 4 and 7; issue 14): what a crawl promises when a document
cannot be encoded, when the database goes away, and when a crawl is killed half way.

Real processes only: the embedded server over TCP (its own instance where a test kills it),
``scrapy crawl`` subprocesses against the sandbox.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pymongo
import pytest

from govspider.items import Comment, Post
from govspider.processors import CST
from govspider.storage import CorpusWriter, StorageUnavailable
from govspider.storage.embedded import _answers, find_command, free_port
from govspider.storage.schema import ensure_indexes
from tests.weibo.test_crawl_sandbox import ROOT, SCRAPY, SECRET, write_registry

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


def posts(start: int, n: int) -> list[Post]:
    return [Post(_id=f"weibo:{4900000000000000 + i}", platform="weibo",
                 platform_id=str(4900000000000000 + i), account_id="weibo:6100000001",
                 text=f"第{i}条：今日全市交通运行平稳。", metrics={"likes": i},
                 published_at=datetime(2026, 10, 30, 9, 0, tzinfo=CST) + timedelta(minutes=i))
            for i in range(start, start + n)]


# ---------------------------------------------------------------------- item 7: one bad document
def test_lone_surrogate_loses_only_its_comment(db: Any, caplog: pytest.LogCaptureFixture) -> None:
    """416 comments, one with a lone surrogate (half an emoji cut by a platform): the other 415
    are stored, the bad one is counted and logged alone (before: the whole batch was lost)."""
    comments = [Comment(_id=f"weibo:{5000000000000000 + i}", platform="weibo",
                        platform_id=str(5000000000000000 + i), post_id="weibo:4900000000000000",
                        text=f"第{i}条评论👍") for i in range(416)]
    bad = comments[200]
    bad.text = "支持\ud83d"  # a lone high surrogate
    writer = CorpusWriter(db, crawl_id="c1")
    with caplog.at_level(logging.WARNING, logger="govspider.storage.writer"):
        stats = writer.write(comments + posts(0, 3))
    assert db.comments.count_documents({}) == 415
    assert db.comments.find_one({"_id": bad._id}) is None
    assert db.posts.count_documents({}) == 3  # the other collections of the batch too
    assert stats.failed["comments"] == 1 and stats.inserted["comments"] == 415
    assert stats.errors[0]["_id"] == bad._id and "surrogate" in stats.errors[0]["reason"]
    assert bad._id in caplog.text


def test_oversized_and_overflowing_documents_are_refused_alone(db: Any) -> None:
    batch = posts(0, 5)
    batch[1].metrics = {"likes": 2 ** 70}  # beyond BSON's 64-bit integers
    batch[3].text = "长" * (6 * 1024 * 1024)  # 18 MB of UTF-8
    stats = CorpusWriter(db, crawl_id="c1").write(batch)
    assert db.posts.count_documents({}) == 3 and stats.failed["posts"] == 2


# ---------------------------------------------------------------------- item 4: the database goes away
class OwnServer:
    """The embedded server's command (SecantusDB) run by the test itself, so that it can be
    killed (SIGKILL) and restarted on the same port and data directory."""

    def __init__(self, storage: Path):
        self.storage = storage
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> None:
        cmd = [find_command(), "--host", "127.0.0.1", "--port", str(self.port),
               "--storage-path", str(self.storage), "--log-level", "WARNING", "--standalone"]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while not _answers("127.0.0.1", self.port, 0.5):
            assert self.process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture
def own_server(tmp_path: Path) -> Any:
    server = OwnServer(tmp_path / "mongo")
    server.start()
    yield server
    server.stop()


def client_of(server: OwnServer) -> pymongo.MongoClient[dict[str, Any]]:
    return pymongo.MongoClient(server.uri, tz_aware=True, serverSelectionTimeoutMS=1000)


def test_outage_holds_writes_until_the_database_is_back(own_server: OwnServer) -> None:
    """Killed (SIGKILL) after acknowledging a batch, restarted 3 s later: the acknowledged batch
    is still there (journaled writes), the next batch was held and written once the server was
    back, counted once; every post stored exactly once."""
    client = client_of(own_server)
    db = client["corpus"]
    ensure_indexes(db)
    writer = CorpusWriter(db, crawl_id="c1", outage_seconds=60)
    writer.write(posts(0, 200))
    own_server.kill()
    back = threading.Timer(3.0, own_server.start)
    back.start()
    began = time.monotonic()
    writer.write(posts(150, 200))  # 50 re-sightings, 150 new
    held = time.monotonic() - began
    back.join()
    assert held >= 2.5 and writer.stats.retries >= 1
    assert db.posts.count_documents({}) == 350
    assert len(db.posts.distinct("_id")) == 350
    assert writer.stats.inserted["posts"] == 350 and writer.stats.total() == 400
    assert not writer.stats.lost
    client.close()


def test_outage_past_the_limit_stops_and_counts_what_was_lost(own_server: OwnServer) -> None:
    client = client_of(own_server)
    db = client["corpus"]
    ensure_indexes(db)
    writer = CorpusWriter(db, crawl_id="c1", outage_seconds=2)
    writer.write(posts(0, 100))
    own_server.kill()
    began = time.monotonic()
    with pytest.raises(StorageUnavailable):
        writer.write(posts(100, 100))
    assert time.monotonic() - began < 10
    began = time.monotonic()
    with pytest.raises(StorageUnavailable):  # declared down: later batches fail at once
        writer.write(posts(200, 50))
    assert time.monotonic() - began < 1
    assert writer.stats.lost["posts"] == 150
    assert writer.stats.total() == 100 and writer.stats.inserted["posts"] == 100
    own_server.start()
    assert client_of(own_server)["corpus"].posts.count_documents({}) == 100
    client.close()


# ---------------------------------------------------------------------- crawls (real processes)
def weibo_cmd(registry: Path, settings: dict[str, Any]) -> list[str]:
    cmd = [str(SCRAPY), "crawl", "weibo", "-a", f"accounts={registry}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def busiest_account(world: Any) -> Any:
    return max(world.accounts("weibo"), key=lambda a: len(world.posts(a, 0, 1000)))


def expected_posts(world: Any, acc: Any) -> set[str]:
    return {f"weibo:{p.post_id}" for p in world.pinned(acc) + world.posts(acc, 0, 1000)}


def stored_posts(db: Any, acc: Any) -> set[str]:
    return {d["_id"] for d in db["posts"].find({"account_id": f"weibo:{acc.platform_id}"}, {"_id": 1})}


def crawl_settings_for(sandbox: Any, base: dict[str, Any]) -> dict[str, Any]:
    return {**base, "GOVSPIDER_NOW": sandbox.world.now.isoformat(),
            "GOVSPIDER_DETECT_ENABLED": False, "GOVSPIDER_BACKOFF_BASE": 0.1,
            "GOVSPIDER_STORE_BATCH_SIZE": 10, "WEIBO_MAX_COMMENT_PAGES": 1,
            # no revisit window and no paging back through recent days (the "changed" re-crawl
            # policy): the re-run relies on its stop point alone to find the gap
            "WEIBO_REVISIT_DAYS": 0, "WEIBO_RECRAWL_POLICY": "all",
            "WEIBO_BASE_URL": sandbox.settings["WEIBO_BASE_URL"]}


def test_rerun_after_a_killed_crawl_fetches_the_missed_posts(
        sandbox: Any, crawl_settings: dict[str, Any], db: Any, tmp_path: Path) -> None:
    """Item 1: a first crawl killed (SIGKILL) once some of the newest posts are stored; the
    default incremental re-run must fetch the older ones it missed (before: it stopped at the
    newest stored post and exited 0 with half the account)."""
    acc = busiest_account(sandbox.world)
    expected = expected_posts(sandbox.world, acc)
    registry = write_registry([acc], tmp_path / "registry.yaml")
    settings = crawl_settings_for(sandbox, crawl_settings)
    env = {**os.environ, "GOVSPIDER_WEIBO_COOKIE": SECRET}
    proc = subprocess.Popen(weibo_cmd(registry, settings), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(stored_posts(db, acc)) < 5 and time.monotonic() < deadline:
            assert proc.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait(30)
    partial = stored_posts(db, acc)
    assert 0 < len(partial) < len(expected), (len(partial), len(expected))

    rerun = subprocess.run(weibo_cmd(registry, settings), cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert stored_posts(db, acc) == expected
    run = db["crawl_runs"].find_one({"finish_reason": "finished"})
    assert run["accounts_completed"] == [f"weibo:{acc.platform_id}"]


# ------------------------------------------------------------ crawls whose database goes away
GOVSPIDER = Path(SCRAPY).with_name("govspider")


def govspider_crawl(registry: Path, settings: dict[str, Any]) -> list[str]:
    cmd = [str(GOVSPIDER), "crawl", "weibo", "-a", f"accounts={registry}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def kill_once_posts_stored(proc: subprocess.Popen[str], db: Any, acc: Any, server: OwnServer,
                           at_least: int = 5) -> set[str]:
    """SIGKILL the database once the crawl stored ``at_least`` posts of ``acc``; what it had."""
    deadline = time.monotonic() + 120
    while len(stored := stored_posts(db, acc)) < at_least:
        assert proc.poll() is None, "the crawl ended before the database could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server.kill()
    return stored


def outage_settings(sandbox: Any, server: OwnServer, **extra: Any) -> dict[str, Any]:
    settings = crawl_settings_for(sandbox, {"MONGODB_URI": server.uri, "MONGODB_DATABASE": "corpus",
                                            "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False})
    # slow enough that the crawl is still running while the database is away
    return {**settings, "DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, **extra}


def test_crawl_holds_its_items_while_the_database_restarts(
        sandbox: Any, own_server: OwnServer, tmp_path: Path) -> None:
    """Issue 14 and issue 17 item 4, at the level of a crawl: the database is SIGKILLed half way
    and back 4 s later. The crawl holds what it could not write, writes it when the database is
    back, exits 0 and healthy; every post is stored once and the summary's ``stored`` is what
    the database acknowledged."""
    acc = busiest_account(sandbox.world)
    expected = expected_posts(sandbox.world, acc)
    registry = write_registry([acc], tmp_path / "registry.yaml")
    client = client_of(own_server)
    db = client["corpus"]
    settings = outage_settings(sandbox, own_server, GOVSPIDER_STORE_OUTAGE_SECONDS=60)
    env = {**os.environ, "GOVSPIDER_WEIBO_COOKIE": SECRET}
    proc = subprocess.Popen(govspider_crawl(registry, settings), cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        partial = kill_once_posts_stored(proc, db, acc, own_server)
        time.sleep(4)
        assert proc.poll() is None, "the crawl did not wait for its database"
        own_server.start()
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert len(partial) < len(expected)
    assert stored_posts(db, acc) == expected
    summary = __import__("json").loads(out)["weibo"]
    assert summary["not_stored"] == 0 and summary["health"]["passed"] is True
    assert summary["stored"] == sum(db[c].count_documents({}) for c in
                                    ("accounts", "account_metrics", "posts", "comments",
                                     "account_crawls"))
    run = db["crawl_runs"].find_one({"_id": summary["crawl_id"]})
    assert run["status"] == "finished" and run["accounts_completed"] == [f"weibo:{acc.platform_id}"]
    client.close()


def test_crawl_stops_when_the_database_stays_away_and_the_next_run_completes(
        sandbox: Any, own_server: OwnServer, tmp_path: Path) -> None:
    """The database is SIGKILLed half way and stays away past GOVSPIDER_STORE_OUTAGE_SECONDS:
    the crawl stops with a non-zero exit and says how much it could not store (before: it went
    on and counted items never stored). The database back, the next default (incremental) run
    fetches what is missing: the corpus ends complete, each post once."""
    acc = busiest_account(sandbox.world)
    expected = expected_posts(sandbox.world, acc)
    registry = write_registry([acc], tmp_path / "registry.yaml")
    client = client_of(own_server)
    db = client["corpus"]
    settings = outage_settings(sandbox, own_server, GOVSPIDER_STORE_OUTAGE_SECONDS=2)
    env = {**os.environ, "GOVSPIDER_WEIBO_COOKIE": SECRET}
    proc = subprocess.Popen(govspider_crawl(registry, settings), cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        partial = kill_once_posts_stored(proc, db, acc, own_server)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err[-3000:]
    assert "failed its health checks" in err and "storage_unavailable" in err, err[-4000:]
    # a clear stop, not one traceback per held item
    assert "raise StorageUnavailable" not in err and "never retrieved" not in err, err[-4000:]
    summary = __import__("json").loads(out)["weibo"]
    assert summary["not_stored"] > 0 and summary["health"]["passed"] is False

    own_server.start()
    # journaled: what was acknowledged before the kill survived (more may have been acknowledged
    # between that look and the kill)
    assert partial <= stored_posts(db, acc)
    rerun = subprocess.run(govspider_crawl(registry, settings), cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert stored_posts(db, acc) == expected
    client.close()
