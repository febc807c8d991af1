"""`govspider db migrate` on a corpus as version 1 stored it (shapes taken from a version-1
demo corpus): dry run, migration, idempotence, and the result checked against the dictionary."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from govspider import datamodel

ROOT = Path(__file__).resolve().parents[2]
T = datetime(2026, 12, 1, 8, 35, tzinfo=timezone.utc)
STAMP = {"first_seen_at": T, "last_seen_at": T, "crawl_id": "c1", "doc_hash": "h"}
SITE = "http://127.0.0.1:8977/web/gov/11000001/index.html"


def v1_corpus(db: Any) -> None:
    db["meta"].insert_one({"_id": "schema", "schema_version": 1})
    db["registry"].insert_one({
        "_id": "东川省公安厅", "name": "东川省公安厅", "region": "110000", "region_name": "东川省",
        "level": "province", "website": SITE, "imported_at": T,
        "accounts": [{"platform": "weibo", "platform_id": "1"},
                     {"platform": "douyin", "platform_id": "MS4w"}], "apps": []})
    db["accounts"].insert_many([
        {"_id": "weibo:1", "platform": "weibo", "platform_id": "1", "unit": "东川省公安厅",
         "region": "110000", "last_post_at": datetime(2026, 11, 1, tzinfo=timezone.utc),
         "extra": {"gender": "m"}, **STAMP},
        # version 1: Douyin's IP属地 overwrote the registry's code
        {"_id": "douyin:MS4w", "platform": "douyin", "platform_id": "MS4w",
         "unit": "东川省公安厅", "region": "东川", **STAMP},
        # a registry stub no crawl reached
        {"_id": "wechat:Mz", "platform": "wechat", "platform_id": "Mz", "unit": "某局",
         "region": "临江市", "first_seen_at": T}])
    db["posts"].insert_many([
        # Weibo: deleted only when true, lists absent when empty
        {"_id": "weibo:10", "platform": "weibo", "platform_id": "10", "account_id": "weibo:1",
         "text": "通知", "topics": ["话题"], "published_at": datetime(2026, 11, 2, tzinfo=timezone.utc),
         "is_pinned": False, **STAMP},
        {"_id": "weibo:11", "platform": "weibo", "platform_id": "11", "account_id": "weibo:1",
         "text": "置顶", "published_at": datetime(2026, 11, 5, tzinfo=timezone.utc),
         "is_pinned": True, **STAMP},
        # the original of a repost, by an account nobody monitors
        {"_id": "weibo:12", "platform": "weibo", "platform_id": "12", "account_id": "weibo:99",
         "text": "原文", "published_at": datetime(2026, 11, 9, tzinfo=timezone.utc), **STAMP},
        # a deleted original seen only as a placeholder
        {"_id": "weibo:13", "platform": "weibo", "platform_id": "13", "deleted": True,
         "deleted_reason": "抱歉，此微博已被作者删除。", **STAMP},
        # Douyin: deleted never
        {"_id": "douyin:20", "platform": "douyin", "platform_id": "20",
         "account_id": "douyin:MS4w", "text": "视频", "topics": [], "mentions": [],
         "media": [{"type": "video", "url": "https://v"}],
         "published_at": datetime(2026, 10, 1, tzinfo=timezone.utc), **STAMP}])
    db["pages"].insert_one({"_id": "page:1", "url": SITE.replace("index.html", "a/b.html"),
                            "title": "t", "text": "x", "links": [], "fetched_at": T, **STAMP})
    db["findings"].insert_many([
        {"_id": "finding:1", "detector": "dormant_account", "detector_version": "1",
         "indicator": "内容不更新", "severity": "veto", "score": 1.0, "subject_type": "account",
         "subject_id": "weibo:1", "account_id": "weibo:1", "message": "m", "status": "open",
         "platform": "weibo", "detected_at": T,
         "evidence": {"last_update": "2026-07-15T20:52:22+08:00", "days_since_update": 127.6,
                      "examples": [{"published_at": "2026-07-15T20:52:22+08:00", "text": "2026"}]},
         **STAMP},
        {"_id": "finding:2", "detector": "seo_spam", "detector_version": "1",
         "indicator": "网页暗链黑链", "severity": "high", "score": 1.0, "subject_type": "page",
         "subject_id": "page:1", "message": "m", "status": "open", "evidence": {"matches": []},
         **STAMP}])


def cli(*args: str, uri: str, name: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MONGODB_URI=uri, MONGODB_DATABASE=name, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "govspider.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def snapshot(db: Any) -> dict[str, list[Any]]:
    return {c: list(db[c].find(sort=[("_id", 1)])) for c in sorted(db.list_collection_names())}


def test_migrate_a_version_1_corpus(mongo_uri: str, mongo_client: Any, db_name: str) -> None:
    db = mongo_client[db_name]
    v1_corpus(db)
    before = snapshot(db)

    dry = cli("db", "migrate", "--dry-run", uri=mongo_uri, name=db_name)
    assert dry.returncode == 0, dry.stderr
    assert "posts: 5 documents checked, 5 would change" in dry.stdout
    assert "schema version 1 -> 2" in dry.stdout and "nothing written" in dry.stdout
    assert snapshot(db) == before  # a dry run writes nothing

    res = cli("db", "migrate", uri=mongo_uri, name=db_name)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[:-1] == dry.stdout.replace("would change", "changed") \
        .splitlines()[:-1]  # the dry run said what the run did
    assert "schema version 1 -> 2" in res.stdout
    meta = db["meta"].find_one()
    assert meta["schema_version"] == 2 and meta["migrated_at"]

    posts = {d["_id"]: d for d in db["posts"].find()}
    assert all(isinstance(p["deleted"], bool) for p in posts.values())
    assert posts["weibo:10"]["mentions"] == [] and posts["weibo:10"]["topics"] == ["话题"]
    assert posts["douyin:20"]["links"] == [] and posts["douyin:20"]["deleted"] is False
    assert [posts[i]["monitored"] for i in ("weibo:10", "weibo:12", "weibo:13", "douyin:20")] \
        == [True, False, False, True]
    assert "topics" not in posts["weibo:13"]  # never seen with its content
    accounts = {d["_id"]: d for d in db["accounts"].find()}
    assert (accounts["douyin:MS4w"]["region"], accounts["douyin:MS4w"]["region_name"],
            accounts["douyin:MS4w"]["ip_region"]) == ("110000", "东川省", "东川")
    assert accounts["weibo:1"]["region_name"] == "东川省"
    assert "region" not in accounts["wechat:Mz"] and accounts["wechat:Mz"]["region_name"] == "临江市"
    # newest post neither deleted nor pinned (the pinned one of 11-05 does not count)
    assert accounts["weibo:1"]["last_post_at"] == datetime(2026, 11, 2, tzinfo=timezone.utc)
    assert accounts["douyin:MS4w"]["last_post_at"] == datetime(2026, 10, 1, tzinfo=timezone.utc)
    assert "weibo:99" not in accounts  # no account for the author of a reposted original
    page = db["pages"].find_one()
    assert (page["platform"], page["unit"]) == ("web", "东川省公安厅")
    findings = {d["_id"]: d for d in db["findings"].find()}
    evidence = findings["finding:1"]["evidence"]
    assert evidence["last_update"] == datetime(2026, 7, 15, 12, 52, 22, tzinfo=timezone.utc)
    assert isinstance(evidence["examples"][0]["published_at"], datetime)
    assert evidence["examples"][0]["text"] == "2026"  # text that is not a time stays text
    assert findings["finding:1"]["unit"] == "东川省公安厅"
    assert (findings["finding:2"]["platform"], findings["finding:2"]["unit"]) == ("web", "东川省公安厅")

    # every document now follows the dictionary, in Python and on the server
    for name in ("accounts", "posts", "pages", "findings", "registry", "meta"):
        validator = datamodel.python_validator(name)
        for doc in db[name].find():
            assert datamodel.check_document(name, doc) == [], (name, doc["_id"])
            assert not list(validator.iter_errors(doc)), (name, doc["_id"])
        assert db[name].count_documents(
            {"$nor": [{"$jsonSchema": datamodel.validators()[name]}]}) == 0
    options = db.command("listCollections", filter={"name": "posts"})["cursor"]["firstBatch"]
    assert options[0]["options"]["validationAction"] == "warn"  # validators applied
    check = cli("db", "check", uri=mongo_uri, name=db_name)
    assert check.returncode == 0, check.stdout + check.stderr

    # idempotent
    migrated = snapshot(db)
    again = cli("db", "migrate", uri=mongo_uri, name=db_name)
    assert again.returncode == 0 and "already at schema version 2: nothing to change" in again.stdout
    assert snapshot(db) == migrated


def test_db_check_and_migrate_say_what_is_wrong(mongo_uri: str, mongo_client: Any,
                                                db_name: str) -> None:
    db = mongo_client[db_name]
    v1_corpus(db)
    check = cli("db", "check", uri=mongo_uri, name=db_name)
    assert check.returncode == 1 and check.stderr.startswith("error: ")
    assert "deleted: missing (on every document)" in check.stdout
    db["meta"].update_one({"_id": "schema"}, {"$set": {"schema_version": 9}})
    res = cli("db", "migrate", uri=mongo_uri, name=db_name)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "newer" in res.stderr
    assert "--dry-run" in cli("db", "migrate", "--help", uri=mongo_uri, name=db_name).stdout


def test_an_empty_database_has_nothing_to_migrate(mongo_uri: str, db_name: str) -> None:
    res = cli("db", "migrate", uri=mongo_uri, name=db_name)
    assert res.returncode == 0 and "nothing to migrate" in res.stdout
