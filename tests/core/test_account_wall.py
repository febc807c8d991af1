"""A captcha or login wall that persists for one account ends that account for the crawl with
one clear error; its other requests are dropped instead of each retrying in a loop."""

from __future__ import annotations

import asyncio
import logging

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, TextResponse

from govspider.downloadermiddlewares import ACCOUNT_META, BackoffMiddleware
from govspider.platform import CAPTCHA, LOGIN_REQUIRED, RATE_LIMITED, ParseResult
from tests.weibo.test_spider_unit import BASE, make_spider


def _given_up(spider, account: str, kind: str, url: str) -> list:
    request = Request(url, meta={ACCOUNT_META: account,
                                 "govspider_error_retries": spider.max_error_retries})
    response = TextResponse(url, body=b"{}", request=request, encoding="utf-8")
    return list(spider.retry_error(response, ParseResult.error(kind, "wall")))


def test_a_persisting_wall_ends_the_account_and_drops_its_requests(caplog):
    spider = make_spider()
    spider.crawler.spider = spider
    mw = BackoffMiddleware(spider.crawler)
    with caplog.at_level(logging.ERROR):
        assert _given_up(spider, "weibo:1", CAPTCHA, f"{BASE}/a") == []
        assert "weibo:1" not in getattr(spider, "walled_accounts", set())  # one is not a pattern
        assert _given_up(spider, "weibo:1", LOGIN_REQUIRED, f"{BASE}/b") == []
    assert spider.walled_accounts == {"weibo:1"}
    assert sum("weibo:1" in r.message and "no more requests" in r.message for r in caplog.records) == 1
    stats = spider.crawler.stats
    assert stats.get_value("govspider/accounts_walled") == 1
    # the ended account's requests are dropped before they are sent; others go on
    with pytest.raises(IgnoreRequest):
        asyncio.run(mw.process_request(Request(f"{BASE}/c", meta={ACCOUNT_META: "weibo:1"})))
    assert asyncio.run(mw.process_request(Request(f"{BASE}/d", meta={ACCOUNT_META: "weibo:2"}))) is None
    # and a wall answer of the ended account is not retried again
    fresh = Request(f"{BASE}/e", meta={ACCOUNT_META: "weibo:1"})
    resp = TextResponse(fresh.url, body=b"{}", request=fresh, encoding="utf-8")
    assert list(spider.retry_error(resp, ParseResult.error(CAPTCHA, "wall"))) == []


def test_rate_limits_do_not_end_an_account():
    spider = make_spider()
    for i in range(5):
        _given_up(spider, "weibo:3", RATE_LIMITED, f"{BASE}/r{i}")
    assert "weibo:3" not in getattr(spider, "walled_accounts", set())


def test_weibo_and_wechat_requests_name_their_account():
    spider = make_spider()
    from govspider.registry import RegistryAccount
    from govspider_plugins.weibo.spider import AccountState

    state = AccountState(entry=RegistryAccount(unit="某局", platform="weibo", platform_id="77"))
    assert spider._request(f"{BASE}/x", spider.parse_timeline, state).meta[ACCOUNT_META] == "weibo:77"
