"""Weibo parsers: every fixture case, plus the rules behind them spelled out."""

from __future__ import annotations

from datetime import datetime

import pytest

from govspider.items import Account, AccountMetrics, Comment, Post
from govspider.platform import ParseInput
from govspider.processors import CST
from govspider_plugins.weibo import pages
from govspider_plugins.weibo.urls import base_of, comments_url, timeline_url
from tests.fixturecases import FixtureCase, body, cases

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
CASES = cases("weibo")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(case: FixtureCase) -> None:
    assert case.expected is not None, f"{case.id}: run `make fixtures` and review the diff"
    assert case.output() == case.expected


def test_every_kind_and_error_shape_has_a_fixture() -> None:
    kinds = {c.kind for c in CASES}
    assert {"profile", "timeline", "longtext", "comments", "show"} <= kinds
    outcomes = {(c.expected or {}).get("outcome") for c in CASES}
    assert {"ok", "end_of_list", "not_found", "gone", "error"} <= outcomes
    errors = {(c.expected or {}).get("error_kind") for c in CASES}
    assert {"login_required", "rate_limited", "captcha", "blocked", "malformed"} <= errors


def _parse(kind: str, case: str, url: str = "", status: int = 200, **meta: str):
    """The ``kind`` parser on the saved body of the Weibo case ``case`` (``kind/name``)."""
    return pages.PARSERS[kind](ParseInput(body=body(f"weibo/{case}"), url=url, status=status,
                                          now=NOW, meta=meta))


def test_timeline_rules() -> None:
    url = timeline_url("http://127.0.0.1:9/weibo", "5900000001")
    result = _parse("timeline", "timeline/page1_sandbox", url)
    posts = {p.platform_id: p for p in result.items if isinstance(p, Post)}
    pinned = posts["5012000000000001"]
    assert pinned.is_pinned and pinned.published_at == datetime(2026, 10, 5, 9, tzinfo=CST)
    rich = posts["5012000000000010"]
    assert rich.published_at == datetime(2026, 11, 20, 11, 57, tzinfo=CST)  # 3分钟前
    assert rich.metrics == {"likes": 23000, "comments": 12, "reposts": 10000}  # 2.3万, 1万+
    assert "[加油]" in rich.text and "<" not in rich.text
    assert rich.topics == ["文明交通"] and rich.mentions == ["某市公安交警"]
    assert rich.links == ["https://jtj.example.gov.cn/notice/2026/11/20.html"]
    assert rich.ip_region == "广东" and rich.media[0]["url"].endswith("/large/abc001.jpg")
    long_post = posts["5012000000000009"]
    assert long_post.published_at == datetime(2026, 11, 19, 9, 30, tzinfo=CST)  # 昨天 09:30
    assert "全文" not in long_post.text and long_post.extra["truncated"] is True
    repost = posts["5012000000000008"]  # inside a card_type 11 group
    assert repost.published_at == datetime(2026, 11, 2, tzinfo=CST)  # 11-02
    assert repost.repost_of == "weibo:5011000000000077"
    original = posts["5011000000000077"]
    assert original.account_id == "weibo:5900000099" and original.metrics["comments"] == 1046
    gone = posts["4318000000000000"]
    assert gone.deleted and "删除" in gone.deleted_reason and posts["5012000000000007"].repost_of == gone._id
    assert result.next == {"since_id": "5012000000000006"}
    assert "http://127.0.0.1:9/weibo/statuses/extend?id=5012000000000009" in result.requests
    assert "http://127.0.0.1:9/weibo/statuses/extend?id=5011000000000077" in result.requests
    assert comments_url("http://127.0.0.1:9/weibo", "5012000000000010") in result.requests
    # no comments URL for posts without comments, nor for the deleted original
    assert not any("5012000000000001" in u or "4318000000000000" in u for u in result.requests)


def test_offline_requests_point_at_the_real_site() -> None:
    result = _parse("timeline", "timeline/page1_sandbox")
    assert result.requests and all(u.startswith("https://m.weibo.cn/") for u in result.requests)


def test_profile_and_metrics() -> None:
    result = _parse("profile", "profile/ok")
    account, metrics = result.items
    assert isinstance(account, Account) and isinstance(metrics, AccountMetrics)
    assert account._id == "weibo:5900000001" and account.followers == 23000
    assert account.verified_reason == "某市交通运输局官方微博"  # trailing full-width space dropped
    assert account.extra["timeline_containerid"] == "1076035900000001"
    assert metrics.at == NOW and metrics.account_id == account._id


def test_comments_official_replies_and_cursor() -> None:
    result = _parse("comments", "comments/page",
                    comments_url("https://m.weibo.cn", "5012000000000010"), weibo_uid="5900000001")
    comments = {c.platform_id: c for c in result.items if isinstance(c, Comment)}
    assert len(comments) == 4
    official = comments["5012300000000003"]
    assert official.is_official and official.reply_to == "weibo:5012300000000001"
    assert comments["5012300000000004"].reply_to == "weibo:5012300000000003"
    assert comments["5012300000000004"].published_at == datetime(2026, 11, 20, 11, 30, tzinfo=CST)
    assert not comments["5012300000000001"].is_official
    assert comments["5012300000000002"].likes == 15000
    assert all(c.post_id == "weibo:5012000000000010" for c in comments.values())
    assert result.next == {"max_id": "138000000000000", "max_id_type": 1}


@pytest.mark.parametrize("case,status,kind", [
    ("timeline/login_wall", 200, "login_required"), ("profile/captcha", 200, "captcha"),
    ("profile/blocked_html", 200, "blocked"), ("timeline/truncated_json", 200, "malformed"),
    ("longtext/empty_body", 200, "malformed"), ("timeline/rate_limited_418", 418, "rate_limited"),
    ("timeline/page1_sandbox", 403, "rate_limited"), ("comments/rate_limited_ok0", 200, "rate_limited"),
])
def test_errors_are_never_ok(case: str, status: int, kind: str) -> None:
    for parser in ("profile", "timeline", "comments"):
        result = _parse(parser, case, comments_url("https://m.weibo.cn", "1"), status)
        assert (result.outcome, result.error_kind, result.items) == ("error", kind, []), parser


def test_longtext_needs_the_post_id() -> None:
    with pytest.raises(ValueError, match="--url"):
        _parse("longtext", "longtext/ok")


def test_base_of() -> None:
    assert base_of("http://127.0.0.1:5/weibo/api/container/getIndex?x=1") == "http://127.0.0.1:5/weibo"
    assert base_of("https://m.weibo.cn/statuses/extend?id=1") == "https://m.weibo.cn"
    assert base_of("") == base_of(None) == "https://m.weibo.cn"
