"""Shared downloader middlewares: platform cookies from the environment, backoff."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from govspider.downloadermiddlewares import COOKIE_META, CookiesFromEnvMiddleware
from govspider.settings import DOWNLOADER_MIDDLEWARES

SECRET = "SUB=invented-session-token-0001"


def test_env_cookie_survives_scrapys_cookie_jar(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("GOVSPIDER_WEIBO_COOKIE", SECRET)
    crawler = get_crawler(settings_dict={"COOKIES_ENABLED": True})
    jar_mw = CookiesMiddleware.from_crawler(crawler)
    env_mw = CookiesFromEnvMiddleware.from_crawler(crawler)
    # the jar learns a visitor cookie from a first response
    first = Request("https://m.weibo.cn/api/config")
    jar_mw.process_request(first)
    jar_mw.process_response(first, HtmlResponse(first.url, headers={"Set-Cookie": "XSRF=abc"}, request=first))
    # both middlewares, in the order the settings give them
    request = Request("https://m.weibo.cn/api/container/getIndex", meta={COOKIE_META: "weibo"})
    assert DOWNLOADER_MIDDLEWARES["govspider.downloadermiddlewares.CookiesFromEnvMiddleware"] > 700
    with caplog.at_level(logging.DEBUG):
        jar_mw.process_request(request)
        env_mw.process_request(request)
    header = request.headers.get("Cookie").decode()
    assert "XSRF=abc" in header and SECRET in header
    assert SECRET not in caplog.text  # never logged


def test_no_cookie_for_requests_of_other_platforms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVSPIDER_WEIBO_COOKIE", SECRET)
    env_mw = CookiesFromEnvMiddleware.from_crawler(get_crawler())
    request = Request("https://www.douyin.com/user/x", meta={COOKIE_META: "douyin"})
    env_mw.process_request(request)
    assert request.headers.get("Cookie") is None
