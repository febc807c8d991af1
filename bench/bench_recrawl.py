"""Keeping a corpus current: requests per account of a re-crawl, and the changes it captures.

A sandbox world is crawled four times into the embedded database, the sandbox counting every
request it serves (``/_sandbox/stats``, as a counting proxy would):

1. generation 0, first crawl;
2. generation 0 again right after: nothing changed;
3. generation 0 again a day later: nothing changed, but the age schedules see a day gone by
   (the stored posts' ``last_seen_at`` is moved back 24 hours first): what a daily re-crawl
   of an unchanged world costs;
4. generation 1: the world's known edits, deletions, new posts and new comments, another day
   later (``last_seen_at`` moved back 24 hours again).

Each platform runs twice, with its re-crawl policy (``changed``) and with the behaviour before
it (``all``: comments and long texts of every listed post, every stored post of the window
re-visited), so the figures are ratios within one run. Printed: requests per account per run,
the share of generation 1's changes captured, and the re-crawl storage ratio of
``bench_storage.py`` (writer re-writing stored documents vs raw ``ReplaceOne`` upserts).
Targets: an unchanged run <= 1.5 requests per account; generation 1 captures every new post and
deletion and >= 95 % of the new comments on posts younger than 7 days; storage >= 1.0.
``--set KEY=VALUE`` adds a setting to every crawl (another schedule, say).

``wechat`` discovers through Sogou (the default source, no login), ``wechat-mp`` through the mp
backend list (``WECHAT_SOURCE=mp``, with the sandbox's token and session cookie in the
environment, as an operator's ``GOVSPIDER_WECHAT_TOKEN`` / ``GOVSPIDER_WECHAT_COOKIE``): its
``app_msg_cnt`` lets a re-crawl locate deletions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pymongo
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import headline, write_result  # noqa: E402

SCRAPY = Path(sys.executable).with_name("scrapy")
PREFIX = {"weibo": "/weibo", "wechat": "/sogou"}
YOUNG = timedelta(days=7)


def variants() -> dict[str, tuple[str, dict[str, str], dict[str, str]]]:
    """Platforms run another way: name -> (platform, settings, environment)."""
    from govspider_plugins.wechat.sandbox import SANDBOX_TOKEN, SESSION_COOKIE

    return {"wechat-mp": ("wechat", {"WECHAT_SOURCE": "mp"},
                          {"GOVSPIDER_WECHAT_TOKEN": SANDBOX_TOKEN,
                           "GOVSPIDER_WECHAT_COOKIE": f"{SESSION_COOKIE}=bench-session"})}


def write_registry(accounts: list[Any], path: Path) -> Path:
    units = [{"name": a.unit.name, "region": a.unit.region, "level": a.unit.level,
              "accounts": [{"platform": a.platform, "platform_id": a.platform_id, "name": a.name}]}
             for a in accounts]
    path.write_text(yaml.safe_dump({"version": 1, "units": units}, allow_unicode=True),
                    encoding="utf-8")
    return path


def crawl(spider: str, registry: Path, settings: dict[str, Any],
          env: dict[str, str] | None = None) -> None:
    cmd = [str(SCRAPY), "crawl", spider, "-a", f"accounts={registry}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed: {proc.stderr[-3000:]}")


def served(sandbox: Any) -> int:
    """Every request the sandbox served so far, all platforms."""
    return sum(sandbox.stats().get("requests", {}).values())


def last_stats(db: Any) -> dict[str, Any]:
    run = next(db["crawl_runs"].find().sort("started_at", -1).limit(1))
    return run.get("stats") or {}


def purposes(stats: dict[str, Any]) -> dict[str, int]:
    return {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("govspider/requests/")}


def captured(platform: str, db: Any, w0: Any, w1: Any, accounts: list[Any]) -> dict[str, list[int]]:
    """[captured, total] of generation 1's changes, by kind."""
    out = {k: [0, 0] for k in ("new_posts", "deletions", "edits", "new_comments_young")}

    def pid(post: Any) -> str:
        return post.corpus_id

    for a0 in accounts:
        a1 = w1.account(platform, a0.platform_id)
        old = {p.post_id: p for p in w0.posts(a0, 0, w0.post_count(a0))}
        for p1 in w1.posts(a1, 0, w1.post_count(a1)) + w1.pinned(a1):
            doc = db["posts"].find_one({"_id": pid(p1)}) or {}
            p0 = old.get(p1.post_id) if not p1.pinned else (w0.pinned(a0) or [None])[0]
            if p0 is None and not p1.deleted:
                out["new_posts"][1] += 1
                out["new_posts"][0] += bool(doc)
            if p1.deleted and p0 is not None and not p0.deleted:
                out["deletions"][1] += 1
                out["deletions"][0] += doc.get("deleted") is True
            if p1.edited_text and not p1.deleted:  # whitespace aside (pages break lines)
                out["edits"][1] += 1
                out["edits"][0] += squash(doc.get("text")) == squash(p1.edited_text)
            if platform in ("weibo", "douyin") and not p1.deleted and w1.now - p1.created_at < YOUNG:
                before = set()
                if p0 is not None:
                    before = {c.comment_id for top in w0.comments(p0, 0, 1000)
                              for c in [top, *top.replies]}
                new = [f"{platform}:{c.comment_id}" for top in w1.comments(p1, 0, 1000)
                       for c in [top, *top.replies] if c.comment_id not in before]
                if new:
                    out["new_comments_young"][1] += len(new)
                    out["new_comments_young"][0] += db["comments"].count_documents(
                        {"_id": {"$in": new}})
    return out


def squash(text: str | None) -> str:
    return "".join((text or "").split())


def seen_earlier(db: Any, hours: float) -> None:
    """Move every stored post's ``last_seen_at`` back: the next crawl runs that much later
    for the re-visit schedules (the sandbox world's own clock does not move)."""
    for doc in db["posts"].find({}, {"last_seen_at": 1}):
        if doc.get("last_seen_at") is not None:
            db["posts"].update_one({"_id": doc["_id"]}, {"$set": {
                "last_seen_at": doc["last_seen_at"] - timedelta(hours=hours)}})


RUNS = ((0, "first"), (0, "unchanged"), (0, "day_later"), (1, "generation_1"))


def run_platform(name: str, policy: str, n: int, uri: str, tmp: Path, seed: int, size: str,
                 now: str, extra: dict[str, str] | None = None) -> dict[str, Any]:
    from govspider.sandbox.server import SandboxServer
    from govspider.sandbox.world import World

    platform, source, env = variants().get(name, (name, {}, {}))
    database = f"bench_recrawl_{name.replace('-', '_')}_{policy}"
    w0 = World(seed=seed, size=size, now=now)
    w1 = World(seed=seed, size=size, now=now, generation=1)
    accounts = [a for a in w0.accounts(platform) if a.name][:n]
    registry = write_registry(accounts, tmp / f"{platform}.yaml")
    base = {"MONGODB_URI": uri, "MONGODB_DATABASE": database, "LOG_LEVEL": "WARNING",
            "GOVSPIDER_DETECT_ENABLED": False, "GOVSPIDER_NOW": w0.now.isoformat(),
            "WEIBO_RECRAWL_POLICY": policy, "DOUYIN_RECRAWL_POLICY": policy,
            "WECHAT_RECRAWL_POLICY": policy, "TELNETCONSOLE_ENABLED": False, **source,
            **(extra or {})}
    if platform == "douyin":  # plain signed HTTP: every request is one the spider chose
        base |= {"DOUYIN_MODE": "direct", "DOUYIN_SIGNER": "tests.douyin.sandbox_signer.sign"}
    runs: dict[str, Any] = {}
    with pymongo.MongoClient(uri, tz_aware=True) as client:
        client.drop_database(database)
        db = client[database]
        for generation, label in RUNS:
            if label in ("first", "generation_1"):
                sandbox = SandboxServer(seed=seed, size=size, now=now, generation=generation).start()
            if label in ("day_later", "generation_1"):
                seen_earlier(db, 24)  # a daily re-crawl: the stored posts were seen a day ago
            try:
                before = served(sandbox)
                crawl(platform, registry, base | dict(sandbox.settings)
                      | {"GOVSPIDER_NOW": w0.now.isoformat()}, env)
                requests = served(sandbox) - before
            finally:
                if label in ("day_later", "generation_1"):
                    sandbox.stop()
            stats = last_stats(db)
            runs[label] = {"requests": requests, "per_account": round(requests / len(accounts), 2),
                           "by_purpose": purposes(stats)}
        runs["captured"] = captured(platform, db, w0, w1, accounts)
        client.drop_database(database)
    return {"accounts": len(accounts), **runs}


def storage_ratio() -> float | None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_storage.py"), "-n", "5000",
                           "--repeat", "3"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    result = json.loads((ROOT / "bench" / "results" / "storage.json").read_text())
    return result.get("ratio_recrawl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--platforms", default="weibo,wechat,wechat-mp,douyin")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", default="small")
    parser.add_argument("--no-storage", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for every crawl (repeatable)")
    opts = parser.parse_args()
    extra = dict(item.split("=", 1) for item in opts.set)
    from govspider.storage.embedded import EmbeddedServer

    now = "2026-11-20T12:00:00+08:00"
    tmp = Path(tempfile.mkdtemp(prefix="govspider-bench-recrawl-"))
    server = EmbeddedServer(tmp / "data")
    uri = server.start()
    figures: dict[str, Any] = {}
    try:
        for platform in opts.platforms.split(","):
            figures[platform] = {p: run_platform(platform, p, opts.accounts, uri, tmp, opts.seed,
                                                 opts.size, now, extra)
                                 for p in ("all", "changed")}
    finally:
        server.stop()
    ratio = None if opts.no_storage else storage_ratio()
    worst_unchanged = 0.0
    for platform, by_policy in figures.items():
        for policy, fig in by_policy.items():
            runs = "  ".join(f"{label} {fig[label]['per_account']:5.2f}"
                             for _, label in RUNS)
            print(f"{platform:<9} policy {policy:<8} requests/account: {runs}")
            print(f"{'':<9} {'':<15} by purpose: " + "; ".join(
                f"({label}) {fig[label]['by_purpose']}" for _, label in RUNS[1:]))
            shares = ", ".join(f"{k} {c}/{t}" for k, (c, t) in fig["captured"].items() if t)
            print(f"{'':<9} {'':<15} generation 1 captured: {shares}")
        worst_unchanged = max(worst_unchanged, by_policy["changed"]["unchanged"]["per_account"])
    if ratio is not None:
        print(f"storage: re-crawl writer / raw upserts = {ratio:.2f}")
    write_result("recrawl", {"platforms": figures, "storage_ratio_recrawl": ratio,
                             "settings": extra, "target_unchanged_per_account": 1.5})
    young = [by["changed"]["captured"]["new_comments_young"] for by in figures.values()
             if by["changed"]["captured"]["new_comments_young"][1]]
    share = (sum(c for c, _ in young) / sum(t for _, t in young)) if young else None
    headline(f"recrawl: unchanged run <= {worst_unchanged:.2f} requests/account (target <= 1.5); "
             + (f"new comments on young posts captured {share:.1%} (target >= 95%); " if share is not None else "")
             + (f"storage re-crawl/raw upserts = {ratio:.2f} (target >= 1.0)" if ratio is not None else ""))


if __name__ == "__main__":
    main()
