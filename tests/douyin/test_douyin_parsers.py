"""Data-driven parser tests: every ``tests/fixtures/douyin/*.case.json`` names a saved response
body, the URL and context it was fetched with, and the exact ``govspider parse`` output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govspider.platform import BLOCKED, END_OF_LIST, ERROR, ParseInput
from govspider.plugins import registry
from govspider.processors import parse_time
from plugins.douyin.pages import PARSERS, parse_posts
from tests.conftest import FIXTURES

CASES_DIR = FIXTURES / "douyin"
CASES = sorted(CASES_DIR.glob("*.case.json"))


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    body = (CASES_DIR / case["body"]).read_bytes()
    now = parse_time(case["now"]) if case.get("now") else None
    result = PARSERS[case["kind"]](ParseInput(body=body, url=case.get("url", ""),
                                              meta=case.get("meta", {}), now=now))
    out = result.to_dict()
    out["items"] = [item.to_json() for item in result.items]
    return out


@pytest.mark.parametrize("path", CASES, ids=[p.name.removesuffix(".case.json") for p in CASES])
def test_fixture_case(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    assert run_case(case) == case["expected"]


def test_every_kind_and_error_shape_is_covered() -> None:
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in CASES]
    kinds = {c["kind"] for c in cases if c["expected"]["outcome"] == "ok"}
    assert kinds == {"profile", "posts", "comments"}
    bodies = {c["body"] for c in cases}
    assert {"empty_body.bin", "posts_null.json", "blocked_body.txt", "status_error.json",
            "verify_page.html", "truncated_posts.json"} <= bodies


def test_registered_parsers_are_the_plugin_parsers() -> None:
    for kind, fn in PARSERS.items():
        assert registry().parser("douyin", kind).__wrapped__ is fn  # under the crash guard


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


@pytest.mark.parametrize("name", ["posts_page1", "comments_replies", "posts_empty_body",
                                  "posts_null"])
def test_govspider_parse_prints_the_case_output(name: str) -> None:
    from click.testing import CliRunner

    from govspider.cli import main

    case = json.loads((CASES_DIR / f"{name}.case.json").read_text(encoding="utf-8"))
    args = ["parse", "douyin", case["kind"], str(CASES_DIR / case["body"]), "--url", case["url"],
            "--now", case.get("now", "2026-11-20T12:00:00+08:00")]
    result = CliRunner().invoke(main, args)
    expected = dict(case["expected"])
    if case.get("meta"):  # the CLI has no owner context: official marks come from labels only
        for item in expected["items"]:
            item.pop("account_id", None)
            if item.get("is_official") is False:
                item.pop("is_official")
    out = json.loads(result.output)
    assert out == expected
    assert result.exit_code == (3 if expected["outcome"] == ERROR else 0)
