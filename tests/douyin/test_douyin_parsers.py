"""Data-driven parser tests: every case under ``tests/fixtures/douyin/<kind>/<case>/`` holds a
saved response body, the URL and context it was fetched with, and the exact ``govspider parse``
output."""

from __future__ import annotations

import json

import pytest

from govspider.platform import BLOCKED, END_OF_LIST, ERROR, ParseInput
from govspider.plugins import installed_plugins
from govspider_plugins.douyin.pages import PARSERS, parse_posts
from tests.fixturecases import FixtureCase, case, cases

CASES = cases("douyin")


@pytest.mark.parametrize("fixture", CASES, ids=[c.id for c in CASES])
def test_fixture_case(fixture: FixtureCase) -> None:
    assert fixture.output() == fixture.expected


def test_every_kind_and_error_shape_is_covered() -> None:
    kinds = {c.kind for c in CASES if c.expected and c.expected["outcome"] == "ok"}
    assert kinds == {"profile", "posts", "comments"}
    names = {c.name for c in CASES}
    assert {"empty_body", "null", "blocked_body", "status_error", "verify_page",
            "truncated"} <= names
    assert case("douyin/posts/empty_body").body == b""


def test_registered_parsers_are_the_plugin_parsers() -> None:
    for kind, fn in PARSERS.items():
        assert installed_plugins().parser("douyin", kind).__wrapped__ is fn  # under the crash guard


@pytest.mark.parametrize("kind", sorted(PARSERS))
@pytest.mark.parametrize("body", [b"", b"   \n", b"blocked"])
def test_empty_or_blocked_body_is_a_blocked_error_never_zero_items(kind: str, body: bytes) -> None:
    result = PARSERS[kind](ParseInput(body=body, url="https://www.douyin.com/aweme/v1/web/x/"))
    assert result.outcome == ERROR and result.error_kind == BLOCKED
    assert result.items == []


def test_null_list_with_more_is_not_an_end() -> None:
    body = json.dumps({"status_code": 0, "aweme_list": None, "has_more": 1,
                       "max_cursor": 1794900000000}).encode()
    assert parse_posts(ParseInput(body=body)).outcome == ERROR
    body = json.dumps({"status_code": 0, "aweme_list": [], "has_more": 0}).encode()
    assert parse_posts(ParseInput(body=body)).outcome == END_OF_LIST


def test_text_extra_offsets_are_code_points() -> None:
    # an astral-plane emoji before the tag: UTF-16 offsets would be off by one
    desc = "🚓出警 @某市交警 看这里"
    aweme = {"aweme_id": "7430000000000000999", "desc": desc, "create_time": 1795135000,
             "aweme_type": 0, "text_extra": [{"type": 0, "start": 4, "end": 9}],
             "author": {"sec_uid": "MS4wLjABAAAAx"}}
    body = json.dumps({"status_code": 0, "has_more": 0, "aweme_list": [aweme]}).encode()
    (post,) = parse_posts(ParseInput(body=body)).items
    assert post.mentions == ["某市交警"]


@pytest.mark.parametrize("case_id", ["douyin/posts/page1", "douyin/comments/replies",
                                     "douyin/posts/empty_body", "douyin/posts/null"])
def test_govspider_parse_prints_the_case_output(case_id: str) -> None:
    from click.testing import CliRunner

    from govspider.cli import main

    fixture = case(case_id)
    result = CliRunner().invoke(main, fixture.cli_args())
    expected = dict(fixture.expected or {})
    if fixture.meta:  # the CLI has no owner context: official marks come from labels only
        for item in expected["items"]:
            item.pop("account_id", None)
            if item.get("is_official") is False:
                item.pop("is_official")
    out = json.loads(result.output)
    assert out == expected
    assert result.exit_code == (3 if expected["outcome"] == ERROR else 0)
