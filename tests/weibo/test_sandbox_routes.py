"""The Weibo sandbox routes speak the real shapes: the parsers read them back to the world."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("govspider.sandbox.core")

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from govspider.platform import ParseInput  # noqa: E402
from govspider.sandbox.core import build_app  # noqa: E402
from govspider.sandbox.world import World  # noqa: E402
from govspider_plugins.weibo.pages import PARSERS  # noqa: E402
from govspider_plugins.weibo.sandbox import routes  # noqa: E402

NOW = "2026-11-20T12:00:00+08:00"


def serve(world: World, troubles: Any = None) -> Any:
    """Run ``scenario(client)`` against an in-process app serving only the Weibo routes."""

    def run(scenario: Any) -> Any:
        async def main() -> Any:
            app = build_app(world, troubles=troubles, routes=routes(world))
            async with TestClient(TestServer(app)) as client:
                return await scenario(client)

        return asyncio.run(main())

    return run


async def fetch(client: TestClient, kind: str, path: str, world: World,
                **meta: Any) -> Any:
    resp = await client.get(path)
    body = await resp.read()
    url = str(client.make_url(path))
    return PARSERS[kind](ParseInput(body=body, url=url, status=resp.status, now=world.now,
                                    meta=meta))


def test_an_account_read_back_through_http() -> None:
    world = World(seed=7, size="small", now=NOW)
    acc = next(a for a in world.accounts("weibo") if world.pinned(a))

    async def scenario(client: TestClient) -> None:
        profile = await fetch(client, "profile",
                              f"/weibo/api/container/getIndex?type=uid&value={acc.uid}", world)
        account = profile.items[0]
        assert account.name == acc.name and account.posts_count == acc.post_count
        assert account.extra["timeline_containerid"] == f"107603{acc.uid}"
        since, seen, pinned, pages = None, [], [], 0
        while True:
            path = f"/weibo/api/container/getIndex?type=uid&value={acc.uid}&containerid=107603{acc.uid}"
            result = await fetch(client, "timeline", path + (f"&since_id={since}" if since else ""),
                                 world)
            pages += 1
            own = [p for p in result.items if p.account_id == account._id]
            seen += [p.platform_id for p in own if not p.is_pinned]
            pinned += [p.platform_id for p in own if p.is_pinned]
            assert all(u.startswith(str(client.make_url("/weibo/"))) for u in result.requests)
            if not result.next:
                break
            since = result.next["since_id"]
        assert seen == [p.post_id for p in world.posts(acc, 0, 1000)]
        assert pinned == [p.post_id for p in world.pinned(acc)] and pages > 1
        long_post = next(p for p in world.posts(acc, 0, 1000) if p.is_long)
        full = await fetch(client, "longtext", f"/weibo/statuses/extend?id={long_post.post_id}", world)
        assert full.items[0].text == long_post.text
        commented = next(p for p in world.posts(acc, 0, 1000) if p.comments_count)
        result = await fetch(client, "comments",
                             f"/weibo/comments/hotflow?id={commented.post_id}&mid={commented.post_id}&max_id_type=0",
                             world, weibo_uid=acc.uid)
        first = world.comments(commented, 0, 1)[0]
        assert result.items[0].platform_id == first.comment_id
        assert result.items[0].text == first.text

    serve(world)(scenario)


@pytest.mark.parametrize("trouble,kind", [
    ("login_wall", "login_required"), ("rate_limit", "rate_limited"), ("captcha", "captcha"),
    ("blocked", "blocked"), ("empty_body", "malformed"), ("truncated", "malformed")])
def test_troubles_are_classified(trouble: str, kind: str) -> None:
    world = World(seed=7, size="small", now=NOW)
    acc = world.accounts("weibo")[0]

    async def scenario(client: TestClient) -> None:
        path = f"/weibo/api/container/getIndex?type=uid&value={acc.uid}&containerid=107603{acc.uid}"
        result = await fetch(client, "timeline", path, world)
        assert (result.outcome, result.error_kind) == ("error", kind)
        retry = await fetch(client, "timeline", path, world)  # only first attempts are troubled
        assert retry.outcome == "ok"

    serve(world, troubles={trouble: {"rate": 1.0}})(scenario)


def test_deleted_posts_vanish_and_show_says_gone() -> None:
    world = World(seed=7, size="small", now=NOW, generation=1)
    acc, post = next((a, p) for a in world.accounts("weibo") for p in world.posts(a, 0, 40)
                     if p.deleted)

    async def scenario(client: TestClient) -> None:
        result = await fetch(client, "show", f"/weibo/statuses/show?id={post.post_id}", world)
        assert result.outcome == "gone" and result.items[0].deleted

    serve(world)(scenario)
