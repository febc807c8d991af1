"""Old Weibo containers (``230413{uid}``) page with ``page=N``: ``cardlistInfo.page`` names the
next page and there is no ``since_id``. The parser and the spider follow them to the end."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from scrapy.http import Request, TextResponse

import govspider.spiders.base as base
from govspider.platform import OK, ParseInput
from govspider.sandbox.world import World
from govspider_plugins.weibo.pages import PARSERS, parse_timeline
from govspider_plugins.weibo.sandbox import TIMELINE_PAGE, timeline_json
from govspider_plugins.weibo.urls import timeline_url
from tests.weibo.test_spider_unit import BASE, make_spider, run, state

WORLD = World(seed=7)


def _account_with_pages(pages: int):
    for acc in WORLD.accounts("weibo"):
        if WORLD.post_count(acc) > pages * TIMELINE_PAGE:
            return acc
    pytest.skip("no account with enough posts")


def _parse(url: str, doc: dict) -> object:
    return parse_timeline(ParseInput(body=json.dumps(doc).encode(), url=url))


def test_the_parser_names_the_next_page_of_an_old_container():
    acc = _account_with_pages(2)
    uid = str(acc.uid)
    first = _parse(timeline_url(BASE, uid, f"230413{uid}"), timeline_json(WORLD, acc, None, 1))
    assert first.outcome == OK and first.items and first.next == {"page": 2}
    second = _parse(timeline_url(BASE, uid, f"230413{uid}", page=2), timeline_json(WORLD, acc, None, 2))
    assert second.next == {"page": 3}
    assert {i._id for i in first.items}.isdisjoint({i._id for i in second.items})
    # the last page names no page after itself
    last_no = -(-WORLD.post_count(acc) // TIMELINE_PAGE)
    last = _parse(timeline_url(BASE, uid, f"230413{uid}", page=last_no),
                  timeline_json(WORLD, acc, None, last_no))
    assert last.next is None
    # a page number that does not move forward is not followed (no loop)
    doc = timeline_json(WORLD, acc, None, 2)
    doc["data"]["cardlistInfo"]["page"] = "2"
    assert _parse(timeline_url(BASE, uid, f"230413{uid}", page=2), doc).next is None


@pytest.fixture(autouse=True)
def only_weibo_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = SimpleNamespace(parser=lambda platform, kind: PARSERS[kind])
    monkeypatch.setattr(base, "installed_plugins", lambda: fake)


def test_the_spider_follows_page_numbers_to_the_end():
    acc = _account_with_pages(3)
    uid = str(acc.uid)
    spider = make_spider(full="1")
    st = state(spider)
    st.entry = st.entry.__class__(unit="某市交通运输局", platform="weibo", platform_id=uid)
    spider.states[uid] = st
    url = timeline_url(BASE, uid, f"230413{uid}")
    request = Request(url, meta={"weibo_uid": uid, "weibo_page": 1, "weibo_containerid": f"230413{uid}"})
    seen: set[str] = set()
    pages = 0
    while request is not None:
        number = int(dict(p.split("=") for p in request.url.split("?")[1].split("&")).get("page", 1))
        body = json.dumps(timeline_json(WORLD, acc, None, number)).encode()
        resp = TextResponse(url=request.url, body=body, request=request, encoding="utf-8")
        items, requests = run(spider.parse_timeline, resp)
        pages += 1
        seen |= {i._id for i in items if getattr(i, "item_type", None) == "post"}
        # long posts wait for their full text: their extend request stands for them
        seen |= {f"weibo:{r.meta['weibo_mid']}" for r in requests if "/statuses/extend" in r.url}
        following = [r for r in requests if "containerid=230413" in r.url]
        assert all("since_id" not in r.url for r in following)
        request = following[0] if following else None
        assert pages < 100
    expected = -(-WORLD.post_count(acc) // TIMELINE_PAGE)
    assert pages == expected
    own = {p.corpus_id for p in WORLD.posts(acc, 0, WORLD.post_count(acc)) if not p.deleted}
    assert own <= seen
