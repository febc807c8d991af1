"""Helpers of the Douyin crawl tests: pick sandbox accounts, run the spider, compare to the world."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pymongo
import yaml

PROJECT = Path(__file__).resolve().parents[2]
SCRAPY = str(Path(sys.executable).with_name("scrapy"))


def light_accounts(world: Any, n: int = 3) -> list[Any]:
    """``n`` douyin accounts with few comment requests, pinned and unpinned ones mixed."""
    scored = []
    for acc in world.accounts("douyin"):
        posts = world.posts(acc, 0, world.post_count(acc)) + world.pinned(acc)
        load = sum(max(1, -(-world.comment_count(p) // 20)) for p in posts)
        load += sum(1 for p in posts for c in world.comments(p, 0, 1000) if c.replies)
        has_image = any(kind == "image" for p in posts for kind, _ in p.media)
        scored.append((load, acc, bool(world.pinned(acc)), has_image))
    scored.sort(key=lambda t: t[0])
    pinned = [t for t in scored if t[2] and t[3]]
    picked = [pinned[0][1]] if pinned else []
    for _, acc, _, _ in scored:
        if len(picked) >= n:
            break
        if acc not in picked:
            picked.append(acc)
    return picked


def write_registry(source: Path, accounts: list[Any], dest: Path) -> Path:
    """The sandbox registry reduced to the given douyin accounts."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    wanted = {a.platform_id for a in accounts}
    units = []
    for unit in data.get("units", []):
        accs = [a for a in unit.get("accounts", []) if a.get("platform") == "douyin"
                and a.get("platform_id") in wanted]
        if accs:
            units.append({**unit, "accounts": accs, "apps": []})
    dest.write_text(yaml.safe_dump({"version": data.get("version", 1), "units": units},
                                   allow_unicode=True), encoding="utf-8")
    return dest


def crawl(registry: Path, settings: dict[str, Any], timeout: float = 150.0,
          ) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl douyin`` in the project directory; raises with the log tail on failure."""
    cmd = [SCRAPY, "crawl", "douyin", "-a", f"accounts={registry}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"scrapy crawl douyin failed ({proc.returncode}):\n"
                             f"{proc.stderr[-4000:]}")
    return proc


def last_run(db: pymongo.database.Database[Any]) -> dict[str, Any]:
    runs = list(db["crawl_runs"].find({"spider": "douyin"}).sort("started_at", -1).limit(1))
    assert runs, "no crawl_runs document"
    return runs[0]


def topics_of(post: Any) -> list[str]:
    return list(dict.fromkeys(seg.value for seg in post.segments if seg.kind == "topic"))


def check_account_against_world(db: Any, world: Any, acc: Any) -> dict[str, int]:
    """Assert that the stored account, posts and comments are exactly the world's."""
    account_id = f"douyin:{acc.platform_id}"
    doc = db["accounts"].find_one({"_id": account_id})
    assert doc is not None, account_id
    assert doc["name"] == acc.name
    assert doc["followers"] == acc.followers and doc["following"] == acc.following
    assert doc["posts_count"] == acc.post_count
    assert doc["verified"] is bool(acc.verified)
    assert doc["ip_region"] == acc.ip_region  # the profile's IP属地; region is the registry's
    assert doc.get("region", acc.unit.region) == acc.unit.region
    assert doc["unit"] == acc.unit.name
    assert db["account_metrics"].count_documents({"account_id": account_id}) >= 1

    expected = {p.post_id: p for p in world.posts(acc, 0, world.post_count(acc)) + world.pinned(acc)
                if not p.deleted}
    stored = {d["platform_id"]: d for d in db["posts"].find({"account_id": account_id})}
    assert set(stored) == set(expected), (
        f"missing {sorted(set(expected) - set(stored))[:5]}, "
        f"unexpected {sorted(set(stored) - set(expected))[:5]}")
    for pid, wp in expected.items():
        d = stored[pid]
        assert d["_id"] == f"douyin:{pid}"
        assert d["text"] == wp.text, (pid, d["text"], wp.text)
        assert d["published_at"] == wp.created_at.replace(microsecond=0)
        assert d.get("is_pinned", False) is wp.pinned
        assert d["topics"] == topics_of(wp)
        assert [m["type"] for m in d["media"]] == [kind for kind, _ in wp.media]
        assert d["url"] == wp.url
        assert d["metrics"]["likes"] == wp.likes
        assert d["metrics"]["comments"] == wp.comments_count
        assert "views" not in d["metrics"]  # play_count 0 = not exposed

    expected_comments: dict[str, Any] = {}
    for wp in expected.values():
        for c in world.comments(wp, 0, 10_000):
            expected_comments[c.comment_id] = c
            for r in c.replies:
                expected_comments[r.comment_id] = r
    post_ids = [f"douyin:{pid}" for pid in expected]
    got = {d["platform_id"]: d for d in db["comments"].find({"post_id": {"$in": post_ids}})}
    assert set(got) == set(expected_comments), (
        f"missing {sorted(set(expected_comments) - set(got))[:5]}, "
        f"unexpected {sorted(set(got) - set(expected_comments))[:5]}")
    for cid, wc in expected_comments.items():
        d = got[cid]
        assert d["post_id"] == f"douyin:{wc.post.post_id}"
        assert d["account_id"] == account_id
        assert d["is_official"] is wc.is_official, cid
        assert d["text"] == wc.text
        assert d["author_name"] == wc.author_name
        assert d.get("reply_to") == (f"douyin:{wc.reply_to.comment_id}" if wc.reply_to else None)
    return {"posts": len(expected), "comments": len(expected_comments),
            "official": sum(1 for c in expected_comments.values() if c.is_official)}
