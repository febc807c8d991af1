"""Spider pieces that need no browser: the crawl window, API classification, settings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from scrapy.settings import Settings

from govspider.items import Post
from govspider.processors import CST
from govspider.registry import RegistryAccount
from govspider_plugins.douyin.browser import api_kind
from govspider_plugins.douyin.spider import (
    PAGE_SLOTS,
    PLAYWRIGHT_HANDLER,
    AccountState,
    DouyinSpider,
)

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
ACCOUNT = RegistryAccount(unit="某市公安局", platform="douyin", platform_id="MS4wLjABAAAAx")


def post(hours_ago: float, pinned: bool = False) -> Post:
    return Post(_id="douyin:1", platform="douyin", platform_id="1", is_pinned=pinned,
                published_at=T0 - timedelta(hours=hours_ago))


def test_window_stops_at_the_stored_post_but_never_at_a_pinned_one() -> None:
    state = AccountState(account=ACCOUNT, stop_at=T0 - timedelta(hours=10), since=None)
    assert not state.is_old(post(9))
    assert state.is_old(post(10))  # the stored one itself
    assert state.is_old(post(11))
    assert not state.is_old(post(500, pinned=True))


def test_window_honours_since() -> None:
    state = AccountState(account=ACCOUNT, stop_at=None, since=T0 - timedelta(days=1))
    assert not state.is_old(post(23))
    assert state.is_old(post(25))
    assert not AccountState(account=ACCOUNT, stop_at=None, since=None).is_old(post(10_000))


def test_completion_waits_for_comment_pages_and_replies() -> None:
    state = AccountState(account=ACCOUNT, stop_at=None, since=None, profile_done=True,
                         posts_done=True)
    assert state.complete()
    state.comments_pending["7"] = True
    assert not state.complete() and state.posts_needing_comments() == ["7"]
    state.comments_pending["7"] = False
    state.replies_pending["c1"] = "7"
    assert not state.complete() and state.posts_needing_comments() == ["7"]
    del state.replies_pending["c1"]
    assert state.complete()


@pytest.mark.parametrize(("url", "kind"), [
    ("https://www.douyin.com/aweme/v1/web/user/profile/other/?sec_user_id=x", "profile"),
    ("http://127.0.0.1:9/douyin/aweme/v1/web/aweme/post/?max_cursor=0", "posts"),
    ("https://www.douyin.com/aweme/v1/web/comment/list/?aweme_id=1", "comments"),
    ("https://www.douyin.com/aweme/v1/web/comment/list/reply/?item_id=1", "replies"),
    ("https://www.douyin.com/aweme/v1/web/comment/list/reply?item_id=1", "replies"),
    ("https://www.douyin.com/aweme/v1/web/aweme/detail/?aweme_id=1", None),
    ("https://lf-douyin.bytecdn.com/obj/sdk.js", None),
])
def test_api_kind(url: str, kind: str | None) -> None:
    assert api_kind(url) == kind


def test_browser_handlers_only_for_the_browser_mode() -> None:
    browser = Settings({"DOUYIN_MODE": "browser"})
    DouyinSpider.update_settings(browser)
    assert browser.getdict("DOWNLOAD_HANDLERS") == {"http": PLAYWRIGHT_HANDLER,
                                                    "https": PLAYWRIGHT_HANDLER}
    assert browser["PLAYWRIGHT_PROCESS_REQUEST_HEADERS"] is None
    # a process takes no more page requests from the queue than it may open pages; the page
    # slot middleware is added to the project's middlewares, not in place of them
    assert browser.getint("CONCURRENT_REQUESTS") == 2
    assert PAGE_SLOTS in browser.getdict("DOWNLOADER_MIDDLEWARES")
    capped = Settings({"DOUYIN_BROWSER_CONCURRENCY": 5, "PLAYWRIGHT_MAX_CONTEXTS": 3,
                       "DOWNLOADER_MIDDLEWARES": {"x.Mine": 10}})
    DouyinSpider.update_settings(capped)
    assert capped.getint("CONCURRENT_REQUESTS") == 3
    assert {"x.Mine", PAGE_SLOTS} <= set(capped.getdict("DOWNLOADER_MIDDLEWARES"))
    direct = Settings({"DOUYIN_MODE": "direct"})
    DouyinSpider.update_settings(direct)
    assert PLAYWRIGHT_HANDLER not in direct.getdict("DOWNLOAD_HANDLERS").values()
    assert PAGE_SLOTS not in direct.getdict("DOWNLOADER_MIDDLEWARES")


def test_page_slots_bound_open_pages_per_process_and_are_given_back_once() -> None:
    import asyncio
    import pickle
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    from govspider_plugins.douyin.spider import PAGE_SLOT_META, PageSlots

    crawler = get_crawler(DouyinSpider, {"GOVSPIDER_STORE_ENABLED": False,
                                         "GOVSPIDER_DETECT_ENABLED": False,
                                         "DOUYIN_BROWSER_CONCURRENCY": 1})
    spider = DouyinSpider.from_crawler(crawler)
    crawler.spider = spider
    state = AccountState(account=ACCOUNT, stop_at=None, since=None)
    first, retry = spider.page_request(state), spider.page_request(state, attempt=1)
    # what scrapy-redis stores: everything pickles (the init callback is an import path)
    pickle.dumps(first.to_dict(spider=spider))
    assert not first.dont_filter and retry.dont_filter and first.meta["dont_retry"]
    slots = PageSlots.from_crawler(crawler)

    async def scenario() -> None:
        await slots.process_request(first)
        assert first.meta[PAGE_SLOT_META] == spider.slot_token
        waiting = asyncio.ensure_future(slots.process_request(retry))
        await asyncio.sleep(0.01)
        assert not waiting.done()  # one page open at a time in this process
        spider.release_page_slot(first.meta)
        spider.release_page_slot(first.meta)  # a second release gives nothing back
        await asyncio.wait_for(waiting, 1)
        assert spider.page_slots.locked()
        # a request marked by another process's token takes a slot here
        other = spider.page_request(state)
        other.meta[PAGE_SLOT_META] = "another-worker"
        spider.release_page_slot(other.meta)  # not ours: nothing released
        assert spider.page_slots.locked()
        spider.release_page_slot(retry.meta)
        await slots.process_request(other)
        assert other.meta[PAGE_SLOT_META] == spider.slot_token
        # requests that are not Douyin pages pass straight through
        await slots.process_request(SimpleNamespace(meta={}))

    asyncio.run(scenario())


def test_browser_cookie_from_env_or_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from govspider_plugins.douyin.browser import browser_cookies

    monkeypatch.delenv("GOVSPIDER_DOUYIN_COOKIE", raising=False)
    monkeypatch.delenv("GOVSPIDER_DOUYIN_COOKIE_FILE", raising=False)
    assert browser_cookies(None, "https://www.douyin.com") == []
    monkeypatch.setenv("GOVSPIDER_DOUYIN_COOKIE", "sessionid=abc; ttwid=1%7Cx=y ; bad")
    assert browser_cookies(None, "https://www.douyin.com") == [
        {"name": "sessionid", "value": "abc", "url": "https://www.douyin.com/"},
        {"name": "ttwid", "value": "1%7Cx=y", "url": "https://www.douyin.com/"}]
    monkeypatch.delenv("GOVSPIDER_DOUYIN_COOKIE")
    path = tmp_path / "cookie.txt"
    path.write_text("s_v_web_id=verify_x\n", encoding="utf-8")
    assert browser_cookies(str(path), "http://127.0.0.1:1/douyin")[0]["value"] == "verify_x"


@pytest.mark.parametrize(("limit", "expected"), [(0, ["p", "1", "2", "3"]), (2, ["p", "1", "2"])])
def test_comments_only_for_the_most_recent_posts(limit: int, expected: list[str]) -> None:
    from types import SimpleNamespace

    from govspider.platform import ParseResult

    spider = DouyinSpider.__new__(DouyinSpider)
    spider.want_comments, spider.comment_posts, spider.max_post_pages = True, limit, 0
    spider.crawler = SimpleNamespace(stats=SimpleNamespace(inc_value=lambda *a, **k: None))
    posts = [Post(_id="douyin:p", platform="douyin", platform_id="p", is_pinned=True,
                  published_at=T0 - timedelta(days=90), metrics={"comments": 4})]
    posts += [Post(_id=f"douyin:{i}", platform="douyin", platform_id=str(i),
                   published_at=T0 - timedelta(hours=i), metrics={"comments": 3}) for i in (1, 2, 3)]
    state = AccountState(account=ACCOUNT, stop_at=None, since=None)
    list(spider.posts_items(state, ParseResult(items=posts)))
    assert list(state.comments_pending) == expected  # the pinned post does not use up the budget


def test_direct_requests_name_their_account_and_keep_it_on_a_retry():
    """Direct mode: every API request carries its account (ACCOUNT_META), so a wall that
    persists ends the account, as on Weibo and WeChat; a re-signed retry keeps it."""
    from scrapy.http import TextResponse
    from scrapy.utils.test import get_crawler

    from govspider.downloadermiddlewares import ACCOUNT_META
    from govspider.platform import RATE_LIMITED, ParseResult

    crawler = get_crawler(DouyinSpider, {"GOVSPIDER_STORE_ENABLED": False,
                                         "GOVSPIDER_DETECT_ENABLED": False,
                                         "DOUYIN_MODE": "direct", "GOVSPIDER_BACKOFF_BASE": 0.1,
                                         "DOUYIN_SIGNER": "tests.douyin.sandbox_signer.sign"})
    spider = DouyinSpider.from_crawler(crawler)
    crawler.spider = spider
    state = AccountState(account=ACCOUNT, stop_at=None, since=None)
    request = spider.posts_request(state, 0)
    assert request is not None and request.meta[ACCOUNT_META] == f"douyin:{ACCOUNT.platform_id}"
    response = TextResponse(request.url, body=b"{}", request=request, encoding="utf-8")
    retries = list(spider.resign(response, ParseResult.error(RATE_LIMITED, "slow down")))
    assert retries and all(r.meta[ACCOUNT_META] == request.meta[ACCOUNT_META] for r in retries)
