"""The sandbox's store pages, parsed by the store parsers, give back the world's apps."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from govspider.platform import NOT_FOUND, OK, ParseInput
from govspider_plugins.appstores import sandbox as sb
from govspider_plugins.appstores.pages import PARSERS, huawei, itunes, myapp, xiaomi
from tests.conftest import FROZEN_NOW

ORIGIN = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def world():
    from govspider.sandbox.world import World

    return World(seed=7, size="small", now=FROZEN_NOW)


def _parse(store: str, kind: str, answer: sb.Answer, url: str):
    return PARSERS[store][kind](ParseInput(body=answer.body, url=url, status=answer.status,
                                           now=FROZEN_NOW))


def _query(url: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _detail(world, store: str, app):
    base = f"{ORIGIN}/{store}"
    if store == "itunes":
        url = itunes.lookup_url(base, ids=[app.app_id])
        return _parse(store, "lookup", sb.render_itunes_lookup(world, _query(url), ORIGIN), url)
    if store == "myapp":
        url = myapp.detail_url(base, app.package)
        return _parse(store, "detail", sb.render_myapp_detail(world, app.package, ORIGIN), url)
    if store == "huawei":
        url = huawei.detail_url(base, app.app_id)
        return _parse(store, "detail", sb.render_huawei_index(world, _query(url), ORIGIN), url)
    url = xiaomi.detail_url(base, app.package)
    return _parse(store, "detail", sb.render_xiaomi_detail(world, _query(url), ORIGIN), url)


def _search(world, store: str, term: str):
    base = f"{ORIGIN}/{store}"
    if store == "itunes":
        url = itunes.search_url(base, term)
        return _parse(store, "search", sb.render_itunes_search(world, _query(url), ORIGIN), url)
    if store == "myapp":
        url = myapp.search_url(base, term)
        return _parse(store, "search", sb.render_myapp_search(world, _query(url), ORIGIN), url)
    if store == "huawei":
        url = huawei.search_url(base, term)
        return _parse(store, "search", sb.render_huawei_index(world, _query(url), ORIGIN), url)
    url = xiaomi.search_url(base, term)
    return _parse(store, "search", sb.render_xiaomi_search(world, _query(url), ORIGIN), url)


@pytest.mark.parametrize("store", ["itunes", "myapp", "huawei", "xiaomi"])
def test_detail_pages_round_trip(world, store: str) -> None:
    apps = world.apps(store)
    assert apps, f"the world has no {store} apps"
    for app in apps:
        result = _detail(world, store, app)
        assert result.outcome == OK, (store, app.app_id, result.message)
        (item,) = result.items
        assert item._id == app.corpus_id
        assert (item.name, item.developer, item.package) == (app.name, app.developer, app.package)
        assert item.version == app.version
        assert item.updated_at.date() == app.updated_at.astimezone(item.updated_at.tzinfo).date()
        assert item.icon_url == ORIGIN + app.icon_url
        if app.rating:
            tolerance = 0.25 if store == "xiaomi" else 0.051
            assert item.rating == pytest.approx(app.rating, abs=tolerance)
        if store == "xiaomi" or store == "itunes":
            assert item.downloads is None  # these stores do not show a download count
        elif app.downloads:
            assert item.downloads == pytest.approx(app.downloads, rel=0.06)


@pytest.mark.parametrize("store", ["myapp", "huawei", "xiaomi"])
def test_missing_detail_is_not_found(world, store: str) -> None:
    class Ghost:
        app_id = "C000" if store == "huawei" else "cn.gov.nowhere.app"
        package = "cn.gov.nowhere.app"

    assert _detail(world, store, Ghost()).outcome == NOT_FOUND


def test_itunes_unknown_id_is_not_found(world) -> None:
    class Ghost:
        app_id = "1"

    assert _detail(world, "itunes", Ghost()).outcome == NOT_FOUND


PAGE = {"itunes": 50, "myapp": 20, "huawei": 25, "xiaomi": 30}


@pytest.mark.parametrize("store", ["itunes", "myapp", "huawei", "xiaomi"])
def test_search_finds_the_lookalikes_of_each_official_app(world, store: str) -> None:
    from govspider.registry import AccountRegistry

    registry = AccountRegistry.from_dict(world.registry())
    found_by: dict[str, set[str]] = {}
    for app in registry.apps:
        for term in app.names:
            result = _search(world, store, term)
            expected = [a.corpus_id for a in world.search_apps(store, term)][:PAGE[store]]
            if not expected:
                assert result.outcome == NOT_FOUND
                continue
            assert result.outcome == OK
            assert [i._id for i in result.items] == expected
            for item in result.items:
                found_by.setdefault(item._id, set()).add(term)
    for lookalike in [a for a in world.apps(store) if a.imitates]:
        assert lookalike.corpus_id in found_by, f"{lookalike.name} is not found by any registry name"


def test_myapp_detail_keeps_related_apps_out(world) -> None:
    for app in world.apps("myapp"):
        answer = sb.render_myapp_detail(world, app.package, ORIGIN)
        assert b"SameDeveloper" in answer.body and b"YouMayAlsoLike" in answer.body
        result = _parse("myapp", "detail", answer, myapp.detail_url(ORIGIN + "/myapp", app.package))
        assert [i._id for i in result.items] == [app.corpus_id]
