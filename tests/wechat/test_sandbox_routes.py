"""The sandbox's ``/wechat`` and ``/sogou`` routes, served in-process and read back with the
plugin's own parsers: what the parsers find must be what the world holds."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from govspider.platform import ParseInput, ParseResult
from govspider.sandbox.core import build_app
from govspider.sandbox.world import World
from govspider_plugins.wechat.pages import PARSERS
from govspider_plugins.wechat.sandbox import SANDBOX_TOKEN, routes, short_token
from govspider_plugins.wechat.urls import article_key

NOW = "2026-11-20T12:00:00+08:00"
SESSION = {"Cookie": "slave_sid=sandbox; data_ticket=x"}


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=7, size="small", now=NOW)


Scenario = Callable[[TestClient], Awaitable[Any]]


def serve(world: World, scenario: Scenario, troubles: Any = None) -> Any:
    async def main() -> Any:
        app = build_app(world, troubles=troubles, routes=routes(world))
        async with TestClient(TestServer(app)) as client:
            return await scenario(client)

    return asyncio.run(main())


async def fetch(client: TestClient, kind: str, path: str, **kwargs: Any) -> ParseResult:
    response = await client.get(path, **kwargs)
    body = await response.read()
    return PARSERS[kind](ParseInput(body=body, url=str(response.url), status=response.status))


def sogou_path(url: str) -> str:
    """A ``/link?url=`` redirect resolved against the page, on the sandbox's ``/sogou`` prefix
    (what the spider does with ``SOGOU_BASE_URL``)."""
    assert "/link?url=" in url
    return "/sogou/link?" + url.split("?", 1)[1]


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def test_articles_round_trip(world: World) -> None:
    """Every article of two accounts parses back to the world's post and account."""

    async def scenario(client: TestClient) -> list[tuple[Any, ParseResult]]:
        out = []
        for acc in world.accounts("wechat")[:2]:
            for post in world.posts(acc, 0, world.post_count(acc)):
                key = article_key(post.url)
                assert key is not None
                out.append((post, await fetch(client, "article", "/wechat/s", params={
                    "__biz": key.biz, "mid": key.mid, "idx": key.idx, "sn": key.sn,
                    "chksm": "00aa", "scene": "27"})))
        return out

    results = serve(world, scenario)
    assert len(results) > 40
    deleted = 0
    for post, result in results:
        if post.deleted:
            deleted += 1
            assert result.outcome == "gone"
            (item,) = result.items
            assert item._id == post.corpus_id and item.deleted is True
            assert item.deleted_reason == post.deleted_reason
            continue
        assert result.outcome == "ok", result.message
        parsed, account = result.items
        assert parsed._id == post.corpus_id and parsed.url == post.url
        assert parsed.title == post.title
        assert squash(parsed.text) == squash(post.text)
        assert parsed.published_at == post.created_at.replace(microsecond=0)
        assert parsed.is_original is post.is_original
        assert parsed.ip_region == post.ip_region
        assert [m["url"].split("&from=")[0] for m in parsed.media or []] == [u for _, u in post.media]
        assert parsed.extra["author"] == post.author and parsed.extra["cover"] == post.cover
        acc = post.account
        assert (account._id, account.name, account.description) == (
            acc.corpus_id, acc.name, acc.description)
        assert account.extra == {"gh_id": acc.gh_id, "alias": acc.alias}
    assert deleted == sum(p.deleted for p, _ in results)


def test_short_link_and_bad_parameters(world: World) -> None:
    acc = world.accounts("wechat")[3]
    post = next(p for p in world.posts(acc, 0, 10) if not p.deleted)

    async def scenario(client: TestClient) -> list[ParseResult]:
        return [await fetch(client, "article", f"/wechat/s/{short_token(post, world.seed)}"),
                await fetch(client, "article", "/wechat/s/AAAAAAAAAAAAAAAAAAAAAA"),
                await fetch(client, "article", "/wechat/s", params={
                    "__biz": acc.platform_id, "mid": "1", "idx": "1"})]

    short, unknown, bad = serve(world, scenario)
    assert short.outcome == "ok" and short.items[0]._id == post.corpus_id
    assert unknown.outcome == "not_found" and bad.outcome == "not_found"


def test_backend_list_pages_through_every_article(world: World) -> None:
    acc = world.accounts("wechat")[1]

    async def scenario(client: TestClient) -> tuple[list[ParseResult], list[ParseResult]]:
        pages, begin = [], 0
        while True:
            result = await fetch(client, "appmsg_list", "/wechat/cgi-bin/appmsg", headers=SESSION,
                                 params={"action": "list_ex", "begin": str(begin), "count": "5",
                                         "fakeid": acc.platform_id, "type": "9",
                                         "token": SANDBOX_TOKEN, "f": "json", "ajax": "1"})
            pages.append(result)
            if not result.next:
                break
            begin = result.next["begin"]
        refused = [
            await fetch(client, "appmsg_list", "/wechat/cgi-bin/appmsg", headers=SESSION,
                        params={"action": "list_ex", "fakeid": acc.platform_id}),
            await fetch(client, "appmsg_list", "/wechat/cgi-bin/appmsg",
                        params={"action": "list_ex", "fakeid": acc.platform_id,
                                "token": SANDBOX_TOKEN}),
            await fetch(client, "appmsg_list", "/wechat/cgi-bin/appmsg", headers=SESSION,
                        params={"action": "list_ex", "fakeid": "MTIz", "token": SANDBOX_TOKEN}),
        ]
        return pages, refused

    pages, refused = serve(world, scenario)
    ids = [p._id for r in pages for p in r.items]
    assert ids == [p.corpus_id for p in world.posts(acc, 0, world.post_count(acc))]
    assert all(r.outcome == "ok" for r in pages)
    assert [(r.outcome, r.error_kind) for r in refused] == [
        ("error", "login_required"), ("error", "login_required"), ("not_found", None)]


def test_appmsgpublish_and_profile_ext_agree_with_the_world(world: World) -> None:
    acc = world.accounts("wechat")[2]
    expected = {p.corpus_id: p for p in world.posts(acc, 0, world.post_count(acc))}

    async def scenario(client: TestClient) -> tuple[list[Any], list[Any], ParseResult]:
        published, begin = [], 0
        while True:
            r = await fetch(client, "appmsg_list", "/wechat/cgi-bin/appmsgpublish",
                            headers=SESSION, params={"sub": "list", "begin": str(begin),
                                                     "count": "5", "fakeid": acc.platform_id,
                                                     "token": SANDBOX_TOKEN})
            published += r.items
            if not r.next:
                break
            begin = r.next["begin"]
        history, offset = [], 0
        while True:
            r = await fetch(client, "profile_msg", "/wechat/mp/profile_ext", params={
                "action": "getmsg", "__biz": acc.platform_id, "f": "json",
                "offset": str(offset), "count": "10", "key": "sandbox-key"})
            history += r.items
            if not r.next:
                break
            offset = r.next["offset"]
        no_key = await fetch(client, "profile_msg", "/wechat/mp/profile_ext",
                             params={"action": "getmsg", "__biz": acc.platform_id})
        return published, history, no_key

    published, history, no_key = serve(world, scenario)
    for items in (published, history):
        assert {p._id for p in items} == set(expected)
        for item in items:
            post = expected[item._id]
            assert item.title == post.title and item.is_original is post.is_original
    assert {p._id for p in history if p.deleted} == {i for i, p in expected.items() if p.deleted}
    assert (no_key.outcome, no_key.error_kind) == ("error", "login_required")


def test_sogou_search_link_and_article(world: World) -> None:
    acc = world.accounts("wechat")[0]

    async def scenario(client: TestClient) -> tuple[list[ParseResult], list[Any]]:
        pages, page = [], 1
        while True:
            r = await fetch(client, "sogou", "/sogou/weixin", params={
                "type": "2", "query": acc.name, "page": str(page), "ie": "utf8"})
            pages.append(r)
            if not r.next:
                break
            page = r.next["page"]
        first = next(p for p in pages[0].items if p.extra["account_name"] == acc.name)
        link = await fetch(client, "sogou_link", sogou_path(first.url))
        (article_url,) = link.requests
        article = await fetch(client, "article", "/" + article_url.split("/", 3)[3])
        return pages, [first, article]

    pages, (first, article) = serve(world, scenario)
    own = [p for r in pages for p in r.items if p.extra["account_name"] == acc.name]
    others = [p for r in pages for p in r.items if p.extra["account_name"] != acc.name]
    posts = world.posts(acc, 0, world.post_count(acc))
    assert [p.title for p in own] == [p.title for p in posts][: len(own)]
    assert len(own) == min(len(posts), 100) and others
    assert all(acc.name in p.title for p in others)  # reposts naming the account
    assert article.outcome in ("ok", "gone")
    assert article.items[0].title in (first.title, None)


def test_sogou_link_needs_the_cookie_of_the_search(world: World) -> None:
    acc = world.accounts("wechat")[0]

    async def scenario(client: TestClient) -> tuple[ParseResult, ParseResult]:
        search = await fetch(client, "sogou", "/sogou/weixin",
                             params={"type": "2", "query": acc.name, "page": "1"})
        path = sogou_path(search.requests[0])
        client.session.cookie_jar.clear()
        blocked = await fetch(client, "sogou_link", path)
        return search, blocked

    search, blocked = serve(world, scenario)
    assert search.outcome == "ok"
    assert (blocked.outcome, blocked.error_kind) == ("error", "captcha")


@pytest.mark.parametrize("trouble,kind,path,expected", [
    ("rate_limit", "appmsg_list", "/wechat/cgi-bin/appmsg", "rate_limited"),
    ("login_wall", "appmsg_list", "/wechat/cgi-bin/appmsg", "login_required"),
    ("captcha", "article", "/wechat/s", "captcha"),
    ("blocked", "article", "/wechat/s", "blocked"),
    ("empty_body", "article", "/wechat/s", "malformed"),
    ("truncated", "article", "/wechat/s", "malformed"),
    ("captcha", "sogou", "/sogou/weixin", "captcha"),
    ("login_wall", "profile_msg", "/wechat/mp/profile_ext", "login_required"),
])
def test_troubles_are_errors_and_a_retry_succeeds(world: World, trouble: str, kind: str,
                                                   path: str, expected: str) -> None:
    acc = world.accounts("wechat")[0]
    post = next(p for p in world.posts(acc, 0, 10) if not p.deleted)
    key = article_key(post.url)
    params = {"/wechat/s": {"__biz": acc.platform_id, "mid": key.mid, "idx": key.idx},
              "/wechat/cgi-bin/appmsg": {"action": "list_ex", "fakeid": acc.platform_id,
                                         "token": SANDBOX_TOKEN, "begin": "0", "count": "5"},
              "/sogou/weixin": {"type": "2", "query": acc.name, "page": "1"},
              "/wechat/mp/profile_ext": {"action": "getmsg", "__biz": acc.platform_id,
                                         "key": "k"}}[path]
    troubles = {trouble: {"rate": 1.0, "burst": 0} if trouble == "rate_limit" else 1.0}

    async def scenario(client: TestClient) -> tuple[ParseResult, ParseResult]:
        first = await fetch(client, kind, path, params=params, headers=SESSION)
        again = await fetch(client, kind, path, params=params, headers=SESSION)
        return first, again

    first, again = serve(world, scenario, troubles=troubles)
    assert (first.outcome, first.error_kind) == ("error", expected)
    assert again.outcome == "ok" and again.items
