"""Every saved app-store response parses to its expected ``govspider parse`` output.

The cases are ``tests/fixtures/<store>/<kind>/<case>/`` (``tests/fixtures/README.md``); each
store is a platform of its own (``govspider parse itunes search FILE``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govspider.platform import ERROR, NOT_FOUND, ParseInput
from tests.fixturecases import FixtureCase, case, cases

STORES = ("itunes", "myapp", "huawei", "xiaomi")
CASES = [c for store in STORES for c in cases(store)]


def test_every_store_and_kind_has_cases() -> None:
    kinds = {(c.platform, c.kind) for c in CASES}
    assert kinds == {("itunes", "search"), ("itunes", "lookup"), ("myapp", "detail"),
                     ("myapp", "search"), ("huawei", "detail"), ("huawei", "search"),
                     ("xiaomi", "detail"), ("xiaomi", "search")}
    for c in CASES:
        assert c.expected_path.exists(), f"{c.id} has no {c.expected_path.name}"


@pytest.mark.parametrize("fixture", CASES, ids=[c.id for c in CASES])
def test_fixture(fixture: FixtureCase) -> None:
    assert fixture.output() == fixture.expected


def test_no_error_is_ok_with_zero_items() -> None:
    for c in CASES:
        actual = c.output()
        if actual["outcome"] == "ok":
            assert actual["items"], c.id
        if actual["outcome"] == ERROR:
            assert actual["error_kind"], c.id


def test_myapp_related_apps_do_not_leak() -> None:
    """SameDeveloper / YouMayAlsoLike list other apps; only GameDetail is the record."""
    actual = case("myapp/detail/next_data").output()
    assert [i["_id"] for i in actual["items"]] == ["app:myapp:cn.gov.qinghe.zwt"]
    assert actual["items"][0]["developer"] == "青禾市政务服务和大数据管理局"


def test_itunes_dates_are_utc_converted_and_artists_skipped() -> None:
    actual = case("itunes/lookup/developer_apps").output()
    (app,) = actual["items"]
    assert app["updated_at"] == "2026-09-02T14:41:09+08:00"  # 06:41:09Z
    assert app["developer"] == "青禾市政务服务和大数据管理局"  # sellerName, not artistName


def test_html_for_json_endpoints_is_blocked_not_found_is_not_an_error() -> None:
    from govspider_plugins.appstores.pages import PARSERS

    html = b"<html><body>oops</body></html>"
    for store, kind in (("itunes", "search"), ("itunes", "lookup"), ("huawei", "detail"),
                        ("huawei", "search")):
        assert PARSERS[store][kind](ParseInput(body=html)).error_kind == "blocked"
    empty = b'{"resultCount":0,"results":[]}'
    assert PARSERS["itunes"]["lookup"](ParseInput(body=empty)).outcome == NOT_FOUND
    for store in ("myapp", "xiaomi"):
        assert PARSERS[store]["detail"](ParseInput(body=b"", status=404)).outcome == NOT_FOUND
        result = PARSERS[store]["detail"](ParseInput(body=b"", status=200))
        assert result.outcome == ERROR and result.error_kind == "malformed"


def test_cli_parse_prints_the_contract(tmp_path: Path) -> None:
    """``govspider parse itunes search FILE`` prints one JSON object; errors exit 3."""
    exe = Path(sys.executable).with_name("govspider")
    ok = subprocess.run([str(exe), "parse", "itunes", "search",
                         str(case("itunes/search/ok").body_path)],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["outcome"] == "ok" and len(out["items"]) == 3
    assert out["items"][0]["_id"] == "app:itunes:1609876543"
    bad = subprocess.run([str(exe), "parse", "huawei", "detail",
                          str(case("huawei/detail/truncated").body_path)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 3
    assert json.loads(bad.stdout)["error_kind"] == "malformed"
