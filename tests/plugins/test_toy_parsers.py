"""Toy's parsers, offline: what each answer of the Toy API says.

The pattern of a platform's parser tests (docs/plugins.md): a ``ParseInput`` in, the
``ParseResult`` of the registered parser (under govspider's crash guard) out; every failure is
an outcome, never "ok with zero items".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from govspider.platform import ParseInput
from tests.fixturecases import FROZEN_NOW
from tests.plugins.toyplatform.testing import toy_registry

PLUGINS = toy_registry()
POST = {"id": "8123", "text": "今日发布", "time": "2026-11-19T09:00:00+08:00", "likes": 3,
        "comments": 1, "url": "https://toy.example/p/8123", "pinned": False}


def parse(kind: str, data: Any, status: int = 200, **meta: Any) -> Any:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return PLUGINS.parser("toy", kind)(ParseInput(body=body, status=status, now=FROZEN_NOW, meta=meta))


def test_a_page_of_posts() -> None:
    result = parse("posts", {"ok": True, "posts": [POST], "next": 2}, toy_account="toy123")
    assert (result.outcome, result.next) == ("ok", {"page": 2})
    [post] = result.items
    assert (post._id, post.account_id, post.metrics) == ("toy:8123", "toy:toy123",
                                                         {"likes": 3, "comments": 1})
    assert post.published_at.isoformat() == "2026-11-19T09:00:00+08:00"


def test_the_last_page_ends_the_list() -> None:
    assert parse("posts", {"ok": True, "posts": [], "next": None}).outcome == "end_of_list"


@pytest.mark.parametrize(("kind", "status", "data", "outcome", "error_kind"), [
    ("posts", 429, {"ok": False, "error": "slow down"}, "error", "rate_limited"),
    ("profile", 200, {"ok": False, "error": "login"}, "error", "login_required"),
    ("profile", 404, {"ok": False, "error": "no such user"}, "not_found", None),
    ("profile", 200, [1, 2], "error", "malformed"),
    ("profile", 200, b'{"ok": true, "user": {"id": "toy1", "na', "error", "malformed"),  # truncated
    ("profile", 200, {"ok": True, "user": {"id": "toy1"}}, "error", "malformed"),  # fields missing
])
def test_failures_are_outcomes(kind: str, status: int, data: Any, outcome: str,
                               error_kind: str | None) -> None:
    result = parse(kind, data, status)
    assert (result.outcome, result.error_kind, result.items) == (outcome, error_kind, [])
