"""The data-driven parser cases: ``tests/fixtures/appstores/<store>/<kind>/<case>.<ext>``.

Each saved response sits next to ``<case>.expected.json``: ``{"request": {"url", "status"},
"outcome", "error_kind", "items", "next", "requests"}`` — the ``govspider parse`` output for
that response with the frozen "now" of the test suite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govspider.items import Item
from govspider.platform import ParseInput

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "appstores"
EXPECTED_SUFFIX = ".expected.json"


def response_files() -> list[Path]:
    """Every saved response (the files that are not expectations)."""
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file()
                  and not p.name.endswith(EXPECTED_SUFFIX))


def expected_path(response: Path) -> Path:
    return response.with_name(response.name.rsplit(".", 1)[0] + EXPECTED_SUFFIX)


def run_case(response: Path, now: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(actual output, request info) of the store parser on a saved response."""
    from plugins.appstores.pages import PARSERS

    store, kind = response.parent.parent.name, response.parent.name
    exp_file = expected_path(response)
    request = json.loads(exp_file.read_text("utf-8")).get("request", {}) if exp_file.exists() else {}
    inp = ParseInput(body=response.read_bytes(), url=request.get("url", ""),
                     status=int(request.get("status", 200)), now=now)
    result = PARSERS[store][kind](inp)
    out = result.to_dict()
    out["items"] = [i.to_json() if isinstance(i, Item) else i for i in result.items]
    return json.loads(json.dumps(out, ensure_ascii=False)), request
