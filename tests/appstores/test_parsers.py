"""Every saved app-store response parses to its expected ``govspider parse`` output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govspider.platform import ERROR, NOT_FOUND, ParseInput
from tests.appstores.cases import FIXTURES, expected_path, response_files, run_case
from tests.conftest import FROZEN_NOW

CASES = response_files()


def test_every_store_and_kind_has_cases() -> None:
    kinds = {(p.parent.parent.name, p.parent.name) for p in CASES}
    assert kinds == {("itunes", "search"), ("itunes", "lookup"), ("myapp", "detail"),
                     ("myapp", "search"), ("huawei", "detail"), ("huawei", "search"),
                     ("xiaomi", "detail"), ("xiaomi", "search")}
    for path in CASES:
        assert expected_path(path).exists(), f"{path} has no {expected_path(path).name}"


@pytest.mark.parametrize("response", CASES, ids=[str(p.relative_to(FIXTURES)) for p in CASES])
def test_fixture(response: Path) -> None:
    expected = json.loads(expected_path(response).read_text("utf-8"))
    expected.pop("request", None)
    actual, _ = run_case(response, FROZEN_NOW)
    assert actual == expected


def test_no_error_is_ok_with_zero_items() -> None:
    for response in CASES:
        actual, _ = run_case(response, FROZEN_NOW)
        if actual["outcome"] == "ok":
            assert actual["items"], response
        if actual["outcome"] == ERROR:
            assert actual["error_kind"], response


def test_myapp_related_apps_do_not_leak() -> None:
    """SameDeveloper / YouMayAlsoLike list other apps; only GameDetail is the record."""
    actual, _ = run_case(FIXTURES / "myapp/detail/next_data.html", FROZEN_NOW)
    assert [i["_id"] for i in actual["items"]] == ["app:myapp:cn.gov.qinghe.zwt"]
    assert actual["items"][0]["developer"] == "青禾市政务服务和大数据管理局"


def test_itunes_dates_are_utc_converted_and_artists_skipped() -> None:
    actual, _ = run_case(FIXTURES / "itunes/lookup/developer_apps.json", FROZEN_NOW)
    (app,) = actual["items"]
    assert app["updated_at"] == "2026-09-02T14:41:09+08:00"  # 06:41:09Z
    assert app["developer"] == "青禾市政务服务和大数据管理局"  # sellerName, not artistName


def test_html_for_json_endpoints_is_blocked_not_found_is_not_an_error() -> None:
    from plugins.appstores.pages import PARSERS

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
                         str(FIXTURES / "itunes/search/ok.json")],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["outcome"] == "ok" and len(out["items"]) == 3
    assert out["items"][0]["_id"] == "app:itunes:1609876543"
    bad = subprocess.run([str(exe), "parse", "huawei", "detail",
                          str(FIXTURES / "huawei/detail/truncated.json")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 3
    assert json.loads(bad.stdout)["error_kind"] == "malformed"
