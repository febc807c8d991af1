"""``scrapy crawl wechat`` against the sandbox, into the test MongoDB: every article of every
registry account lands in ``posts`` with its full text, deleted ones are marked deleted, a second
run is incremental, and the mp backend source finds the same articles."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pymongo
import pytest
import yaml

from govspider_plugins.wechat.sandbox import SANDBOX_TOKEN

PROJECT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def crawl(settings: dict[str, Any], registry: str | Path, *args: str,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [str(Path(sys.executable).with_name("scrapy")), "crawl", "wechat",
           "-a", f"accounts={registry}", *args]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={json.dumps(value) if isinstance(value, (dict, list)) else value}"]
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Not crawl errors: tldextract (Scrapy's cookie middleware) tries to download the public
    # suffix list once and logs the failure when offline (it falls back to its bundled copy);
    # Spidermon reports a failed monitor with a traceback (an incremental run scrapes nothing).
    tracebacks = proc.stderr.split("Traceback (most recent call last)")[1:]
    assert all("public_suffix_list" in t or "spidermon/" in t for t in tracebacks), \
        proc.stderr[-3000:]
    return proc


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def last_run(db: Any) -> dict[str, Any]:
    return db["crawl_runs"].find_one({"spider": "wechat"}, sort=[("started_at", -1)])


@pytest.fixture(scope="module")
def crawled(request: pytest.FixtureRequest) -> Any:
    sandbox = request.getfixturevalue("sandbox")
    mongo_uri = request.getfixturevalue("mongo_uri")
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_uri, tz_aware=True)
    db_name = "test_wechat_crawl"
    client.drop_database(db_name)
    settings = {"MONGODB_URI": mongo_uri, "MONGODB_DATABASE": db_name, "LOG_LEVEL": "INFO",
                "TELNETCONSOLE_ENABLED": False, "GOVSPIDER_DETECT_ENABLED": False,
                **sandbox.settings}
    first = crawl(settings, sandbox.registry_path)
    yield sandbox, client[db_name], settings, first
    client.drop_database(db_name)
    client.close()


def test_every_article_lands_with_full_text(crawled: Any) -> None:
    sandbox, db, _, _ = crawled
    world = sandbox.world
    accounts = world.accounts("wechat")
    expected = {p.corpus_id: p for a in accounts for p in world.posts(a, 0, world.post_count(a))}
    stored = {d["_id"]: d for d in db["posts"].find({"platform": "wechat"})}
    assert set(stored) == set(expected)
    deleted = [p for p in expected.values() if p.deleted]
    assert deleted, "the world should hold deleted articles"
    for _id, post in expected.items():
        doc = stored[_id]
        assert doc["account_id"] == post.account.corpus_id
        assert doc["url"] == post.url
        if post.deleted:
            assert doc["deleted"] is True and doc["deleted_reason"] == post.deleted_reason
            continue
        assert doc["deleted"] is False
        assert doc["title"] == post.title
        assert squash(doc["text"]) == squash(post.text), _id
        assert doc["published_at"] == post.created_at.replace(microsecond=0)
        assert doc["is_original"] is post.is_original


def test_account_documents_come_from_article_pages(crawled: Any) -> None:
    sandbox, db, _, _ = crawled
    for acc in sandbox.world.accounts("wechat"):
        doc = db["accounts"].find_one({"_id": acc.corpus_id})
        assert doc is not None, acc.name
        assert (doc["name"], doc["platform_id"], doc["unit"]) == (acc.name, acc.platform_id,
                                                                  acc.unit.name)
        assert doc["extra"] == {"gh_id": acc.gh_id, "alias": acc.alias}


def test_second_run_is_incremental(crawled: Any) -> None:
    sandbox, db, settings, _ = crawled
    first = last_run(db)["stats"]
    crawl(settings, sandbox.registry_path)
    second = last_run(db)["stats"]
    searches = len(sandbox.world.accounts("wechat"))
    assert first["downloader/request_count"] > 10 * searches
    # one search page per account, nothing newer than what is stored
    assert second["downloader/request_count"] == searches
    assert "govspider/items/post" not in second


def test_mp_backend_source_finds_the_same_articles(crawled: Any, tmp_path: Path) -> None:
    sandbox, db, settings, _ = crawled
    world = sandbox.world
    registry = yaml.safe_load(Path(sandbox.registry_path).read_text(encoding="utf-8"))
    picked = [a for a in world.accounts("wechat")][:2]
    keep = {a.platform_id for a in picked}
    for unit in registry["units"]:
        unit["accounts"] = [a for a in unit["accounts"] if a["platform_id"] in keep]
        unit["apps"] = []
    subset = tmp_path / "registry.yaml"
    subset.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    db_name = settings["MONGODB_DATABASE"] + "_mp"
    mp_settings = settings | {"MONGODB_DATABASE": db_name, "WECHAT_SOURCE": "mp"}
    proc = crawl(mp_settings, subset, env={"GOVSPIDER_WECHAT_TOKEN": SANDBOX_TOKEN,
                                           "GOVSPIDER_WECHAT_COOKIE": "slave_sid=sandbox-session"})
    assert SANDBOX_TOKEN not in proc.stderr and "sandbox-session" not in proc.stderr
    mp_db = db.client[db_name]
    try:
        expected = {p.corpus_id for a in picked for p in world.posts(a, 0, world.post_count(a))}
        stored = {d["_id"]: d for d in mp_db["posts"].find()}
        assert set(stored) == expected
        for _id, doc in stored.items():
            assert doc == {**doc, **{k: v for k, v in db["posts"].find_one({"_id": _id}).items()
                                     if k in ("title", "text", "deleted", "published_at")}}
    finally:
        db.client.drop_database(db_name)


def test_troubled_sandbox_still_yields_every_article_complete(mongo_uri: str) -> None:
    """With every trouble on (rate limits, captchas, empty and cut bodies, blocks), retries
    recover: every article lands, none with a partial text."""
    from govspider.sandbox.server import SandboxServer

    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_uri, tz_aware=True)
    db_name = "test_wechat_crawl_troubles"
    client.drop_database(db_name)
    try:
        with SandboxServer(seed=7, size="small", now="2026-11-20T12:00:00+08:00",
                           troubles="default") as sandbox:
            settings = {"MONGODB_URI": mongo_uri, "MONGODB_DATABASE": db_name,
                        "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False,
                        "GOVSPIDER_DETECT_ENABLED": False, "GOVSPIDER_BACKOFF_BASE": 0.05,
                        "RETRY_TIMES": 5, **sandbox.settings}
            crawl(settings, sandbox.registry_path)
            served = sandbox.stats()["troubles"]
            world = sandbox.world
        for trouble in ("/wechat:captcha", "/wechat:empty_body", "/wechat:truncated",
                        "/sogou:captcha", "/sogou:rate_limit"):
            assert served.get(trouble), (trouble, served)
        db = client[db_name]
        expected = {p.corpus_id: p for a in world.accounts("wechat")
                    for p in world.posts(a, 0, world.post_count(a))}
        stored = {d["_id"]: d for d in db["posts"].find()}
        assert set(stored) == set(expected)
        for _id, post in expected.items():
            if post.deleted:
                assert stored[_id]["deleted"] is True
            else:
                assert squash(stored[_id]["text"]) == squash(post.text), _id
    finally:
        client.drop_database(db_name)
        client.close()
