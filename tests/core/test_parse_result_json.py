"""``ParseResult.to_json`` / ``dumps``: the object ``govspider parse`` prints (docs/cli.md)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from govspider.cli import main
from govspider.items import AccountMetrics, Post
from govspider.platform import ParseResult
from govspider.processors import CST
from tests.fixturecases import case

AT = datetime(2026, 11, 20, 3, 4, 5, tzinfo=timezone.utc)


def test_items_become_their_json_form_in_print_order() -> None:
    post = Post(_id="weibo:1", platform="weibo", platform_id="1", text="公告",
                published_at=AT, metrics={"likes": 3})
    metrics = AccountMetrics(_id="weibo:9:1", account_id="weibo:9", at=AT, followers=5)
    result = ParseResult(items=[post, metrics], next={"since_id": "1"},
                         requests=["https://m.weibo.cn/statuses/extend?id=1"])
    out = result.to_json()
    assert list(out) == ["outcome", "error_kind", "items", "next", "requests"]
    assert out["items"] == [post.to_json(), metrics.to_json()]
    assert out["items"][0]["published_at"] == "2026-11-20T11:04:05+08:00"
    assert out["items"][1]["item_type"] == "account_metrics"
    assert out["next"] == {"since_id": "1"} and out["error_kind"] is None
    # the items of the result are not changed by serializing it
    assert result.items == [post, metrics] and result.items[0].published_at is AT


def test_totals_only_when_the_list_says_them() -> None:
    assert "totals" not in ParseResult.error("rate_limited").to_json()
    out = ParseResult(outcome="end_of_list", totals={"articles": 120}).to_json()
    assert list(out)[-1] == "totals" and out["totals"] == {"articles": 120}


def test_plain_dict_items_tuples_and_datetimes_are_json_values() -> None:
    when = datetime(2026, 1, 2, 3, 4, tzinfo=CST) + timedelta(minutes=1)
    result = ParseResult(items=[{"item_type": "post", "_id": "x:1", "seen": when,
                                 "tags": ("a", "b")}],
                         next={"cursor": (1, 2)})
    out = result.to_json()
    assert out["items"] == [{"item_type": "post", "_id": "x:1",
                             "seen": "2026-01-02T03:05:00+08:00", "tags": ["a", "b"]}]
    assert out["next"] == {"cursor": [1, 2]}
    assert json.loads(json.dumps(out)) == out  # nothing but JSON values


def test_dumps_is_one_compact_line_with_chinese_unescaped() -> None:
    text = ParseResult(items=[Post(_id="weibo:1", platform="weibo", platform_id="1",
                                   text="第一行\n第二行")]).dumps()
    assert "\n" not in text and "第一行\\n第二行" in text and "\\u" not in text
    assert text.startswith('{"outcome": "ok", "error_kind": null, "items": [{"item_type": "post"')
    assert json.loads(text) == json.loads(json.dumps(json.loads(text), ensure_ascii=False))


@pytest.mark.parametrize("case_id", ["weibo/timeline/page1_sandbox", "wechat/article/2025",
                                     "douyin/posts/page1", "itunes/lookup/developer_apps",
                                     "web/page/gov_injected", "weibo/timeline/login_wall"])
def test_govspider_parse_prints_dumps(case_id: str) -> None:
    """The CLI prints exactly ``dumps()`` of the parser's result, then a newline."""
    fixture = case(case_id)
    printed = CliRunner().invoke(main, fixture.cli_args())
    assert printed.exit_code in (0, 3), printed.output
    assert printed.stdout == fixture.parse().dumps() + "\n"
    assert json.loads(printed.stdout) == fixture.expected
