"""Crawl the sandbox stores into the embedded MongoDB: every planted lookalike is stored."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from govspider.registry import AccountRegistry
from govspider_plugins.appstores.icons import phash_distance

PROJECT = Path(__file__).resolve().parents[2]
STORES = ("itunes", "myapp", "huawei", "xiaomi")


def crawl(settings: dict[str, Any], registry: str, *args: str, timeout: int = 120) -> None:
    cmd = [str(Path(sys.executable).with_name("scrapy")), "crawl", "appstores",
           "-a", f"accounts={registry}", *args]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={json.dumps(value) if isinstance(value, (dict, list)) else value}"]
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def stored(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One crawl of all four stores, shared by the tests of this module."""
    sandbox = request.getfixturevalue("sandbox")
    mongo_uri = request.getfixturevalue("mongo_uri")
    import pymongo

    icons = tmp_path_factory.mktemp("icons")
    db_name = "test_appstores_crawl"
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_uri, tz_aware=True)
    client.drop_database(db_name)
    settings = {"MONGODB_URI": mongo_uri, "MONGODB_DATABASE": db_name, "LOG_LEVEL": "INFO",
                "TELNETCONSOLE_ENABLED": False, "GOVSPIDER_DETECT_ENABLED": False,
                "GOVSPIDER_ICONS_STORE": str(icons), **sandbox.settings}
    crawl(settings, sandbox.registry_path)
    yield sandbox, client[db_name], icons, settings
    client.drop_database(db_name)
    client.close()


def test_every_planted_lookalike_is_stored_with_its_icon_hash(stored: Any) -> None:
    sandbox, db, _, _ = stored
    world = sandbox.world
    apps = {d["_id"]: d for d in db["apps"].find()}
    truth = [g for g in world.ground_truth() if g["detector"] == "counterfeit_app" and g["label"]]
    lookalikes = [a for s in STORES for a in world.apps(s) if a.imitates]
    assert len(lookalikes) >= 4 and len(truth) == len(lookalikes)
    assert {g["subject_id"] for g in truth} <= set(apps)
    for app in lookalikes:
        doc = apps.get(app.corpus_id)
        assert doc is not None, f"{app.corpus_id} ({app.name}) not stored"
        assert doc["platform"] == app.store and doc["platform_id"] == app.app_id
        assert (doc["name"], doc["developer"], doc["package"]) == (app.name, app.developer, app.package)
        assert doc["search_terms"], app.corpus_id
        assert len(doc.get("icon_phash", "")) == 16, app.corpus_id


def test_official_apps_are_identified_by_package_and_developer(stored: Any) -> None:
    sandbox, db, _, _ = stored
    registry = AccountRegistry.load(sandbox.registry_path)
    assert registry.apps
    for entry in registry.apps:
        for store in STORES:
            officials = [a for a in sandbox.world.apps(store) if a.official and a.package == entry.package]
            for app in officials:
                doc = db["apps"].find_one({"_id": app.corpus_id})
                assert doc is not None, (store, entry.name)
                assert doc["package"] == entry.package and doc["developer"] == entry.developer
                assert set(doc["search_terms"]) & set(entry.names), (store, entry.name)
                assert doc.get("icon_phash")


def test_copied_icons_hash_close_to_the_official_icon(stored: Any) -> None:
    sandbox, db, _, _ = stored
    world = sandbox.world
    checked = 0
    for store in STORES:
        officials = {a.name: a for a in world.apps(store) if a.official}
        for app in world.apps(store):
            original = officials.get(app.imitates or "")
            if original is None or app.icon_key != original.icon_key:
                continue
            a = db["apps"].find_one({"_id": app.corpus_id})["icon_phash"]
            b = db["apps"].find_one({"_id": original.corpus_id})["icon_phash"]
            assert phash_distance(a, b) <= 10, (app.corpus_id, a, b)
            checked += 1
    assert checked, "the world planted no copied icon"


def test_icons_are_downloaded_once(stored: Any) -> None:
    _, db, icons, _ = stored
    urls = {d["icon_url"] for d in db["apps"].find({"icon_url": {"$exists": True}})}
    files = [p for p in icons.rglob("*") if p.is_file()]
    assert len(files) == len(urls)
    run = db["crawl_runs"].find_one({"spider": "appstores"})
    stats = run["stats"]
    assert stats.get("file_status_count/downloaded", 0) == len(urls)
    assert not any(k.startswith("govspider/errors_gave_up") for k in stats)


def test_store_troubles_are_retried_until_every_lookalike_is_stored(
        mongo_uri: str, tmp_path: Path) -> None:
    """Rate limits, captcha and block pages, empty and cut bodies: errors, retried, nothing lost."""
    import pymongo

    from govspider.sandbox.server import SandboxServer

    troubles = {"rate_limit": {"rate": 0.15, "burst": 0}, "captcha": 0.15, "blocked": 0.1,
                "empty_body": 0.1, "truncated": 0.1}
    db_name = "test_appstores_troubles"
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_uri, tz_aware=True)
    client.drop_database(db_name)
    try:
        with SandboxServer(seed=7, size="small", now="2026-11-20T12:00:00+08:00",
                           troubles=troubles) as sandbox:
            settings = {"MONGODB_URI": mongo_uri, "MONGODB_DATABASE": db_name,
                        "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False,
                        "GOVSPIDER_DETECT_ENABLED": False, "GOVSPIDER_BACKOFF_BASE": 0.05,
                        "GOVSPIDER_ICONS_STORE": str(tmp_path / "icons"), **sandbox.settings}
            crawl(settings, sandbox.registry_path)
            served = sandbox.stats()["troubles"]
            world = sandbox.world
        db = client[db_name]
        assert sum(v for k, v in served.items() if ":" not in k) >= 5, served
        stored = {d["_id"] for d in db["apps"].find({"icon_phash": {"$exists": True}})}
        lookalikes = {a.corpus_id for s in STORES for a in world.apps(s) if a.imitates}
        assert lookalikes <= stored
        run = db["crawl_runs"].find_one({"spider": "appstores"})
        assert sum(run["errors"].values()) >= 3  # the parsers saw the troubles as errors
        assert not any(k.startswith("govspider/errors_gave_up") for k in run["stats"])
    finally:
        client.drop_database(db_name)
        client.close()
