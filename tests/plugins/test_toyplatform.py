"""A third-party platform appears in the sandbox and is crawled through it, with no change in
``govspider/``: the Toy plugin (``tests/plugins/toyplatform``) is registered only here."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from govspider.plugins import installed_plugins
from govspider.processors import CST
from govspider.sandbox.core import build_app, settings_for
from govspider.sandbox.world import World
from tests.plugins.toyplatform.sandbox import PAGE
from tests.plugins.toyplatform.testing import toy_registry

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
SIZE = {"units": 3, "posts_per_account": 12}


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=7, size=SIZE, now=NOW, plugins=toy_registry())


def test_toy_is_registered_only_here() -> None:
    assert "toy" not in installed_plugins().platforms
    assert "toy" not in World(seed=7, size=SIZE, now=NOW).platforms
    reg = toy_registry()
    assert "toy" in reg.platforms and reg.platforms["toy"].spiders[0].name == "toy"


def test_toy_accounts_posts_and_comments_exist_in_the_world(world: World) -> None:
    assert world.platforms[-1] == "toy"  # laid out after the built-in platforms (order 95)
    toys = world.accounts("toy")
    assert len(toys) == len(world.units)  # one account per unit, as on every platform
    assert world.labels()["toy"] == "玩具社区"
    for acc in toys:
        assert acc.platform_id.startswith("toy") and acc.corpus_id == f"toy:{acc.platform_id}"
        assert world.account("toy", acc.platform_id) is acc
        assert acc.url == f"https://toy.example/@{acc.platform_id}"
        posts = world.posts(acc, 0, world.post_count(acc)) + world.pinned(acc)
        assert len(posts) >= 6
        for post in posts:
            again = world.post("toy", post.post_id)  # the default id scheme decodes
            assert again is post and post.post_id.startswith("8") and post.account is acc
            for comment in world.comments(post):
                assert world.comment("toy", comment.comment_id) is comment
                assert comment.comment_id.startswith("9")
    assert world.post("toy", "8999") is None and world.post("weibo", toys[0].platform_id) is None
    # the built-in platforms keep their planted cases
    assert {r["detector"] for r in world.ground_truth() if r["label"]} >= {"dormant_account", "seo_spam"}


def _get(app_world: World, paths: list[str]) -> list[tuple[int, Any]]:
    async def main() -> list[tuple[int, Any]]:
        async with TestServer(build_app(app_world)) as server, aiohttp.ClientSession() as s:
            out = []
            for path in paths:
                async with s.get(server.make_url(path)) as resp:
                    out.append((resp.status, json.loads(await resp.read())))
            return out

    return asyncio.run(main())


def test_toy_routes_answer_in_the_sandbox(world: World) -> None:
    acc = world.accounts("toy")[0]
    (profile, page1, page2, missing, index) = _get(world, [
        f"/toy/api/user?id={acc.platform_id}", f"/toy/api/posts?id={acc.platform_id}&page=1",
        f"/toy/api/posts?id={acc.platform_id}&page=2", "/toy/api/user?id=toy0", "/"])
    assert profile == (200, {"ok": True, "user": {
        "id": acc.platform_id, "name": acc.name, "verified": acc.verified, "followers": acc.followers,
        "posts": world.shown_post_count(acc), "bio": acc.description, "url": acc.url}})
    newest = [p.post_id for p in world.pinned(acc) + world.posts(acc, 0, 2 * PAGE) if not p.deleted]
    assert [p["id"] for p in page1[1]["posts"] + page2[1]["posts"]] == newest
    assert page1[1]["next"] == 2 and missing[0] == 404
    assert index[1]["settings"]["TOY_BASE_URL"].endswith("/toy")
    assert {"method": "GET", "path": "/toy/api/posts", "setting": "TOY_BASE_URL"} in index[1]["routes"]
    assert settings_for("http://127.0.0.1:9", registry=toy_registry())["TOY_BASE_URL"] == "http://127.0.0.1:9/toy"


@pytest.mark.slow
def test_toy_crawl_through_the_sandbox_stores_items(mongo_uri: str, db_name: str, mongo_client: Any,
                                                     tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "tests.plugins.toyplatform.crawl", mongo_uri, db_name,
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    summary = out["stats"]["toy"]
    assert summary["finish_reason"] == "finished" and not summary["errors"]
    assert out["settings"]["TOY_BASE_URL"] == out["url"] + "/toy"
    world = World(seed=7, size=SIZE, plugins=toy_registry())  # the crawled world, in-process
    db = mongo_client[db_name]
    stored = {d["_id"]: d for d in db["accounts"].find({"platform": "toy"})}
    assert set(stored) == {a.corpus_id for a in world.accounts("toy")}
    for acc in world.accounts("toy"):
        doc = stored[acc.corpus_id]
        assert (doc["name"], doc["followers"], doc["verified"]) == (acc.name, acc.followers, acc.verified)
        expected = {p.corpus_id for p in world.posts(acc, 0, world.post_count(acc)) + world.pinned(acc)
                    if not p.deleted}
        posts = list(db["posts"].find({"account_id": acc.corpus_id}))
        assert {p["_id"] for p in posts} == expected
        assert all(p["platform"] == "toy" and p["text"] for p in posts)
    assert summary["stored"] and summary["stored"] >= len(stored)
