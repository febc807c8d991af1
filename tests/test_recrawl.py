"""Re-crawls under the ``changed`` policy (docs/recrawl.md), end to end against the sandbox
(which counts every request it serves) and the embedded database.

Weibo: an unchanged re-crawl costs at most 1.5 requests per account and rewrites no document
(their hashes match: only last_seen_at / crawl_id move); a generation-1 crawl captures the new
posts, the deletions, the edits the listing shows and the new comments on young posts.
WeChat: an unchanged re-crawl costs at most 1.5 requests per account; stored articles are
fetched again by the age schedule, which captures the edits and deletions of young articles;
on the mp source, a drop of the list's article count locates generation 1's deletions, of any
age, and only those articles are fetched again.
Douyin (direct mode): the same cost bound, and generation 1 captured (new posts, deletions,
new comments on young posts).
"""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.wechat.test_crawl_sandbox import squash
from tests.weibo.test_crawl_sandbox import ROOT, SCRAPY, last_run


def write_registry(accounts: list[Any], path: Path) -> Path:
    units = [{"name": a.unit.name, "region": a.unit.region, "level": a.unit.level,
              "accounts": [{"platform": a.platform, "platform_id": a.platform_id, "name": a.name}]}
             for a in accounts]
    path.write_text(yaml.safe_dump({"version": 1, "units": units}, allow_unicode=True),
                    encoding="utf-8")
    return path


def crawl(spider: str, settings: dict[str, Any], registry: Path,
          env: dict[str, str] | None = None) -> None:
    cmd = [str(SCRAPY), "crawl", spider, "-a", f"accounts={registry}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-4000:]


def served(server: Any) -> int:
    return sum(server.stats()["requests"].values())


def weibo_accounts(world: Any, later: Any) -> list[Any]:
    """Accounts that together show new posts, a deletion and an edit in generation 1."""
    def grows(a: Any) -> bool:
        return later.post_count(later.account("weibo", a.platform_id)) > world.post_count(a)

    def changes(a: Any, what: str) -> bool:
        return any(getattr(p, what) for p in later.posts(later.account("weibo", a.platform_id), 0, 40))

    chosen: list[Any] = []
    for test in (grows, lambda a: changes(a, "deleted"), lambda a: changes(a, "edited_text")):
        if not any(test(a) for a in chosen):
            chosen.append(next(a for a in world.accounts("weibo") if a not in chosen and test(a)))
    return chosen


def test_weibo_recrawl_costs_what_changed(sandbox: Any, crawl_settings: dict[str, Any], db: Any,
                                          tmp_path: Path) -> None:
    from govspider.sandbox.server import SandboxServer
    from govspider.sandbox.world import World

    world = sandbox.world
    later = World(seed=world.seed, size="small", now=world.now, generation=1)
    accounts = weibo_accounts(world, later)
    registry = write_registry(accounts, tmp_path / "registry.yaml")
    settings = {**crawl_settings, "GOVSPIDER_NOW": world.now.isoformat(),
                "GOVSPIDER_DETECT_ENABLED": False, "WEIBO_MAX_COMMENT_PAGES": 10,
                "WEIBO_BASE_URL": sandbox.settings["WEIBO_BASE_URL"]}
    before = served(sandbox)
    crawl("weibo", settings, registry)
    first = served(sandbox) - before
    stored = {d["_id"]: d for d in db["posts"].find()}
    comments = {d["_id"]: d for d in db["comments"].find()}

    # ---------------------------------------------------------------- nothing changed
    before = served(sandbox)
    crawl("weibo", settings, registry)
    requests = served(sandbox) - before
    assert requests <= 1.5 * len(accounts) < first
    run = last_run(db)["stats"]
    assert run["govspider/requests/discovery"] == requests  # no re-visit, no retry
    assert run.get("govspider/store/updated/posts", 0) == 0
    assert run["govspider/store/unchanged/accounts"] == len(accounts)
    for _id, doc in stored.items():
        again = db["posts"].find_one({"_id": _id})
        assert again["doc_hash"] == doc["doc_hash"]
        assert {k: v for k, v in again.items() if k not in ("last_seen_at", "crawl_id")} \
            == {k: v for k, v in doc.items() if k not in ("last_seen_at", "crawl_id")}
    listed = [d for d in db["posts"].find() if d["crawl_id"] == last_run(db)["_id"]]
    assert listed and all(d["last_seen_at"] > stored[d["_id"]]["last_seen_at"] for d in listed)
    assert {d["_id"]: d for d in db["comments"].find()}.keys() == comments.keys()

    # ---------------------------------------------------------------- generation 1
    with SandboxServer(seed=world.seed, size="small", now=world.now, generation=1) as server:
        crawl("weibo", {**settings, "WEIBO_BASE_URL": server.settings["WEIBO_BASE_URL"]}, registry)
        spent = served(server)
    assert spent < first
    new_posts = deleted = edits_listed = 0
    new_comments: list[str] = []
    for acc in accounts:
        a1 = later.account("weibo", acc.platform_id)
        shown = {p.post_id for p in later.posts(a1, 0, 10)}  # page 1 of the timeline
        for post in later.posts(a1, 0, later.post_count(a1)):
            got = db["posts"].find_one({"_id": f"weibo:{post.post_id}"})
            old = world.post("weibo", post.post_id)
            if old is None:
                new_posts += 1
                assert got is not None and got["text"] == post.text
            elif post.deleted:
                deleted += 1
                assert got["deleted"] is True
            elif post.edited_text and post.post_id in shown:
                edits_listed += 1
                assert got["text"] == post.edited_text
            if not post.deleted and later.now - post.created_at < timedelta(days=7):
                before_ids = {c.comment_id for top in (world.comments(old, 0, 1000) if old else [])
                              for c in [top, *top.replies]}
                new_comments += [f"weibo:{c.comment_id}" for top in later.comments(post, 0, 1000)
                                 for c in [top, *top.replies] if c.comment_id not in before_ids]
    assert new_posts and deleted
    got = db["comments"].count_documents({"_id": {"$in": new_comments}})
    assert new_comments and got >= 0.95 * len(new_comments)
    run = last_run(db)["stats"]
    assert run["govspider/requests/revisit"] >= deleted  # each deletion confirmed on its page


def seen_earlier(db: Any, hours: float) -> None:
    """Move every stored post's ``last_seen_at`` back: the next crawl runs that much later
    for the re-visit schedules (the sandbox world's own clock does not move)."""
    for doc in db["posts"].find({}, {"last_seen_at": 1}):
        db["posts"].update_one({"_id": doc["_id"]}, {"$set": {
            "last_seen_at": doc["last_seen_at"] - timedelta(hours=hours)}})


def stored_young(db: Any, now: Any, days: float) -> int:
    """Stored, not deleted posts published less than ``days`` before ``now``."""
    return db["posts"].count_documents({"published_at": {"$gt": now - timedelta(days=days)},
                                        "deleted": {"$ne": True}})


def test_wechat_recrawl_revisits_by_age(sandbox: Any, crawl_settings: dict[str, Any], db: Any,
                                        tmp_path: Path) -> None:
    """Neither WeChat listing shows an edit or a deletion: stored articles are fetched again
    by the age schedule. Right after the first crawl a re-crawl costs at most 1.5 requests per
    account; a day later the articles younger than 3 days are fetched again (and, unchanged,
    not rewritten); three days after that, generation 1's edits and deletions of every
    article younger than 7 days are captured, and no older article is fetched again."""
    from govspider.sandbox.server import SandboxServer
    from govspider.sandbox.world import World

    world = sandbox.world
    later = World(seed=world.seed, size="small", now=world.now, generation=1)
    young = timedelta(days=7)

    def young_changes(a: Any) -> list[Any]:
        a1 = later.account("wechat", a.platform_id)
        return [p for p in later.posts(a1, 0, 40) if world.now - p.created_at < young
                and (p.edited_text or (p.deleted and not world.post("wechat", p.post_id).deleted))]

    accounts = [a for a in world.accounts("wechat") if young_changes(a)]
    changes = [p for a in accounts for p in young_changes(a)]
    assert any(p.deleted for p in changes) and any(p.edited_text for p in changes)
    registry = write_registry(accounts, tmp_path / "registry.yaml")
    settings = {**crawl_settings, "GOVSPIDER_NOW": world.now.isoformat(),
                "GOVSPIDER_DETECT_ENABLED": False, **sandbox.settings}
    crawl("wechat", settings, registry)
    posts = db["posts"].count_documents({})

    # ---------------------------------------------------------------- right after
    before = served(sandbox)
    crawl("wechat", settings, registry)
    assert served(sandbox) - before <= 1.5 * len(accounts)
    run = last_run(db)["stats"]
    assert run.get("govspider/requests/revisit", 0) == 0
    assert run["wechat/recrawl/revisits_skipped"] == stored_young(db, world.now, 7)
    assert db["posts"].count_documents({}) == posts

    # ---------------------------------------------------------------- a day later
    seen_earlier(db, 24)
    crawl("wechat", settings, registry)
    run = last_run(db)["stats"]
    assert run["govspider/requests/revisit"] == stored_young(db, world.now, 3) > 0
    assert run["wechat/recrawl/revisits_skipped"] == stored_young(db, world.now, 7) \
        - stored_young(db, world.now, 3) > 0
    assert run.get("govspider/store/updated/posts", 0) == 0

    # ---------------------------------------------------------------- 3 days on: generation 1
    seen_earlier(db, 72)
    due = stored_young(db, world.now, 7)
    with SandboxServer(seed=world.seed, size="small", now=world.now, generation=1) as server:
        crawl("wechat", {**settings, **server.settings}, registry)
    run = last_run(db)["stats"]
    assert run["govspider/requests/revisit"] == due
    for post in changes:
        got = db["posts"].find_one({"_id": post.corpus_id})
        if post.deleted:
            assert got["deleted"] is True
        else:
            assert squash(got["text"]) == squash(post.edited_text)  # as the page breaks lines


def test_wechat_mp_recrawl_locates_deletions(sandbox: Any, crawl_settings: dict[str, Any],
                                             db: Any, tmp_path: Path) -> None:
    """The mp list says how many articles it holds (``app_msg_cnt``). Right after the first
    crawl a re-crawl costs one list page per account. Generation 1 deletes articles of any
    age; the re-crawl right after (no article due by the age schedule) pages back until the
    stored articles the list no longer shows account for the drop, and fetches only those
    again: every deletion captured, no other article re-visited. An account with an article
    deleted before the first crawl (listed, stored as deleted) is among them."""
    from govspider.sandbox.server import SandboxServer
    from govspider.sandbox.world import World
    from govspider_plugins.wechat.sandbox import SANDBOX_TOKEN, SESSION_COOKIE

    world = sandbox.world
    later = World(seed=world.seed, size="small", now=world.now, generation=1)

    def deletions(a: Any) -> list[Any]:
        return [p for p in later.posts(later.account("wechat", a.platform_id), 0, 40)
                if p.deleted_since]

    accounts = sorted((a for a in world.accounts("wechat") if deletions(a)),
                      key=lambda a: -len(deletions(a)))[:2]
    deleted = [p for a in accounts for p in deletions(a)]
    assert any(world.now - p.created_at > timedelta(days=30) for p in deleted)
    assert any(p.deleted for a in accounts for p in world.posts(a, 0, world.post_count(a)))
    registry = write_registry(accounts, tmp_path / "registry.yaml")
    settings = {**crawl_settings, "GOVSPIDER_NOW": world.now.isoformat(),
                "GOVSPIDER_DETECT_ENABLED": False, "WECHAT_SOURCE": "mp", **sandbox.settings}
    env = {"GOVSPIDER_WECHAT_TOKEN": SANDBOX_TOKEN,
           "GOVSPIDER_WECHAT_COOKIE": f"{SESSION_COOKIE}=test-session"}
    crawl("wechat", settings, registry, env)
    posts = db["posts"].count_documents({})
    assert posts == sum(world.post_count(a) for a in accounts)

    # ---------------------------------------------------------------- right after
    before = served(sandbox)
    crawl("wechat", settings, registry, env)
    assert served(sandbox) - before <= 1.5 * len(accounts)
    run = last_run(db)["stats"]
    assert run.get("govspider/requests/revisit", 0) == 0
    assert run.get("wechat/recrawl/deletion_search_pages", 0) == 0
    assert db["posts"].count_documents({}) == posts

    # ---------------------------------------------------------------- generation 1
    with SandboxServer(seed=world.seed, size="small", now=world.now, generation=1) as server:
        crawl("wechat", {**settings, **server.settings}, registry, env)
    run = last_run(db)["stats"]
    for post in deleted:
        got = db["posts"].find_one({"_id": post.corpus_id})
        assert got["deleted"] is True and got["deleted_reason"] == post.deleted_reason
    assert run["govspider/requests/revisit"] == run["wechat/recrawl/revisits_missing"] \
        == run["wechat/recrawl/listed_drop"] == len(deleted)
    assert run["wechat/recrawl/deletion_search_pages"] > 0
    assert db["posts"].count_documents({"deleted": True}) \
        == len(deleted) + sum(p.deleted for a in accounts for p in world.posts(a, 0, world.post_count(a)))


def test_douyin_recrawl_costs_what_changed(sandbox: Any, crawl_settings: dict[str, Any], db: Any,
                                           tmp_path: Path) -> None:
    """Direct mode (every request one the spider chose): an unchanged re-crawl costs at most
    1.5 requests per account; generation 1's new posts and deletions are all captured, and
    >= 95 % of the new comments on posts younger than 7 days."""
    from govspider.sandbox.server import SandboxServer
    from govspider.sandbox.world import World

    world = sandbox.world
    later = World(seed=world.seed, size="small", now=world.now, generation=1)

    def changes(a: Any) -> bool:
        a1 = later.account("douyin", a.platform_id)
        return later.post_count(a1) > world.post_count(a) \
            or any(p.deleted for p in later.posts(a1, 0, 40))

    accounts = [a for a in world.accounts("douyin") if world.post_count(a) < 120 and changes(a)][:3]
    assert accounts
    registry = write_registry(accounts, tmp_path / "registry.yaml")
    settings = {**crawl_settings, "GOVSPIDER_NOW": world.now.isoformat(),
                "GOVSPIDER_DETECT_ENABLED": False, "DOUYIN_MODE": "direct",
                "DOUYIN_SIGNER": "tests.douyin.sandbox_signer.sign",
                "DOUYIN_BASE_URL": sandbox.settings["DOUYIN_BASE_URL"]}
    before = served(sandbox)
    crawl("douyin", settings, registry)
    first = served(sandbox) - before
    posts = db["posts"].count_documents({})

    before = served(sandbox)
    crawl("douyin", settings, registry)
    requests = served(sandbox) - before
    assert requests <= 1.5 * len(accounts) < first
    run = last_run(db)["stats"]
    assert run.get("govspider/store/updated/posts", 0) == 0
    assert run.get("govspider/items/comment", 0) == 0
    assert db["posts"].count_documents({}) == posts

    with SandboxServer(seed=world.seed, size="small", now=world.now, generation=1) as server:
        crawl("douyin", {**settings, "DOUYIN_BASE_URL": server.settings["DOUYIN_BASE_URL"]},
              registry)
        spent = served(server)
    assert spent < first
    new_posts = deleted = 0
    new_comments: list[str] = []
    for acc in accounts:
        a1 = later.account("douyin", acc.platform_id)
        for post in later.posts(a1, 0, later.post_count(a1)):
            got = db["posts"].find_one({"_id": post.corpus_id})
            old = world.post("douyin", post.post_id)
            if old is None:
                new_posts += 1
                assert got is not None and got["text"] == post.text
            elif post.deleted and not old.deleted:
                deleted += 1
                assert got["deleted"] is True
            if not post.deleted and later.now - post.created_at < timedelta(days=7):
                before_ids = {c.comment_id for top in (world.comments(old, 0, 1000) if old else [])
                              for c in [top, *top.replies]}
                new_comments += [f"douyin:{c.comment_id}" for top in later.comments(post, 0, 1000)
                                 for c in [top, *top.replies] if c.comment_id not in before_ids]
    assert new_posts + deleted > 0
    got = db["comments"].count_documents({"_id": {"$in": new_comments}})
    assert got >= 0.95 * len(new_comments)
