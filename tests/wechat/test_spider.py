"""WechatSpider callbacks on saved responses: publisher filter, incremental stop, rebasing onto
the configured base URLs, foreign articles, retries after a captcha redirect, token redaction."""

from __future__ import annotations

import asyncio
import inspect
import logging
from datetime import datetime
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from govspider.items import Account, Post
from govspider.processors import CST
from govspider.registry import RegistryAccount
from govspider_plugins.wechat.spider import SecretFilter, WechatSpider, same_name
from tests.fixturecases import body as fixture_body

WECHAT = "http://127.0.0.1:9/wechat"
SOGOU = "http://127.0.0.1:9/sogou"
BIZ = "MzkxMjM0NTY3OA=="


def make_spider(**settings: Any) -> WechatSpider:
    crawler = get_crawler(WechatSpider, {
        "WECHAT_BASE_URL": WECHAT, "SOGOU_BASE_URL": SOGOU, "GOVSPIDER_STORE_ENABLED": False,
        "GOVSPIDER_DETECT_ENABLED": False, **settings})
    spider = WechatSpider.from_crawler(crawler)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def ctx(name: str = "青禾公安", cutoff: datetime | None = None) -> dict[str, Any]:
    return {"biz": BIZ, "name": name, "unit": "青禾市公安局", "region": "510100", "cutoff": cutoff}


def response(url: str, case: str, **meta: Any) -> TextResponse:
    """The saved body of the WeChat fixture case ``case`` (``kind/name``) as a response."""
    request = Request(url, meta=meta)
    return HtmlResponse(url=url, body=fixture_body(f"wechat/{case}"), request=request,
                        encoding="utf-8")


def split(out: Any) -> tuple[list[Any], list[Request]]:
    if inspect.isasyncgen(out):  # storage is off here, so nothing in it awaits the reactor
        async def drain() -> list[Any]:
            return [o async for o in out]
        out = asyncio.run(drain())
    out = list(out)
    return [o for o in out if not isinstance(o, Request)], [o for o in out if isinstance(o, Request)]


def test_sogou_follows_only_the_accounts_own_results_on_the_sogou_base() -> None:
    spider = make_spider()
    resp = response(f"{SOGOU}/weixin?type=2&query=x&page=1", "sogou/results",
                    wechat=ctx(), page=1)
    items, requests = split(spider.parse_sogou(resp))
    assert items == []
    links = [r for r in requests if r.callback == spider.parse_sogou_link]
    assert len(links) == 3  # the fourth result is a repost by 青禾生活圈
    assert all(r.url.startswith(f"{SOGOU}/link?url=") for r in links)
    (next_page,) = [r for r in requests if r.callback == spider.parse_sogou]
    assert next_page.url.startswith(f"{SOGOU}/weixin?") and "page=2" in next_page.url
    assert links[0].meta["listing"]["published_at"] == datetime(2025, 11, 20, 8, 53, 20,
                                                                tzinfo=CST)


def test_sogou_stops_at_what_is_stored() -> None:
    spider = make_spider()
    cutoff = datetime(2025, 11, 20, 8, 53, 20, tzinfo=CST)  # the newest result is stored
    resp = response(f"{SOGOU}/weixin?type=2&query=x&page=1", "sogou/results",
                    wechat=ctx(cutoff=cutoff), page=1)
    assert split(spider.parse_sogou(resp)) == ([], [])
    older = datetime(2025, 11, 16, tzinfo=CST)
    resp = response(f"{SOGOU}/weixin?type=2&query=x&page=1", "sogou/results",
                    wechat=ctx(cutoff=older), page=1)
    _, requests = split(spider.parse_sogou(resp))
    assert len([r for r in requests if r.callback == spider.parse_sogou_link]) == 2


def test_link_page_leads_to_the_article_on_the_wechat_base() -> None:
    spider = make_spider()
    resp = response(f"{SOGOU}/link?url=abc", "sogou_link/ok", wechat=ctx(), listing={})
    _, (article,) = split(spider.parse_sogou_link(resp))
    assert article.url.startswith(f"{WECHAT}/s?src=11&timestamp=")
    assert f"__biz={BIZ}&mid=2247483700&idx=1" in article.url


def test_article_items_are_completed_from_the_registry_and_deduplicated() -> None:
    spider = make_spider()
    url = f"{WECHAT}/s?__biz={BIZ}&mid=2247483650&idx=1&sn=5d41402abc4b2a76b9719d911017c592"
    first, _ = split(spider.parse_article(response(url, "article/2025", wechat=ctx())))
    again, _ = split(spider.parse_article(response(url, "article/2025", wechat=ctx())))
    post, account = first
    assert isinstance(post, Post) and isinstance(account, Account)
    # region and region_name: the normal form's, from the registry (NormalizePipeline)
    assert account.unit == "青禾市公安局" and account.region is None
    assert [type(i) for i in again] == [Post]  # the account is yielded once per crawl


def test_an_article_of_another_account_is_dropped() -> None:
    spider = make_spider()
    url = "http://127.0.0.1:9/wechat/s?__biz=MzA1NjAwMDAwMQ==&mid=2650000123&idx=2"
    items, requests = split(spider.parse_article(response(url, "article/2016", wechat=ctx())))
    assert items == [] and requests == []
    assert spider.crawler.stats.get_value("wechat/foreign_articles") == 1


def test_deleted_article_is_stored_as_deleted() -> None:
    spider = make_spider()
    url = f"{WECHAT}/s?__biz={BIZ}&mid=2247483651&idx=2&sn=ab"
    (post,), _ = split(spider.parse_article(response(url, "article/deleted", wechat=ctx())))
    assert post.deleted is True and post.deleted_reason == "该内容已被发布者删除"


def test_a_captcha_after_a_redirect_retries_the_url_first_asked_for() -> None:
    spider = make_spider(GOVSPIDER_BACKOFF_BASE=1.0)
    original = f"{SOGOU}/weixin?type=2&query=x&page=1"
    resp = response(f"{SOGOU}/antispider/?from=%2Fweixin", "sogou/antispider",
                    wechat=ctx(), page=1, redirect_urls=[original], redirect_times=1)
    _, (retry,) = split(spider.parse_sogou(resp))
    assert retry.url == original and retry.dont_filter
    # the first backoff (GOVSPIDER_BACKOFF_BASE 1 s here), stretched by up to 25% of jitter
    assert 1.0 <= retry.meta["govspider_backoff"] <= 1.25 and "redirect_urls" not in retry.meta
    assert spider.crawler.stats.get_value("govspider/errors/captcha") == 1


def test_mp_source_lists_then_fetches_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVSPIDER_WECHAT_TOKEN", "1536974818")
    spider = make_spider(WECHAT_SOURCE="mp")
    (first,) = spider._start_requests_for([ctx()])
    assert first.url.startswith(f"{WECHAT}/cgi-bin/appmsg?action=list_ex&begin=0&count=5")
    assert "token=1536974818" in first.url and first.meta["govspider_cookie"] == "wechat"
    resp = TextResponse(url=first.url, body=fixture_body("wechat/appmsg_list/page0"),
                        request=first, encoding="utf-8")
    items, requests = split(spider.parse_mp_list(resp))
    assert items == []
    articles = [r for r in requests if r.callback == spider.parse_article]
    assert len(articles) == 5 and all(r.url.startswith(f"{WECHAT}/s?__biz={BIZ}") for r in articles)
    (next_page,) = [r for r in requests if r.callback == spider.parse_mp_list]
    assert "begin=5" in next_page.url
    cutoff = datetime(2025, 11, 16, tzinfo=CST)
    first.meta["wechat"] = ctx(cutoff=cutoff)
    _, requests = split(spider.parse_mp_list(resp))
    assert len(requests) == 3  # three newer articles; the list stops at the stored ones


def test_mp_source_without_token_crawls_nothing(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("GOVSPIDER_WECHAT_TOKEN", raising=False)
    spider = make_spider(WECHAT_SOURCE="mp")
    assert list(spider._start_requests_for([ctx()])) == []
    assert "GOVSPIDER_WECHAT_TOKEN" in caplog.text


def test_secret_filter_redacts_the_token() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Giving up on %s", (
        "https://mp.weixin.qq.com/cgi-bin/appmsg?token=1536974818&f=json",), None)
    assert SecretFilter("1536974818").filter(record)
    assert "1536974818" not in record.getMessage() and "token=***" in record.getMessage()


@pytest.mark.parametrize("a,b,same", [("青禾公安", "青禾公安", True), ("青禾 公安", "青禾公安", True),
                                      ("ＡＢＣ发布", "abc发布", True), ("青禾公安", "青禾生活圈", False),
                                      ("", "", False)])
def test_same_name(a: str, b: str, same: bool) -> None:
    assert same_name(a, b) is same


class FakeCorpus:
    """What is stored, as ``PlatformSpider.corpus()`` reports it."""

    def __init__(self, latest: datetime | None):
        self.latest = latest

    def latest_post_time(self, account_id: str) -> datetime | None:
        return self.latest


def test_cutoff_is_the_newest_stored_article_or_since() -> None:
    stored = datetime(2026, 11, 1, 12, 0, tzinfo=CST)
    spider = make_spider()
    assert spider._cutoff("wechat:x", FakeCorpus(stored)) == stored
    assert spider._cutoff("wechat:x", FakeCorpus(None)) is None
    spider.since = datetime(2026, 11, 10, tzinfo=CST)
    assert spider._cutoff("wechat:x", FakeCorpus(stored)) == spider.since
    assert spider._cutoff("wechat:x", None) == spider.since


def test_full_ignores_what_is_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    crawler = get_crawler(WechatSpider, {"WECHAT_BASE_URL": WECHAT, "SOGOU_BASE_URL": SOGOU,
                                         "GOVSPIDER_STORE_ENABLED": False})
    spider = WechatSpider.from_crawler(crawler, full="1")
    crawler.spider = spider
    crawler.stats.open_spider()
    monkeypatch.setattr(spider, "corpus", lambda: pytest.fail("full=1 must not read the corpus"))
    monkeypatch.setattr(spider, "accounts", lambda: [RegistryAccount(
        unit="青禾市公安局", platform="wechat", platform_id=BIZ, name="青禾公安")])
    (request,) = spider._start_requests()
    assert request.meta["wechat"]["cutoff"] is None
    assert request.url.startswith(f"{SOGOU}/weixin?type=2&query=")


class SearchCorpus:
    """The stored articles of one account, read as the deletion search reads them."""

    def __init__(self, docs: list[dict[str, Any]]):
        self.docs = docs

    async def read(self, fn: Any, *args: Any) -> Any:
        return fn(*args)

    def stored_posts(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return {d["_id"]: d for d in self.docs if d["_id"] in ids}


def test_a_drop_of_the_list_count_pages_back_to_the_bound_then_revisits_what_it_located(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The page lists 12 articles (``app_msg_cnt``) against 14 stored and none new: two are
    to be located. One stored article newer than the oldest listed is missing: not enough,
    so the list is paged on, up to ``WECHAT_DELETION_SEARCH_PAGES``; then the one located is
    fetched again, as a ``revisit``."""
    monkeypatch.setenv("GOVSPIDER_WECHAT_TOKEN", "1536974818")
    spider = make_spider(WECHAT_SOURCE="mp", WECHAT_DELETION_SEARCH_PAGES=1)
    gone = {"_id": f"wechat:{BIZ}:2247483699_2", "url": f"{WECHAT}/s?__biz={BIZ}&mid=2247483699&idx=2&sn=ab",
            "published_at": datetime.fromtimestamp(1763400000, CST)}
    corpus = SearchCorpus([gone])
    monkeypatch.setattr(spider, "corpus", lambda: corpus)
    monkeypatch.setattr("govspider_plugins.wechat.spider._stored_articles",
                        lambda c, ids, since: [d for d in c.docs if d["published_at"] >= since])
    context = ctx(cutoff=datetime.fromtimestamp(1763600000, CST)) | {"stored": 14}
    (first,) = spider._start_requests_for([context])
    body = fixture_body("wechat/appmsg_list/page0")
    _, (search,) = split(spider.parse_mp_list(TextResponse(url=first.url, body=body,
                                                           request=first, encoding="utf-8")))
    assert search.callback == spider.parse_mp_list and "begin=5" in search.url
    assert search.meta["wechat_listed"]["missing"] == [gone]
    # the next page (the same five articles here) is the last the bound allows
    _, (revisit,) = split(spider.parse_mp_list(TextResponse(url=search.url, body=body,
                                                            request=search, encoding="utf-8")))
    assert revisit.callback == spider.parse_article and "mid=2247483699&idx=2" in revisit.url
    assert revisit.meta["govspider_purpose"] == "revisit"
    stats = spider.crawler.stats
    assert stats.get_value("wechat/recrawl/deletion_search_pages") == 1
    assert stats.get_value("wechat/recrawl/revisits_missing") == 1
    assert stats.get_value("wechat/recrawl/listed_drop") == 2


def test_a_list_count_that_matches_stops_at_the_stored_articles(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVSPIDER_WECHAT_TOKEN", "1536974818")
    spider = make_spider(WECHAT_SOURCE="mp")
    monkeypatch.setattr(spider, "corpus", lambda: pytest.fail("nothing to look up"))
    context = ctx(cutoff=datetime.fromtimestamp(1763600000, CST)) | {"stored": 12}
    (first,) = spider._start_requests_for([context])
    body = fixture_body("wechat/appmsg_list/page0")
    assert split(spider.parse_mp_list(TextResponse(url=first.url, body=body, request=first,
                                                   encoding="utf-8"))) == ([], [])


def test_a_listed_article_newer_than_the_cutoff_but_stored_is_not_new(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A run cut short stored one of the two articles newer than the cutoff: 11 stored (10
    older + that one) and 1 new make the list's 12, no drop."""
    monkeypatch.setenv("GOVSPIDER_WECHAT_TOKEN", "1536974818")
    spider = make_spider(WECHAT_SOURCE="mp")
    corpus = SearchCorpus([{"_id": f"wechat:{BIZ}:2247483700_1"}])
    monkeypatch.setattr(spider, "corpus", lambda: corpus)
    context = ctx(cutoff=datetime.fromtimestamp(1763500000, CST)) | {"stored": 11}
    (first,) = spider._start_requests_for([context])
    body = fixture_body("wechat/appmsg_list/page0")
    _, requests = split(spider.parse_mp_list(TextResponse(url=first.url, body=body,
                                                          request=first, encoding="utf-8")))
    assert [r.callback for r in requests] == [spider.parse_article] * 2
    assert spider.crawler.stats.get_value("wechat/recrawl/listed_drop") is None
