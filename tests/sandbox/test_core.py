"""The trouble engine and the app core, in-process (aiohttp test server, no subprocess)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from govspider.processors import CST
from govspider.sandbox.core import (
    Route,
    TroubleEngine,
    build_app,
    json_response,
    load_troubles,
    settings_for,
    text_response,
)
from govspider.sandbox.world import World

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)


async def _ok(request: web.Request) -> web.Response:
    return json_response({"ok": 1, "data": {"q": request.query.get("q", ""), "pad": "x" * 200}})


def _route(**kw: Any) -> Route:
    troubles = {
        "login_wall": lambda r: json_response({"ok": -100, "url": "https://passport.example/signin"}),
        "rate_limit": lambda r: text_response("", status=418),
        "captcha": lambda r: json_response({"ok": 0, "url": "https://verify.example/"}),
    }
    return Route("GET", "/demo/api", _ok, "DEMO_BASE_URL", "/demo", troubles=troubles, **kw)


def _serve(troubles: Any, routes: list[Route], body: Callable[[TestServer], Awaitable[Any]]) -> Any:
    world = World(seed=7, size={"units": 2, "posts_per_account": 6}, now=NOW)

    async def main() -> Any:
        app = build_app(world, troubles=troubles, routes=routes)
        async with TestServer(app) as server:
            return await body(server)

    return asyncio.run(main())


async def _get(server: TestServer, path: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as s, s.get(server.make_url(path)) as resp:
        return resp.status, await resp.read()


def test_load_troubles_forms(tmp_path) -> None:
    assert not any(s.enabled for s in load_troubles(None).values())
    assert not any(s.enabled for s in load_troubles("off").values())
    assert all(s.enabled for s in load_troubles("default").values())
    specs = load_troubles({"login_wall": 0.5, "slow": {"rate": 0.1, "delay": 0.2}, "captcha": False})
    assert specs["login_wall"].enabled and specs["login_wall"].rate == 0.5
    assert specs["slow"].params["delay"] == 0.2 and not specs["captcha"].enabled
    assert not specs["rate_limit"].enabled
    f = tmp_path / "t.yaml"
    f.write_text("default: true\nempty_body: false\nrate_limit: {burst: 5}\n")
    specs = load_troubles(f)
    assert specs["login_wall"].enabled and not specs["empty_body"].enabled
    assert specs["rate_limit"].params["burst"] == 5
    with pytest.raises(ValueError, match="unknown trouble"):
        load_troubles({"meteor": 1})
    with pytest.raises(ValueError, match="within 0..1"):
        load_troubles({"slow": 3})


def test_first_attempt_fails_retry_succeeds() -> None:
    async def body(server: TestServer) -> None:
        status, raw = await _get(server, "/demo/api?q=1&a_bogus=abc")
        assert status == 200 and json.loads(raw)["ok"] == -100
        # the retry (another signature, same request) gets the data
        status, raw = await _get(server, "/demo/api?q=1&a_bogus=xyz")
        assert json.loads(raw)["ok"] == 1
        status, raw = await _get(server, "/demo/api?q=2")
        assert json.loads(raw)["ok"] == -100  # another URL: its own first attempt
        status, raw = await _get(server, "/_sandbox/stats")
        assert json.loads(raw)["troubles"]["login_wall"] == 2

    _serve({"login_wall": 1.0}, [_route()], body)


def test_off_means_clean() -> None:
    async def body(server: TestServer) -> None:
        for i in range(50):
            status, raw = await _get(server, f"/demo/api?q={i}")
            assert status == 200 and json.loads(raw)["ok"] == 1

    _serve("off", [_route()], body)


def test_rates_are_roughly_honoured() -> None:
    engine = TroubleEngine(load_troubles({"login_wall": 0.2, "captcha": 0.1}), seed=3)
    route = _route()
    counts: dict[str | None, int] = {}

    class FakeRequest:
        method = "GET"
        path = "/demo/api"

        def __init__(self, i: int) -> None:
            self.query_string = f"q={i}"

    for i in range(4000):
        got = engine.choose(route, FakeRequest(i))  # type: ignore[arg-type]
        counts[got] = counts.get(got, 0) + 1
    assert 0.17 < counts["login_wall"] / 4000 < 0.23
    assert 0.06 < counts["captcha"] / 4000 < 0.1  # what login_wall left over, times 0.1
    assert "slow" not in counts
    # deterministic: a new engine with the same seed picks the same URLs
    again = TroubleEngine(load_troubles({"login_wall": 0.2, "captcha": 0.1}), seed=3)
    assert [again.choose(route, FakeRequest(i)) for i in range(50)] == [
        TroubleEngine(load_troubles({"login_wall": 0.2, "captcha": 0.1}), seed=3).choose(route, FakeRequest(i))
        for i in range(50)]


def test_troubles_a_route_does_not_list_are_not_applied() -> None:
    async def body(server: TestServer) -> None:
        status, raw = await _get(server, "/demo/api?q=1")
        assert status == 200 and json.loads(raw)["ok"] == 1

    bare = Route("GET", "/demo/api", _ok, "DEMO_BASE_URL", "/demo", generic_troubles=())
    _serve({"login_wall": 1.0, "truncated": 1.0, "empty_body": 1.0}, [bare], body)


def test_burst_trips_the_rate_limit() -> None:
    async def body(server: TestServer) -> None:
        statuses = [(await _get(server, f"/demo/api?q={i}"))[0] for i in range(12)]
        assert statuses[:5] == [200] * 5 and 418 in statuses[5:]
        await asyncio.sleep(0.35)  # after the cooldown the client may go on
        assert (await _get(server, "/demo/api?q=100"))[0] == 200

    _serve({"rate_limit": {"rate": 0.0, "burst": 5, "window": 10, "cooldown": 0.3}}, [_route()], body)


def test_truncated_and_slow() -> None:
    async def body(server: TestServer) -> None:
        status, raw = await _get(server, "/demo/api?q=1")
        assert status == 200 and 0 < len(raw)
        with pytest.raises(json.JSONDecodeError):
            json.loads(raw)
        status, raw = await _get(server, "/demo/api?q=1")
        assert json.loads(raw)["ok"] == 1

    _serve({"truncated": 1.0}, [_route()], body)

    async def slow(server: TestServer) -> None:
        loop = asyncio.get_running_loop()
        t = loop.time()
        assert (await _get(server, "/demo/api?q=1"))[0] == 200
        assert loop.time() - t >= 0.3

    _serve({"slow": {"rate": 1.0, "delay": 0.3}}, [_route()], slow)


def test_core_routes_and_icons() -> None:
    async def body(server: TestServer) -> None:
        status, raw = await _get(server, "/")
        info = json.loads(raw)
        assert info["settings"]["WEIBO_BASE_URL"].endswith("/weibo")
        assert info["settings"]["DEMO_BASE_URL"] == str(server.make_url("/demo"))  # from the route
        assert {"method": "GET", "path": "/demo/api", "setting": "DEMO_BASE_URL"} in info["routes"]
        status, raw = await _get(server, "/registry.yaml")
        assert status == 200 and b"units:" in raw
        status, raw = await _get(server, "/ground_truth.json")
        assert status == 200 and isinstance(json.loads(raw), list)
        status, raw = await _get(server, "/icons/itunes/0.png")
        assert status == 404

    _serve("off", [_route()], body)


def test_settings_for() -> None:
    """The settings the plugins' sandbox worlds declare, in layout order, then the routes' own."""
    s = settings_for("http://127.0.0.1:8900/")
    assert s["DOUYIN_BASE_URL"] == "http://127.0.0.1:8900/douyin"
    assert s["WEB_BASE_URL"] == "http://127.0.0.1:8900/web"
    assert list(s) == ["WEIBO_BASE_URL", "WECHAT_BASE_URL", "SOGOU_BASE_URL", "DOUYIN_BASE_URL",
                       "ITUNES_BASE_URL", "MYAPP_BASE_URL", "HUAWEI_BASE_URL", "XIAOMI_BASE_URL",
                       "WEB_BASE_URL"]
    with_route = settings_for("http://127.0.0.1:8900", routes=[_route()])
    assert with_route == s | {"DEMO_BASE_URL": "http://127.0.0.1:8900/demo"}
