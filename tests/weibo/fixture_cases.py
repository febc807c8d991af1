"""Data-driven parser fixtures: ``tests/fixtures/weibo/cases/*.json``.

A case names a saved response and how it was fetched, and what the parser must print::

    {"kind": "timeline",
     "inputs": {"file": "responses/timeline_page1.json", "url": "...", "status": 200,
                "meta": {}, "now": "2026-11-20T12:00:00+08:00"},
     "expected": {"outcome": "ok", "error_kind": null, "items": [...], "next": ..., "requests": [...]}}

``now`` is frozen so relative times (``3分钟前``, ``昨天 09:30``, ``11-02``) are reproducible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govspider.platform import ParseInput, ParseResult
from govspider.processors import parse_time
from plugins.weibo.pages import PARSERS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "weibo"
CASES_DIR = FIXTURES / "cases"
DEFAULT_NOW = "2026-11-20T12:00:00+08:00"


@dataclass
class Case:
    """One parser fixture."""

    name: str
    kind: str
    inputs: ParseInput
    expected: dict[str, Any] | None


def load_case(path: Path) -> Case:
    raw = json.loads(path.read_text(encoding="utf-8"))
    inputs = raw["inputs"]
    body = (FIXTURES / inputs["file"]).read_bytes()
    parse_input = ParseInput(body=body, url=inputs.get("url", ""),
                             status=int(inputs.get("status", 200)),
                             headers=inputs.get("headers", {}),
                             now=parse_time(inputs.get("now", DEFAULT_NOW)),
                             meta=inputs.get("meta", {}))
    return Case(path.stem, raw["kind"], parse_input, raw.get("expected"))


def printable(result: ParseResult) -> dict[str, Any]:
    """A result as ``govspider parse`` prints it."""
    out = result.to_dict()
    out["items"] = [item.to_json() for item in result.items]
    return json.loads(json.dumps(out, ensure_ascii=False))


def run_case(case: Case) -> dict[str, Any]:
    return printable(PARSERS[case.kind](case.inputs))
