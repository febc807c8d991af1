"""Every saved WeChat / Sogou response against what ``govspider parse`` prints for it.

A case is a folder ``tests/fixtures/wechat/<kind>/<case>/`` (``tests/fixtures/README.md``): the
saved body, ``request.json`` (where it was fetched; "now" frozen at ``FROZEN_NOW``) and
``expected.json``.
"""

from __future__ import annotations

import pytest

from govspider.items import Item
from govspider.plugins import installed_plugins
from tests.fixturecases import FixtureCase, cases

CASES = cases("wechat")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(case: FixtureCase) -> None:
    result = case.parse()
    assert all(isinstance(item, Item) for item in result.items)
    assert case.output() == case.expected


def test_there_are_cases_for_every_kind() -> None:
    kinds = {c.kind for c in CASES}
    assert kinds >= {"article", "appmsg_list", "profile_msg", "sogou", "sogou_link"}
    assert set(installed_plugins().platforms["wechat"].parsers) == kinds


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_no_error_is_ok_with_zero_items(case: FixtureCase) -> None:
    result = case.parse()
    if result.outcome == "ok":
        assert result.items or result.requests
    if result.outcome == "error":
        assert result.error_kind and not result.items and result.next is None
