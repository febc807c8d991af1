"""Pipelines in Scrapy's style: an invalid item is counted and logged, never stops the crawl."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from govspider.items import Comment, Post
from govspider.pipelines.detect import DetectPipeline
from govspider.pipelines.validate import ValidatePipeline, validate
from govspider.processors import CST


def pipeline() -> tuple[ValidatePipeline, object]:
    crawler = get_crawler()
    crawler.stats.open_spider()
    return ValidatePipeline.from_crawler(crawler), crawler.stats


@pytest.mark.parametrize(("item", "reason"), [
    (Post(_id="weibo:1", platform="weibo", platform_id=1), "platform_id must be a string"),  # type: ignore[arg-type]
    (Post(_id="weibo:1", platform="weibo", platform_id="1", metrics={"likes": -3}), "non-negative"),
    (Post(_id="douyin:1", platform="weibo", platform_id="1"), "does not start with 'weibo:'"),
    (Post(_id="weibo:1", platform="weibo", platform_id="1", published_at=datetime(2024, 1, 1)), "aware datetime"),
    (Comment(_id="weibo:2", platform="weibo", platform_id="2", post_id=""), "comment without post_id"),
    ({"item_type": "tweet", "_id": "x"}, "unknown item_type"),
])
def test_invalid_items_are_dropped_counted_and_logged(item: object, reason: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    pipe, stats = pipeline()
    with caplog.at_level(logging.WARNING), pytest.raises(DropItem):
        pipe.process_item(item)
    assert reason in caplog.text
    assert sum(v for k, v in stats.get_stats().items() if k.startswith("govspider/invalid/")) == 1


def test_valid_items_pass_with_a_content_hash() -> None:
    pipe, stats = pipeline()
    post = pipe.process_item({"item_type": "post", "_id": "weibo:1", "platform": "weibo",
                              "platform_id": "1", "text": "通知", "published_at": "2026-11-20T10:00:00+08:00"})
    assert isinstance(post, Post) and post.content_hash and post.published_at == datetime(2026, 11, 20, 10, tzinfo=CST)
    assert stats.get_value("govspider/items/post") == 1
    assert validate(post) is post


def test_components_switch_off_with_a_reason() -> None:
    for cls, key in ((ValidatePipeline, "GOVSPIDER_VALIDATE_ENABLED"), (DetectPipeline, "GOVSPIDER_DETECT_ENABLED")):
        with pytest.raises(NotConfigured, match=key):
            cls.from_crawler(get_crawler(settings_dict={key: False}))
