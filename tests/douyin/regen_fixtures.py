"""Regenerate ``tests/fixtures/douyin/*.case.json`` from the saved bodies; review the diff!

    .venv/bin/python -m tests.douyin.regen_fixtures
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govspider.platform import ParseInput
from govspider.processors import parse_time
from plugins.douyin.pages import PARSERS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "douyin"
API = "https://www.douyin.com/aweme/v1/web"
OWNER = {"sec_uid": "MS4wLjABAAAAinventedSecUidForTestsOnly0000000000000001",
         "uid": "91827364501"}
COMMENTS_202 = "/comment/list/?aweme_id=7430000000000000202&cursor=0&count=20&item_type=0"
REPLIES_202 = ("/comment/list/reply/?item_id=7430000000000000202&comment_id=7430000000000100001"
               "&cursor=0&count=20&item_type=0")
PROFILE = "/user/profile/other/?sec_user_id=x"
#: case name -> (kind, body file, URL, meta, now)
CASES: dict[str, tuple[str, str, str, dict[str, Any], str | None]] = {
    "profile_gov": ("profile", "profile_gov.json", API + PROFILE, {}, None),
    "profile_gov_now": ("profile", "profile_gov.json", API + PROFILE, {},
                        "2026-11-21T08:00:00+08:00"),
    "posts_page1": ("posts", "posts_page1.json",
                    API + "/aweme/post/?sec_user_id=x&max_cursor=0&count=18", {}, None),
    "posts_last": ("posts", "posts_last.json", API + "/aweme/post/?max_cursor=1700000000000",
                   {}, None),
    "posts_null": ("posts", "posts_null.json", API + "/aweme/post/?max_cursor=0", {}, None),
    "posts_empty_body": ("posts", "empty_body.bin", API + "/aweme/post/?max_cursor=0", {}, None),
    "profile_empty_body": ("profile", "empty_body.bin", API + "/user/profile/other/", {}, None),
    "comments_empty_body": ("comments", "empty_body.bin", API + "/comment/list/", {}, None),
    "posts_blocked_body": ("posts", "blocked_body.txt", API + "/aweme/post/", {}, None),
    "posts_status_error": ("posts", "status_error.json", API + "/aweme/post/", {}, None),
    "profile_status_captcha": ("profile", "status_captcha.json", API + "/user/profile/other/",
                               {}, None),
    "posts_verify_page": ("posts", "verify_page.html", API + "/aweme/post/", {}, None),
    "posts_truncated": ("posts", "truncated_posts.json", API + "/aweme/post/", {}, None),
    "comments_page1": ("comments", "comments_page1.json", API + COMMENTS_202, {}, None),
    "comments_page1_owner": ("comments", "comments_page1.json", API + COMMENTS_202, OWNER, None),
    "comments_replies": ("comments", "comments_replies.json", API + REPLIES_202, OWNER, None),
    "comments_none": ("comments", "comments_none.json",
                      API + "/comment/list/?aweme_id=7430000000000000303&cursor=0", {}, None),
}


def write_case(name: str, kind: str, body: str, url: str, meta: dict[str, Any],
               now: str | None) -> None:
    inp = ParseInput(body=(FIXTURES / body).read_bytes(), url=url, meta=meta,
                     now=parse_time(now) if now else None)
    result = PARSERS[kind](inp)
    out = result.to_dict()
    out["items"] = [item.to_json() for item in result.items]
    case: dict[str, Any] = {"kind": kind, "body": body, "url": url}
    if meta:
        case["meta"] = meta
    if now:
        case["now"] = now
    case["expected"] = out
    (FIXTURES / f"{name}.case.json").write_text(json.dumps(case, ensure_ascii=False, indent=1)
                                               + "\n", encoding="utf-8")
    print(name, out["outcome"], out["error_kind"], len(out["items"]), result.message or "")


def main() -> None:
    for name, (kind, body, url, meta, now) in CASES.items():
        write_case(name, kind, body, url, meta, now)


if __name__ == "__main__":
    main()
