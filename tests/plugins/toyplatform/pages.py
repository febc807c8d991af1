"""Toy's offline parsers: ``profile`` and ``posts`` (JSON of the Toy API)."""

from __future__ import annotations

from typing import Any

from govspider.items import Account, Post
from govspider.platform import (
    END_OF_LIST,
    LOGIN_REQUIRED,
    MALFORMED,
    NOT_FOUND,
    RATE_LIMITED,
    ParseInput,
    ParseResult,
)
from govspider.processors import parse_time

from . import NAME


def _failure(inp: ParseInput, data: Any) -> ParseResult | None:
    if inp.status == 429:
        return ParseResult.error(RATE_LIMITED, "toy: slow down")
    if not isinstance(data, dict):
        return ParseResult.error(MALFORMED, "toy: not a JSON object")
    if data.get("error") == "login":
        return ParseResult.error(LOGIN_REQUIRED, "toy: login")
    if inp.status == 404 or data.get("error") == "no such user":
        return ParseResult(outcome=NOT_FOUND, message="toy: no such user")
    if not data.get("ok"):
        return ParseResult.error(MALFORMED, f"toy: {data.get('error')}")
    return None


def parse_profile(inp: ParseInput) -> ParseResult:
    data = inp.json()
    failed = _failure(inp, data)
    if failed is not None:
        return failed
    user = data["user"]
    return ParseResult(items=[Account(
        _id=f"{NAME}:{user['id']}", platform=NAME, platform_id=str(user["id"]), name=user["name"],
        verified=bool(user["verified"]), description=user["bio"], url=user["url"],
        followers=int(user["followers"]), posts_count=int(user["posts"]))])


def parse_posts(inp: ParseInput) -> ParseResult:
    data = inp.json()
    failed = _failure(inp, data)
    if failed is not None:
        return failed
    owner = str(inp.meta.get("toy_account") or "")
    items = [Post(_id=f"{NAME}:{p['id']}", platform=NAME, platform_id=str(p["id"]),
                  account_id=f"{NAME}:{owner}" if owner else None, url=p["url"], text=p["text"],
                  published_at=parse_time(p["time"]), is_pinned=bool(p["pinned"]),
                  metrics={"likes": int(p["likes"]), "comments": int(p["comments"])})
             for p in data["posts"]]
    nxt = {"page": data["next"]} if data.get("next") else None
    if not items and nxt is None:  # never "ok with nothing in it"
        return ParseResult(outcome=END_OF_LIST)
    return ParseResult(items=items, next=nxt)


PARSERS = {"profile": parse_profile, "posts": parse_posts}
