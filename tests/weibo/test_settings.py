"""The plugin's defaults: base URL and a per-host rate budget honoured through download slots."""

from __future__ import annotations

from typing import Any

from scrapy.utils.project import get_project_settings

from govspider.addon import GovspiderAddon
from govspider_plugins.weibo import govspider_settings
from govspider_plugins.weibo.spider import WeiboSpider


def crawler_settings(**overrides: Any) -> Any:
    settings = get_project_settings()
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    WeiboSpider.update_settings(settings)  # custom_settings, as a Crawler does
    GovspiderAddon().update_settings(settings)  # then the add-on (ADDONS in settings.py)
    return settings


def test_defaults() -> None:
    defaults = govspider_settings()
    assert defaults["WEIBO_BASE_URL"] == "https://m.weibo.cn"
    assert defaults["GOVSPIDER_RATE_LIMITS"] == {"m.weibo.cn": 30}


def test_rate_budget_becomes_a_download_slot() -> None:
    slot = crawler_settings().getdict("DOWNLOAD_SLOTS")["m.weibo.cn"]
    assert slot["delay"] == 2.0 and slot["concurrency"] == 1  # 30 requests per minute


def test_rate_budget_can_be_overridden() -> None:
    settings = crawler_settings(GOVSPIDER_RATE_LIMITS='{"m.weibo.cn": 12}')
    assert settings.getdict("DOWNLOAD_SLOTS")["m.weibo.cn"]["delay"] == 5.0


def test_rate_limit_statuses_reach_the_parsers() -> None:
    settings = crawler_settings()
    assert not {403, 418, 429} & set(settings.getlist("RETRY_HTTP_CODES"))
