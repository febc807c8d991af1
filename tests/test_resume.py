"""A killed crawl resumes (issue 14): SIGKILL a real crawl half way, run it again, and the
corpus ends as one uninterrupted crawl leaves it, each document once.

(Split from tests/test_storage_faults.py, whose helpers it shares, so that the two long files
run on different test workers.)
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from govspider.sandbox.server import SandboxServer
from tests import test_storage_faults as faults
from tests.test_storage_faults import (
    ROOT,
    SECRET,
    OwnServer,
    client_of,
    crawl_settings_for,
    govspider_crawl,
    write_registry,
)

own_server = faults.own_server  # the fixture: a database server this test may kill


# ------------------------------------------------------------- a killed crawl resumes (issue 14)
def ids(db: Any, collection: str) -> set[str]:
    return {d["_id"] for d in db[collection].find({}, {"_id": 1})}


def kill_when(cmd: list[str], env: dict[str, str], ready: Any) -> None:
    """Run a crawl and SIGKILL it as soon as ``ready()`` is true (within 120 s)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not ready():
            assert proc.poll() is None, "the crawl ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait(30)


def test_a_killed_crawl_continues_where_it_stopped(
        sandbox: Any, own_server: OwnServer, tmp_path: Path) -> None:
    """SIGKILL half way through a three-account crawl, once one account was marked complete,
    then the default re-run: the corpus ends the same as one uninterrupted crawl's (same posts,
    comments and accounts, each once), and the re-run does not crawl the completed account
    again: it costs less than a full crawl."""
    accounts = sorted(sandbox.world.accounts("weibo"),
                      key=lambda a: -len(sandbox.world.posts(a, 0, 1000)))[:3]
    registry = write_registry(accounts, tmp_path / "registry.yaml")
    client = client_of(own_server)
    env = {**os.environ, "GOVSPIDER_WEIBO_COOKIE": SECRET}
    base = {"MONGODB_URI": own_server.uri, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
    settings = {k: v for k, v in crawl_settings_for(sandbox, base).items()
                if k not in ("WEIBO_REVISIT_DAYS", "WEIBO_RECRAWL_POLICY")}  # the defaults
    # slow enough that the kill lands between the accounts' completions
    settings.update(CONCURRENT_REQUESTS_PER_DOMAIN=2, DOWNLOAD_DELAY=0.05)

    reference = subprocess.run(govspider_crawl(registry, {**settings, "MONGODB_DATABASE": "ref"}),
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert reference.returncode == 0, reference.stderr[-3000:]
    ref = client["ref"]
    assert ref["account_crawls"].count_documents({}) == 3  # every account marked complete

    corpus = client["corpus"]
    kill_when(govspider_crawl(registry, {**settings, "MONGODB_DATABASE": "corpus"}), env,
              lambda: corpus["account_crawls"].count_documents({}))
    complete = ids(corpus, "account_crawls")
    assert 0 < len(complete) < 3 and len(ids(corpus, "posts")) < len(ids(ref, "posts"))
    rerun = subprocess.run(govspider_crawl(registry, {**settings, "MONGODB_DATABASE": "corpus"}),
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    for collection in ("accounts", "posts", "comments", "account_crawls"):
        assert ids(corpus, collection) == ids(ref, collection), collection
        assert corpus[collection].count_documents({}) == ref[collection].count_documents({})
    full = json.loads(reference.stdout)["weibo"]["requests"]
    resumed = json.loads(rerun.stdout)["weibo"]["requests"]
    # the completed account costs its first timeline page, not its crawl
    done = [a for a in accounts if f"weibo:{a.platform_id}" in complete]
    assert resumed < full - sum(len(sandbox.world.posts(a, 0, 1000)) for a in done) // 10, \
        (resumed, full)
    client.close()


def test_a_recrawl_killed_inside_an_account_completes_its_comments_on_the_rerun(
        sandbox: Any, own_server: OwnServer, tmp_path: Path) -> None:
    """Issue 14, resume inside an account: a completed crawl of generation 0, then a re-crawl
    of generation 1 (new posts and comments) SIGKILLed inside the account, once some of the new
    posts are stored but before the account is marked complete. Posts are stored before their
    comments are fetched, so the kill leaves stored posts without their comments; the default
    re-run (the ``changed`` policy skips the comments of a post whose listed comment count
    equals the stored one) must fetch them: the corpus ends as uninterrupted crawls leave it."""
    gen1 = SandboxServer(seed=7, size="small", now=sandbox.world.now.isoformat(), generation=1)
    w0, w1 = sandbox.world, gen1.world

    def new_posts(acc: Any) -> int:
        old = {p.post_id for p in w0.posts(acc, 0, 1000)}
        return sum(1 for p in w1.posts(w1.account("weibo", acc.platform_id), 0, 1000)
                   if p.post_id not in old and w1.comment_count(p))

    acc = max(w0.accounts("weibo"), key=new_posts)  # the most new posts with comments
    assert new_posts(acc) >= 2
    registry = write_registry([acc], tmp_path / "registry.yaml")
    client = client_of(own_server)
    env = {**os.environ, "GOVSPIDER_WEIBO_COOKIE": SECRET}
    base = {"MONGODB_URI": own_server.uri, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
    settings = {k: v for k, v in crawl_settings_for(sandbox, base).items()
                if k not in ("WEIBO_REVISIT_DAYS", "WEIBO_RECRAWL_POLICY", "WEIBO_BASE_URL")}
    settings.update(CONCURRENT_REQUESTS_PER_DOMAIN=2, DOWNLOAD_DELAY=0.05, WEIBO_MAX_COMMENT_PAGES=3)

    def crawl(database: str, server: Any) -> subprocess.CompletedProcess[str]:
        run = subprocess.run(govspider_crawl(registry, {
            **settings, "MONGODB_DATABASE": database,
            "WEIBO_BASE_URL": server.settings["WEIBO_BASE_URL"]}),
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        return run

    with gen1:
        for database in ("ref", "corpus"):
            crawl(database, sandbox)
        crawl("ref", gen1)
        ref, corpus = client["ref"], client["corpus"]
        before = ids(corpus, "posts")
        assert ids(ref, "posts") - before, "generation 1 has new posts"
        kill_when(govspider_crawl(registry, {
            **settings, "MONGODB_DATABASE": "corpus",
            "WEIBO_BASE_URL": gen1.settings["WEIBO_BASE_URL"]}), env,
            lambda: ids(corpus, "posts") - before)
        assert ids(corpus, "comments") < ids(ref, "comments"), "the kill lost no comment"
        crawl("corpus", gen1)
    for collection in ("accounts", "posts", "comments", "account_crawls"):
        assert ids(corpus, collection) == ids(ref, collection), collection
    client.close()
