"""End to end: ``scrapy crawl weibo`` against the sandbox into the embedded MongoDB, then a
re-crawl of the same world one generation later (edits, deletions, new posts and comments) with
the re-crawl policy ``all``, which re-visits every stored post (the ``changed`` policy is
tested in ``tests/test_recrawl.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRAPY = Path(sys.executable).with_name("scrapy")
SECRET = "SUB=weibo-test-cookie-not-to-be-logged-7f3a"


def pick_accounts(world: Any, later: Any) -> list[Any]:
    """A few accounts that together show every case: a pinned post, long texts, a retweet of a
    deleted original, official replies, and (one generation later) an edit and a deletion."""
    wanted = {
        "pinned": lambda a, ps: bool(world.pinned(a)),
        "deleted original": lambda a, ps: any(p.repost_of and p.repost_of.deleted for p in ps),
        "edit": lambda a, ps: any(p.edited_text for p in later.posts(later.account("weibo", a.platform_id), 0, 1000)),
        "deletion": lambda a, ps: any(p.deleted for p in later.posts(later.account("weibo", a.platform_id), 0, 1000)),
    }
    chosen: list[Any] = []
    for need, test in wanted.items():
        if any(test(a, world.posts(a, 0, 1000)) for a in chosen):
            continue
        for acc in world.accounts("weibo"):
            if acc not in chosen and test(acc, world.posts(acc, 0, 1000)):
                chosen.append(acc)
                break
        else:
            pytest.fail(f"the sandbox world has no weibo account with a {need}")
    return chosen


def write_registry(accounts: list[Any], path: Path) -> Path:
    units = [{"name": a.unit.name, "region": a.unit.region, "level": a.unit.level,
              "accounts": [{"platform": "weibo", "platform_id": a.platform_id, "name": a.name}]}
             for a in accounts]
    path.write_text(yaml.safe_dump({"version": 1, "units": units}, allow_unicode=True),
                    encoding="utf-8")
    return path


def crawl(settings: dict[str, Any], registry: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(SCRAPY), "crawl", "weibo", "-a", f"accounts={registry}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "GOVSPIDER_WEIBO_COOKIE": SECRET}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert SECRET not in proc.stdout + proc.stderr  # the cookie is used, never logged
    return proc


def last_run(db: Any) -> dict[str, Any]:
    return next(db["crawl_runs"].find().sort("started_at", -1).limit(1))


def close(a: datetime, b: datetime, seconds: float = 60) -> bool:
    return abs((a - b).total_seconds()) <= seconds


def test_crawl_then_recrawl(sandbox: Any, crawl_settings: dict[str, Any], db: Any,
                            tmp_path: Path) -> None:
    from govspider.sandbox.server import SandboxServer
    from govspider.sandbox.world import World

    world = sandbox.world
    later = World(seed=world.seed, size="small", now=world.now, generation=1)
    accounts = pick_accounts(world, later)
    registry = write_registry(accounts, tmp_path / "registry.yaml")
    settings = {**crawl_settings, "GOVSPIDER_NOW": world.now.isoformat(),
                "GOVSPIDER_DETECT_ENABLED": False, "WEIBO_MAX_COMMENT_PAGES": 10,
                "WEIBO_REVISIT_DAYS": 3650, "GOVSPIDER_BACKOFF_BASE": 0.1,
                "WEIBO_BASE_URL": sandbox.settings["WEIBO_BASE_URL"]}

    # ---------------------------------------------------------------- first crawl
    crawl(settings, registry)
    for acc in accounts:
        account_id = f"weibo:{acc.platform_id}"
        doc = db["accounts"].find_one({"_id": account_id})
        assert doc["name"] == acc.name and doc["unit"] == acc.unit.name
        assert doc["posts_count"] == acc.post_count
        assert abs(doc["followers"] - acc.followers) <= (500 if acc.followers >= 10_000 else 0)
        assert db["account_metrics"].count_documents({"account_id": account_id}) == 1
        expected = world.pinned(acc) + world.posts(acc, 0, 1000)
        stored = {d["_id"]: d for d in db["posts"].find({"account_id": account_id})}
        assert set(stored) == {f"weibo:{p.post_id}" for p in expected}
        newest = max(p.created_at for p in world.posts(acc, 0, 1000))
        assert close(doc["last_post_at"], newest)
        for post in expected:
            got = stored[f"weibo:{post.post_id}"]
            assert got["text"] == post.text, post.post_id  # long texts complete
            assert close(got["published_at"], post.created_at)
            assert got["is_pinned"] is post.pinned
            assert abs(got["metrics"]["likes"] - post.likes) <= (500 if post.likes >= 10_000 else 0)
            if post.is_long:
                assert got["is_long_text"] is True and "truncated" not in got.get("extra", {})
            if post.repost_of is not None:
                original = db["posts"].find_one({"_id": got["repost_of"]})
                assert got["repost_of"] == f"weibo:{post.repost_of.post_id}" and original
                if post.repost_of.deleted:
                    assert original["deleted"] is True and original["deleted_reason"]
                else:
                    assert original["text"] == post.repost_of.text
            comments = list(db["comments"].find({"post_id": f"weibo:{post.post_id}"}))
            world_comments = world.comments(post, 0, 1000)
            assert len(comments) == sum(1 + len(c.replies) for c in world_comments)
            official = {f"weibo:{r.comment_id}" for c in world_comments for r in c.replies
                        if r.is_official}
            assert {c["_id"] for c in comments if c.get("is_official")} == official
            assert all(c["account_id"] == account_id for c in comments)
    first = last_run(db)
    assert first["stats"].get("govspider/outcome/error", 0) == 0
    assert db["post_versions"].count_documents({}) == 0
    posts_before = db["posts"].count_documents({})

    # ---------------------------------------------------------------- re-crawl, generation 1
    with SandboxServer(seed=world.seed, size="small", now=world.now, generation=1) as server:
        crawl({**settings, "WEIBO_BASE_URL": server.settings["WEIBO_BASE_URL"],
               "WEIBO_RECRAWL_POLICY": "all"}, registry)
    second = last_run(db)
    assert second["_id"] != first["_id"]
    # generation 1 adds posts to some active accounts: exactly those are inserted
    new_posts = [p for a in accounts for p in later.posts(later.account("weibo", a.platform_id), 0, 1000)
                 if world.post("weibo", p.post_id) is None]
    added = len(new_posts) + sum(p.repost_of is not None for p in new_posts)  # and their originals
    assert second["stats"].get("govspider/store/inserted/posts", 0) == added
    assert db["posts"].count_documents({}) == posts_before + added
    # incremental: one timeline page per account (new posts fit on it), the rest re-visited
    assert second["stats"]["weibo/timeline_pages"] == len(accounts)
    edited = deleted = 0
    for acc in accounts:
        for post in later.posts(later.account("weibo", acc.platform_id), 0, 1000):
            got = db["posts"].find_one({"_id": f"weibo:{post.post_id}"})
            if world.post("weibo", post.post_id) is None:  # new in generation 1
                assert got["text"] == post.text
                continue
            versions = list(db["post_versions"].find({"post_id": got["_id"]}))
            if post.edited_text:
                edited += 1
                assert got["text"] == post.edited_text
                assert {v["text"] for v in versions} == {post.original_text, post.edited_text}
            elif post.deleted:
                deleted += 1
                assert got["deleted"] is True and got["text"] == world.post("weibo", post.post_id).text
                assert any(v["deleted"] for v in versions)
            else:
                assert versions == [], post.post_id
    assert edited and deleted
    assert db["account_metrics"].count_documents({}) == 2 * len(accounts)


def test_crawl_through_troubles(sandbox: Any, crawl_settings: dict[str, Any], db: Any,
                                tmp_path: Path) -> None:
    """Login walls, 418s, captchas, HTML blocks, empty and cut bodies on first attempts: each is
    classified, counted and retried with backoff, and the crawl still lands everything."""
    from govspider.sandbox.server import SandboxServer

    world = sandbox.world
    acc = max(world.accounts("weibo"), key=lambda a: sum(p.is_long for p in world.posts(a, 0, 1000)))
    registry = write_registry([acc], tmp_path / "registry.yaml")
    troubles = {name: 0.12 for name in ("login_wall", "rate_limit", "captcha", "blocked",
                                        "empty_body", "truncated")}
    with SandboxServer(seed=world.seed, size="small", now=world.now, troubles=troubles) as server:
        crawl({**crawl_settings, "GOVSPIDER_NOW": world.now.isoformat(),
               "GOVSPIDER_DETECT_ENABLED": False, "WEIBO_MAX_COMMENT_PAGES": 10,
               "GOVSPIDER_BACKOFF_BASE": 0.05,
               # the rate budget keeps the crawl under the sandbox's burst limit
               "GOVSPIDER_RATE_LIMITS": '{"127.0.0.1": 2400}',
               "WEIBO_BASE_URL": server.settings["WEIBO_BASE_URL"]}, registry)
    run = last_run(db)
    errors = run["errors"]
    assert {"login_required", "rate_limited", "captcha", "blocked", "malformed"} <= set(errors)
    assert not any(k.startswith("govspider/errors_gave_up") for k in run["stats"])
    assert run["stats"]["retry/count"] >= sum(errors.values())  # every error was retried
    expected = world.pinned(acc) + world.posts(acc, 0, 1000)
    stored = {d["_id"]: d for d in db["posts"].find({"account_id": f"weibo:{acc.platform_id}"})}
    assert set(stored) == {f"weibo:{p.post_id}" for p in expected}
    assert all(stored[f"weibo:{p.post_id}"]["text"] == p.text for p in expected)
    total = sum(1 + len(c.replies) for p in expected for c in world.comments(p, 0, 1000))
    assert db["comments"].count_documents({"account_id": f"weibo:{acc.platform_id}"}) == total
