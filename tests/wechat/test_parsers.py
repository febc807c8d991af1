"""Every saved WeChat / Sogou response in ``tests/fixtures/wechat`` against its expected output.

A case is ``tests/fixtures/wechat/expected/<case>.json``: ``platform``, ``kind``, ``input`` (the
saved body, relative to the fixture directory), ``url`` (where it was fetched) and ``output``
(what ``govspider parse`` prints for it, with "now" frozen at ``FROZEN_NOW``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govspider.items import Item
from govspider.platform import ParseInput, ParseResult
from govspider.plugins import registry
from tests.conftest import FIXTURES, FROZEN_NOW

CASES = sorted((FIXTURES / "wechat" / "expected").glob("*.json"))


def run_case(case_file: Path) -> tuple[dict[str, Any], ParseResult, dict[str, Any]]:
    case = json.loads(case_file.read_text(encoding="utf-8"))
    body = (case_file.parent.parent / case["input"]).read_bytes()
    parser = registry().parser(case["platform"], case["kind"])
    result = parser(ParseInput(body=body, url=case.get("url", ""), status=case.get("status", 200),
                               now=FROZEN_NOW))
    printed = result.to_dict() | {"items": [item.to_json() for item in result.items]}
    return case, result, printed


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_fixture(case_file: Path) -> None:
    case, result, printed = run_case(case_file)
    assert all(isinstance(item, Item) for item in result.items)
    assert printed == case["output"]


def test_there_are_cases_for_every_kind() -> None:
    kinds = {json.loads(c.read_text(encoding="utf-8"))["kind"] for c in CASES}
    assert kinds >= {"article", "appmsg_list", "profile_msg", "sogou", "sogou_link"}
    assert set(registry().platforms["wechat"].parsers) == kinds


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_no_error_is_ok_with_zero_items(case_file: Path) -> None:
    _, result, _ = run_case(case_file)
    if result.outcome == "ok":
        assert result.items or result.requests
    if result.outcome == "error":
        assert result.error_kind and not result.items and result.next is None
