"""WeiboSpider callbacks on saved responses: paging, incremental stop, long texts, errors."""

from __future__ import annotations

import asyncio
import inspect
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

import govspider.spiders.base as base
from govspider.items import Account, Post
from govspider.processors import CST
from govspider.registry import AccountRegistry, RegistryAccount
from govspider_plugins.weibo.pages import PARSERS
from govspider_plugins.weibo.spider import AccountState, WeiboSpider
from govspider_plugins.weibo.urls import extend_url, timeline_url
from tests.fixturecases import body as fixture_body

BASE = "http://127.0.0.1:9/weibo"
UID = "5900000001"
NOW = "2026-11-20T12:00:00+08:00"


@pytest.fixture(autouse=True)
def only_weibo_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Look parsers up in this plugin only (other plugins are not under test here)."""
    fake = SimpleNamespace(parser=lambda platform, kind: PARSERS[kind])
    monkeypatch.setattr(base, "installed_plugins", lambda: fake)


def make_spider(**kwargs: Any) -> WeiboSpider:
    crawler = get_crawler(WeiboSpider, {
        "WEIBO_BASE_URL": BASE, "GOVSPIDER_STORE_ENABLED": False, "GOVSPIDER_NOW": NOW,
        "GOVSPIDER_DETECT_ENABLED": False})
    spider = WeiboSpider.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def response(url: str, case: str, status: int = 200, **meta: Any) -> TextResponse:
    """The saved body of the Weibo fixture case ``case`` (``kind/name``) as a response."""
    request = Request(url, meta={"weibo_uid": UID, **meta})
    return TextResponse(url=url, body=fixture_body(f"weibo/{case}"), status=status,
                        request=request, encoding="utf-8")


def state(spider: WeiboSpider, **kwargs: Any) -> AccountState:
    st = AccountState(entry=RegistryAccount(unit="某市交通运输局", platform="weibo",
                                            platform_id=UID), **kwargs)
    spider.states[UID] = st
    return st


def run(callback: Any, resp: TextResponse) -> tuple[list[Any], list[Request]]:
    output = callback(resp)
    if inspect.isasyncgen(output):  # storage is off here, so nothing in it awaits the reactor
        async def drain() -> list[Any]:
            return [o async for o in output]
        out = asyncio.run(drain())
    else:
        out = list(output)
    return ([o for o in out if not isinstance(o, Request)],
            [o for o in out if isinstance(o, Request)])


def test_first_crawl_pages_on_and_completes_long_texts() -> None:
    spider = make_spider()
    state(spider)
    profile, (first_page,) = run(spider.parse_profile,
                                 response(f"{BASE}/api/container/getIndex?type=uid&value={UID}",
                                          "profile/ok"))
    # the metrics point now; the account (the unit from the registry) travels with the
    # timeline request, which carries what later pages need, so any worker of a distributed
    # crawl can take it, and is yielded once page 1 dates its last post (one sighting per crawl)
    assert [type(i).__name__ for i in profile] == ["AccountMetrics"]
    held = first_page.meta["weibo_account"]
    assert held.name and held.unit == "某市交通运输局" and held.last_post_at is None
    assert first_page.url == timeline_url(BASE, UID, "1076035900000001")
    assert first_page.meta["weibo_page"] == 1
    items, requests = run(spider.parse_timeline,
                          response(timeline_url(BASE, UID), "timeline/page1_sandbox", **first_page.meta))
    ids = {i._id for i in items if isinstance(i, Post)}
    # long posts wait for their full text; everything else is yielded now
    assert "weibo:5012000000000009" not in ids and "weibo:5011000000000077" not in ids
    assert {"weibo:5012000000000010", "weibo:4318000000000000"} <= ids
    urls = [r.url for r in requests]
    assert timeline_url(BASE, UID, since_id="5012000000000006") in urls
    assert extend_url(BASE, "5012000000000009") in urls
    assert all(r.meta["govspider_cookie"] == "weibo" for r in requests)
    comments = [r for r in requests if "/comments/hotflow" in r.url]
    assert comments and all(r.headers[b"Referer"].endswith(b"/detail/" + r.meta["weibo_mid"].encode())
                            for r in comments)
    # page 1 dates the account's last post: the profile's account, completed
    (account,) = [i for i in items if isinstance(i, Account)]
    assert account._id == f"weibo:{UID}" and account.name == held.name
    assert account.last_post_at == datetime(2026, 11, 20, 11, 57, tzinfo=CST)
    assert all(r.meta["weibo_page"] == 2 for r in requests if "since_id=" in r.url)

    ext = next(r for r in requests if r.url == extend_url(BASE, "5012000000000009"))
    done, _ = run(spider.parse_longtext, response(ext.url, "longtext/ok", **ext.meta))
    (post,) = done
    assert post._id == "weibo:5012000000000009" and post.is_long_text
    assert post.text.endswith("安全第一。") and "truncated" not in (post.extra or {})
    assert post.published_at == datetime(2026, 11, 19, 9, 30, tzinfo=CST)  # kept from the timeline
    assert post.metrics["likes"] == 11000


def test_incremental_stop_ignores_the_pinned_post() -> None:
    spider = make_spider()
    # newest stored post: 2026-11-01 -> page 1 reaches it (11-01 08:00 post) -> stop
    state(spider, stop_at=datetime(2026, 11, 1, 8, 0, tzinfo=CST))
    _, requests = run(spider.parse_timeline, response(timeline_url(BASE, UID), "timeline/page1_sandbox"))
    assert not any("since_id" in r.url for r in requests)
    # stored up to 2026-10-20: the pinned post (10-05) is older but must not stop paging
    spider = make_spider()
    state(spider, stop_at=datetime(2026, 10, 20, tzinfo=CST))
    _, requests = run(spider.parse_timeline, response(timeline_url(BASE, UID), "timeline/page1_sandbox"))
    assert any("since_id=5012000000000006" in r.url for r in requests)


def test_a_worker_that_did_not_start_the_account_carries_on_from_the_request() -> None:
    """Distributed crawl: the worker that takes a request from the shared queue may not have
    reached the account in its own start() (the CI failure: KeyError, one account lost)."""
    starter = make_spider()
    state(starter, stop_at=datetime(2026, 11, 1, 8, 0, tzinfo=CST))
    profile_req = starter._request(f"{BASE}/api/container/getIndex?type=uid&value={UID}",
                                   starter.parse_profile, starter.states[UID])
    other = make_spider()
    other.registry = AccountRegistry(accounts=[RegistryAccount(
        unit="某市交通运输局", platform="weibo", platform_id=UID, region="某省某市")])
    assert UID not in other.states
    profile, (first_page,) = run(other.parse_profile, response(
        profile_req.url, "profile/ok", **profile_req.meta))
    assert first_page.meta["weibo_account"].unit == "某市交通运输局"  # the registry entry, by uid
    # the incremental stop travelled with the request: page 1 reaches it, no page 2
    _, requests = run(other.parse_timeline, response(timeline_url(BASE, UID), "timeline/page1_sandbox",
                                                     **first_page.meta))
    assert other.states[UID].stop_at == datetime(2026, 11, 1, 8, 0, tzinfo=CST)
    assert requests and not any("since_id" in r.url for r in requests)
    # an account missing from this worker's registry is still crawled under its uid
    third = make_spider()
    _, (page,) = run(third.parse_profile, response(profile_req.url, "profile/ok", **profile_req.meta))
    assert third.states[UID].account_id == f"weibo:{UID}" and page.meta["weibo_uid"] == UID


def test_since_skips_older_posts_and_stops() -> None:
    spider = make_spider(since="2026-11-10")
    state(spider, stop_at=spider.since, since=spider.since)
    items, requests = run(spider.parse_timeline,
                          response(timeline_url(BASE, UID), "timeline/page1_sandbox"))
    ids = {i._id for i in items if isinstance(i, Post)}
    assert "weibo:5012000000000001" in ids  # pinned: kept whatever its date
    assert "weibo:5012000000000007" not in ids and "weibo:5012000000000008" not in ids
    assert not any("since_id" in r.url or "id=5012000000000008" in r.url for r in requests)


@pytest.mark.parametrize("name,status,kind", [
    ("timeline/rate_limited_418", 418, "rate_limited"), ("timeline/login_wall", 200, "login_required"),
    ("profile/captcha", 200, "captcha"), ("profile/blocked_html", 200, "blocked"),
    ("timeline/truncated_json", 200, "malformed")])
def test_errors_are_counted_and_retried_with_backoff(name: str, status: int, kind: str) -> None:
    spider = make_spider()
    state(spider)
    items, requests = run(spider.parse_timeline,
                          response(timeline_url(BASE, UID), name, status=status))
    assert items == []
    (retry,) = requests
    assert retry.dont_filter and retry.meta["govspider_backoff"] > 0
    assert retry.meta["govspider_error_retries"] == 1
    assert spider.crawler.stats.get_value(f"govspider/errors/{kind}") == 1


def test_418_reaches_the_callback() -> None:
    assert 418 in WeiboSpider.handle_httpstatus_list
    assert 418 not in WeiboSpider.custom_settings["RETRY_HTTP_CODES"]


def test_long_text_kept_truncated_when_extend_gives_up() -> None:
    spider = make_spider()
    state(spider)
    post = Post(_id="weibo:1", platform="weibo", platform_id="1", text="截断的文字",
                extra={"truncated": True})
    resp = response(extend_url(BASE, "1"), "timeline/login_wall", weibo_post=post, weibo_mid="1",
                    govspider_error_retries=spider.max_error_retries)
    items, requests = run(spider.parse_longtext, resp)
    assert items == [post] and requests == []
    assert spider.crawler.stats.get_value("govspider/errors_gave_up/login_required") == 1
