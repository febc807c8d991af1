"""The generated world: determinism, id round trips, time order, scale without materialising."""

from __future__ import annotations

from datetime import datetime

import pytest

from govspider.processors import CST
from govspider.sandbox.world import World
from govspider_plugins.weibo.world import bid_to_mid, mid_to_bid

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=7, size="small", now=NOW)


def _fingerprint(w: World) -> list:
    out = []
    for acc in w.accounts():
        out.append((acc.platform, acc.platform_id, acc.name, acc.unit.name, acc.followers, sorted(acc.traits)))
        for post in w.posts(acc, 0, 5) + w.pinned(acc):
            out.append((post.post_id, post.created_at.isoformat(), post.text, post.likes, post.comments_count))
            for c in w.comments(post, 0, 3):
                out.append((c.comment_id, c.text, [(r.comment_id, r.text) for r in c.replies]))
    for store in w.stores:
        out += [(a.app_id, a.name, a.developer) for a in w.apps(store)]
    out += [(p.path, p.html) for p in w.pages()]
    return out


def test_same_seed_same_world(world: World) -> None:
    again = World(seed=7, size="small", now=NOW)
    assert _fingerprint(again) == _fingerprint(world)
    assert again.ground_truth() == world.ground_truth()
    assert again.registry() == world.registry()


def test_different_seed_different_world(world: World) -> None:
    other = World(seed=8, size="small", now=NOW)
    ids = {a.platform_id for a in world.accounts()}
    assert not ids & {a.platform_id for a in other.accounts()}
    texts = {p.text for a in world.accounts() for p in world.posts(a, 0, 5)}
    other_texts = {p.text for a in other.accounts() for p in other.posts(a, 0, 5)}
    assert len(texts & other_texts) < len(texts) / 2


def test_small_world_shape(world: World) -> None:
    assert len(world.units) == 12
    assert {a.platform for a in world.accounts()} == {"weibo", "wechat", "douyin"}
    assert len(world.accounts("weibo")) == 13  # one unit has a duplicate weibo account
    assert {u.level for u in world.units} == {"province", "city", "county"}
    for u in world.units:
        assert len(u.region) == 6 and u.region.isdigit() and u.code.startswith(u.region)
    names = [u.name for u in world.units]
    assert len(set(names)) == len(names)
    for acc in world.accounts():
        assert world.account(acc.platform, acc.platform_id) is acc
        assert 28 <= world.post_count(acc) <= 52
    dy = world.accounts("douyin")[0]
    assert dy.platform_id.startswith("MS4wLjABAAAA") and world.account("douyin", dy.uid) is dy
    assert world.accounts("wechat")[0].gh_id.startswith("gh_")


def test_post_ids_round_trip(world: World) -> None:
    for acc in world.accounts():
        posts = world.posts(acc, 0, world.post_count(acc)) + world.pinned(acc)
        assert len(posts) == world.post_count(acc) + len(world.pinned(acc))
        for post in posts:
            again = world.post(acc.platform, post.post_id)
            assert again is not None and again.post_id == post.post_id and again.text == post.text
            assert again.account is acc
            if acc.platform == "weibo":
                assert len(post.post_id) == 16 and len(post.bid) <= 9
                assert world.post("weibo", post.bid).post_id == post.post_id
                if post.repost_of is not None:
                    orig = world.post("weibo", post.repost_of.post_id)
                    assert orig is not None and orig.text == post.repost_of.text
            elif acc.platform == "douyin":
                assert len(post.post_id) == 19
            else:
                assert post.post_id == f"{post.mid}_{post.idx}"
                assert world.post("wechat", f"{acc.platform_id}:{post.post_id}").text == post.text
            for c in world.comments(post, 0, 50):
                assert world.comment(acc.platform, c.comment_id).text == c.text
                for reply in c.replies:
                    assert world.comment(acc.platform, reply.comment_id).text == reply.text
                    assert reply.reply_to is c


@pytest.mark.parametrize("platform,bad", [
    ("weibo", "4999999999999999"), ("weibo", "123"), ("douyin", "7399999999999999999"),
    ("wechat", "2999999999_1"), ("wechat", "garbage"), ("twitter", "1")])
def test_unknown_ids_decode_to_none(world: World, platform: str, bad: str) -> None:
    assert world.post(platform, bad) is None


def test_bid_codec() -> None:
    for mid in ("4987123412341234", "4900000000000001", "3500000000000000"):
        assert bid_to_mid(mid_to_bid(mid)) == mid


def test_posts_are_newest_first_and_in_the_past(world: World) -> None:
    for acc in world.accounts():
        posts = world.posts(acc, 0, world.post_count(acc))
        times = [p.created_at for p in posts]
        assert times == sorted(times, reverse=True)
        assert times[0] < NOW and all(t.tzinfo is not None for t in times)
        assert world.last_post_time(acc) == times[0]
        for p in world.pinned(acc):
            assert p.pinned and p.created_at < times[0]
        for p in posts[:5]:
            for c in world.comments(p):
                assert p.created_at < c.created_at <= NOW
                assert all(c.created_at < r.created_at <= NOW for r in c.replies)


def test_content_variety(world: World) -> None:
    weibo = [p for a in world.accounts("weibo") for p in world.posts(a, 0, 40)]
    assert any(p.is_long and len(p.text) > 140 for p in weibo)
    assert any(p.repost_of is not None for p in weibo)
    medium = World(3, "medium", now=NOW)
    assert any(p.repost_of is not None and p.repost_of.deleted and p.repost_of.deleted_reason
               for a in medium.accounts("weibo") for p in medium.posts(a, 0, 60))
    assert any(s.kind == "topic" for p in weibo for s in p.segments)
    assert any(s.kind == "emoji" for p in weibo for s in p.segments)
    assert any(kind == "video" for p in weibo for kind, _ in p.media)
    douyin = [p for a in world.accounts("douyin") for p in world.posts(a, 0, 20)]
    assert any(p.is_video for p in douyin) and any(not p.is_video for p in douyin)
    assert all(p.favorites is not None for p in douyin)
    wechat = [p for a in world.accounts("wechat") for p in world.posts(a, 0, 40)]
    assert all(p.title for p in wechat)
    assert any(p.push_size > 1 for p in wechat)
    assert any(p.deleted for p in wechat)
    comments = [c for p in weibo[:200] for c in world.comments(p)]
    assert any(c.is_question for c in comments)
    assert any(r.is_official for c in comments for r in c.replies)
    assert any(c.is_question and not any(r.is_official for r in c.replies) for c in comments)


def test_generation_one_edits_and_deletes() -> None:
    w0 = World(seed=7, size="small", now=NOW)
    w1 = World(seed=7, size="small", now=NOW, generation=1)
    edited = deleted = added = 0
    for a0, a1 in zip(w0.accounts(), w1.accounts(), strict=True):
        # generation 1 may add posts on top (active Weibo and Douyin accounts): compare post
        # by post id
        new = w1.post_count(a1) - w0.post_count(a0)
        assert new >= 0 and (new == 0 or a1.platform in ("weibo", "douyin"))
        added += new
        newest0 = w0.posts(a0, 0, 1)[0].created_at
        assert all(newest0 < p.created_at < NOW for p in w1.posts(a1, 0, new))
        for p0 in w0.posts(a0, 0, 40):
            p1 = w1.post(a1.platform, p0.post_id)
            assert p1 is not None and p1.created_at == p0.created_at
            if p1.edited_text:
                edited += 1
                assert p1.text == p1.edited_text != p0.text and p1.original_text == p0.text
            elif p1.deleted and not p0.deleted:
                deleted += 1
            else:
                assert p1.text == p0.text
                assert p1.comments_count >= p0.comments_count
        if a1.platform in ("weibo", "douyin"):  # the displayed count follows new posts and deletions
            gone = sum(1 for p in w1.posts(a1, 0, 60) if p.deleted)
            assert w1.shown_post_count(a1) == a0.post_count + new - gone
    assert edited >= 3 and deleted >= 3 and added >= 3


def test_follower_series(world: World) -> None:
    acc = world.accounts()[0]
    series = world.follower_series(acc)
    assert series[-1] == (NOW.date(), acc.followers)
    assert all(b[0] > a[0] for a, b in zip(series, series[1:], strict=False))


def test_size_options() -> None:
    assert len(World(1, {"units": 5, "posts_per_account": 10}, now=NOW).units) == 5
    w = World(1, "30x12", now=NOW)
    assert len(w.units) == 10 and all(8 <= w.post_count(a) <= 16 for a in w.accounts())
    with pytest.raises(ValueError):
        World(1, "huge", now=NOW)


_LARGE_SCRIPT = """
import json, resource, sys
from datetime import datetime
from govspider.processors import CST
from govspider.sandbox.world import World
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
w = World(seed=7, size="large", now=datetime(2026, 11, 20, 12, tzinfo=CST))
print(json.dumps({"accounts": len(w.accounts()),
                  "posts": sum(w.post_count(a) for a in w.accounts()),
                  "cached": w._post_cache.cache_info().currsize,
                  "rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024}))
"""


def test_large_world_is_lazy() -> None:
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _LARGE_SCRIPT], capture_output=True, text=True,
                         timeout=120, check=True)
    info = json.loads(out.stdout)
    assert info["accounts"] >= 10_000
    assert info["posts"] >= 900_000
    assert info["cached"] == 0  # nothing generated up front (how fast: bench, not a timed test)
    assert info["rss_mb"] < 200  # a million posts are not in memory


def test_post_cache_is_bounded() -> None:
    w = World(seed=7, size="3000x20", now=NOW)
    for a in w.accounts():
        w.posts(a, 0, 2)
    assert w._post_cache.cache_info().currsize <= 2048
    acc = w.accounts()[-1]
    last = w.posts(acc, w.post_count(acc) - 1, 5)
    assert len(last) == 1 and w.post(acc.platform, last[0].post_id).text == last[0].text
