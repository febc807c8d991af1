"""The sandbox's Douyin API only answers signed requests; the direct mode signs via the hook."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from govspider_plugins.douyin.sandbox import SIGN_KEY
from govspider_plugins.douyin.signer import api_url
from tests.douyin import sandbox_signer
from tests.douyin.helpers import (
    PROJECT,
    SCRAPY,
    check_account_against_world,
    crawl,
    last_run,
    light_accounts,
    write_registry,
)

UA = "Mozilla/5.0 (X11; Linux x86_64) govspider-test"


def fetch(url: str, user_agent: str = UA) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_unsigned_or_badly_signed_api_calls_get_an_empty_body(sandbox: Any) -> None:
    acc = sandbox.world.accounts("douyin")[0]
    base = sandbox.settings["DOUYIN_BASE_URL"]
    query = urlencode({"sec_user_id": acc.platform_id, "max_cursor": 0, "count": 18})
    unsigned = f"{base}/aweme/v1/web/aweme/post/?{query}"
    status, headers, body = fetch(unsigned)
    assert (status, body, headers.get("Content-Length")) == (200, b"", "0")
    # a wrong signature, or a right one for another User-Agent, is rejected the same way
    assert fetch(unsigned + "&msToken=" + "a" * 128 + "&a_bogus=" + "0" * 32)[2] == b""
    signed = sandbox_signer.sign(unsigned, UA)
    assert fetch(signed, user_agent=UA + " other")[2] == b""
    # the same request signed by the sandbox's algorithm gets the real shape
    status, _, body = fetch(signed)
    data = json.loads(body)
    assert data["status_code"] == 0 and data["aweme_list"]
    assert data["aweme_list"][0]["author"]["sec_uid"] == acc.platform_id


def test_user_page_never_holds_the_key_in_clear(sandbox: Any) -> None:
    acc = sandbox.world.accounts("douyin")[0]
    status, _, body = fetch(f"{sandbox.settings['DOUYIN_BASE_URL']}/user/{acc.platform_id}")
    page = body.decode()
    assert status == 200 and "IntersectionObserver" in page and "a_bogus" in page
    assert SIGN_KEY not in page


def test_signed_comment_and_reply_lists(sandbox: Any) -> None:
    world = sandbox.world
    base = sandbox.settings["DOUYIN_BASE_URL"]
    post = next(p for a in world.accounts("douyin") for p in world.posts(a, 0, 30)
                if any(c.replies for c in world.comments(p, 0, 20)))
    url = api_url(base, "/aweme/v1/web/comment/list/",
                  {"aweme_id": post.post_id, "cursor": 0, "count": 20, "item_type": 0}, UA)
    data = json.loads(fetch(sandbox_signer.sign(url, UA))[2])
    assert [c["cid"] for c in data["comments"]] == [c.comment_id for c in world.comments(post, 0, 20)]
    assert data["total"] == world.comment_count(post)
    parent = next(c for c in world.comments(post, 0, 20) if c.replies)
    url = api_url(base, "/aweme/v1/web/comment/list/reply/",
                  {"item_id": post.post_id, "comment_id": parent.comment_id, "cursor": 0,
                   "count": 20, "item_type": 0}, UA)
    replies = json.loads(fetch(sandbox_signer.sign(url, UA))[2])["comments"]
    assert [r["reply_id"] for r in replies] == [parent.comment_id] * len(parent.replies)
    assert [r["label_text"] == "作者" for r in replies] == [r.is_official for r in parent.replies]


def test_direct_mode_crawls_with_an_operator_signer(
        sandbox: Any, crawl_settings: dict[str, Any], db: Any, tmp_path: Path) -> None:
    world = sandbox.world
    (account,) = light_accounts(world, 1)
    registry = write_registry(Path(sandbox.registry_path), [account], tmp_path / "reg.yaml")
    crawl(registry, {**sandbox.settings, **crawl_settings, "GOVSPIDER_DETECT_ENABLED": False,
                     "DOUYIN_MODE": "direct",
                     "DOUYIN_SIGNER": "tests.douyin.sandbox_signer.sign"})
    check_account_against_world(db, world, account)
    stats = last_run(db)["stats"]
    assert not last_run(db)["errors"]
    assert "playwright/page_count" not in stats  # no browser in direct mode


def test_direct_mode_without_a_signer_is_refused(sandbox: Any, tmp_path: Path) -> None:
    (account,) = light_accounts(sandbox.world, 1)
    registry = write_registry(Path(sandbox.registry_path), [account], tmp_path / "reg.yaml")
    proc = subprocess.run([SCRAPY, "crawl", "douyin", "-a", f"accounts={registry}",
                           "-s", "DOUYIN_MODE=direct", "-s", "GOVSPIDER_STORE_ENABLED=0",
                           "-s", f"DOUYIN_BASE_URL={sandbox.settings['DOUYIN_BASE_URL']}"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "DOUYIN_SIGNER" in proc.stderr


@pytest.mark.parametrize("path", ["tests.douyin.sandbox_signer:sign",
                                  "tests.douyin.sandbox_signer.sign"])
def test_load_signer_accepts_both_spellings(path: str) -> None:
    from govspider_plugins.douyin.signer import load_signer

    assert load_signer(path) is sandbox_signer.sign


@pytest.mark.parametrize("path", ["", "nosuchmodule.sign", "tests.douyin.sandbox_signer.nope",
                                  "tests.douyin.sandbox_signer.CALLS"])
def test_load_signer_rejects_bad_paths(path: str) -> None:
    from govspider_plugins.douyin.signer import SignerError, load_signer

    with pytest.raises(SignerError):
        load_signer(path)


def test_direct_mode_retries_blocks_with_a_fresh_signature(
        crawl_settings: dict[str, Any], db: Any, tmp_path: Path) -> None:
    from govspider.sandbox.server import SandboxServer

    troubles = {"empty_body": 0.2, "blocked": 0.05, "captcha": 0.05, "truncated": 0.05}
    with SandboxServer(seed=7, size="small", now="2026-11-20T12:00:00+08:00",
                       troubles=troubles) as sb:
        (account,) = light_accounts(sb.world, 1)
        registry = write_registry(Path(sb.registry_path), [account], tmp_path / "reg.yaml")
        crawl(registry, {**sb.settings, **crawl_settings, "GOVSPIDER_DETECT_ENABLED": False,
                         "DOUYIN_MODE": "direct", "GOVSPIDER_BACKOFF_BASE": 0.05,
                         "DOUYIN_SIGNER": "tests.douyin.sandbox_signer.sign"})
        served = sb.stats()["troubles"]
        check_account_against_world(db, sb.world, account)
    run = last_run(db)
    assert served.get("empty_body", 0) > 0
    assert run["errors"].get("blocked", 0) >= served.get("empty_body", 0)
    assert sum(run["errors"].values()) == sum(served.get(k, 0) for k in troubles)
    assert not any(k.startswith("govspider/errors_gave_up") for k in run["stats"])
