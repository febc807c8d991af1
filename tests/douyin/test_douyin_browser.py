"""Browser-mode crawls of the sandbox, where only a browser can sign the API calls.

Runs ``scrapy crawl douyin`` (scrapy-playwright + Debian's chromium) against the sandbox and
compares what lands in the embedded MongoDB with the sandbox world.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.douyin.helpers import (
    check_account_against_world,
    crawl,
    last_run,
    light_accounts,
    write_registry,
)

CHROMIUM = Path("/usr/bin/chromium")
#: an invented sec_uid no sandbox account has
UNKNOWN = "MS4wLjABAAAAnoSuchAccountInTheSandbox0000000000000000000000"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]


def test_browser_crawl_matches_the_world_and_stops_at_stored_posts(
        sandbox: Any, crawl_settings: dict[str, Any], db: Any, tmp_path: Path) -> None:
    world = sandbox.world
    accounts = light_accounts(world, 3)
    registry = write_registry(Path(sandbox.registry_path), accounts, tmp_path / "reg.yaml")
    # plus an account the platform does not know: not found, no posts, no error
    data = yaml.safe_load(registry.read_text(encoding="utf-8"))
    data["units"].append({"name": "某县融媒体中心", "accounts": [
        {"platform": "douyin", "platform_id": UNKNOWN, "name": "不存在的账号"}]})
    registry.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = {**sandbox.settings, **crawl_settings, "GOVSPIDER_DETECT_ENABLED": False}

    crawl(registry, settings)

    totals = [check_account_against_world(db, world, acc) for acc in accounts]
    assert sum(t["official"] for t in totals) > 0  # official replies were told apart
    stats = last_run(db)["stats"]
    assert stats.get("douyin/accounts_complete") == len(accounts) + 1
    assert not last_run(db)["errors"]
    assert db["accounts"].count_documents({"platform_id": UNKNOWN}) == 0
    assert stats["govspider/outcome/not_found"] == 1 and stats["douyin/end_of_list"] >= 1
    # bounded browser: every page closed, never more contexts than the cap
    assert stats["playwright/page_count"] == stats["douyin/pages_closed"] == len(accounts) + 1
    assert stats["playwright/context_count/max_concurrent"] <= 2
    assert any(d["is_pinned"] for d in db["posts"].find())
    assert db["posts"].count_documents({"media.type": "image"}) > 0

    # a second crawl stops at what is stored: only page 1 is read again (its posts re-sighted,
    # none rewritten) and no comments are fetched again (no comment count changed)
    crawl(registry, settings)
    second = last_run(db)["stats"]
    pinned = sum(len(world.pinned(acc)) for acc in accounts)
    assert pinned <= second.get("govspider/items/post", 0) <= 18 * len(accounts) + pinned
    assert second.get("govspider/items/comment", 0) == 0
    assert second.get("govspider/store/updated/posts", 0) == 0
    assert second.get("douyin/accounts_complete") == len(accounts) + 1


def test_browser_crawl_survives_empty_bodies_and_captchas(
        crawl_settings: dict[str, Any], db: Any, tmp_path: Path) -> None:
    from govspider.sandbox.server import SandboxServer

    troubles = {"empty_body": 0.25, "blocked": 0.05, "captcha": 0.08, "truncated": 0.05}
    with SandboxServer(seed=7, size="small", now="2026-11-20T12:00:00+08:00",
                       troubles=troubles) as sb:
        world = sb.world
        (account,) = light_accounts(world, 1)
        registry = write_registry(Path(sb.registry_path), [account], tmp_path / "reg.yaml")
        settings = {**sb.settings, **crawl_settings, "GOVSPIDER_DETECT_ENABLED": False,
                    # fast backoff; one error escalates to a fresh browser context
                    "DOUYIN_RETRY_DELAY": 0.05, "DOUYIN_PAGE_ERRORS": 1,
                    "GOVSPIDER_BACKOFF_BASE": 0.05, "GOVSPIDER_ERROR_RETRY_TIMES": 6}
        crawl(registry, settings)
        served = sb.stats()["troubles"]

    check_account_against_world(db, world, account)
    run = last_run(db)
    stats = run["stats"]
    assert served.get("empty_body", 0) > 0 and stats["govspider/errors/blocked"] > 0
    # every error the spider counted was a trouble the sandbox served (none invented)
    counted = sum(v for k, v in run["errors"].items())
    assert counted <= sum(served.get(k, 0) for k in troubles)
    assert stats.get("govspider/outcome/error", 0) == counted
    assert stats.get("douyin/context_retries", 0) >= 1  # fresh contexts were used
    assert stats["playwright/context_count"] == 1 + stats["douyin/context_retries"]
    assert stats["playwright/page_count"] == stats["douyin/pages_closed"]
    assert not any(k.startswith("govspider/errors_gave_up") for k in stats)
