"""Labeled cases of the account- and corpus-scope detectors (multi-item cases).

One JSON object per line in ``cases/<detector>.jsonl``::

    {"items": [{"item_type": "account", ...}, {"item_type": "post", ...}],
     "now": "2026-11-20T12:00:00+08:00",
     "registry": {...optional registry dict...},
     "settings": {"GOVSPIDER_DETECTORS": {"<detector>": {"<key>": value}}},  # optional
     "incomplete": ["weibo:..."],                          # optional: accounts crawled partially
     "expect": [{"detector": ..., "subject_id": ..., "rule": ...}]  |  "expect_none": true,
     "note": "why"}

The findings of the file's detector must be exactly the expected ones.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from govspider.detection import DetectContext, build_histories, run_detectors
from govspider.items import item_from_dict
from govspider.processors import parse_time
from govspider.registry import AccountRegistry
from govspider_plugins.detectors import accounts, counterfeit, registry_check

CASES = Path(__file__).parent / "cases"
DETECTORS = {d.name: d for d in (*accounts.DETECTORS, *counterfeit.DETECTORS,
                                 *registry_check.DETECTORS)}


def _cases() -> list[Any]:
    params = []
    for name in sorted(DETECTORS):
        path = CASES / f"{name}.jsonl"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                case = json.loads(line)
                params.append(pytest.param(name, case, id=f"{name}:{n}:{case.get('note', '')[:40]}"))
    return params


def run_case(name: str, case: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The (detector, subject_id, rule) triples the detector finds on one case."""
    detector = DETECTORS[name]
    items = [item_from_dict(row).to_dict() for row in case["items"]]
    registry = AccountRegistry.from_dict(case["registry"]) if case.get("registry") else None
    ctx = DetectContext(now=parse_time(case["now"]), registry=registry,
                        settings=case.get("settings") or {})
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_type[item["item_type"]].append(item)
    histories = build_histories(by_type)
    for history in histories:
        if history.account["_id"] in case.get("incomplete", []):
            history.complete = False
    findings = list(run_detectors([detector], items, ctx, histories=histories))
    for f in findings:  # every finding is complete and explained
        assert f.message and f.evidence and f.severity in ("veto", "high", "medium", "low")
        assert f.detector_version == detector.version
    return {(f.detector, f.subject_id, f.rule or "") for f in findings}


@pytest.mark.parametrize(("name", "case"), _cases())
def test_case(name: str, case: dict[str, Any]) -> None:
    found = run_case(name, case)
    expected = set() if case.get("expect_none") else {
        (e["detector"], e["subject_id"], e["rule"]) for e in case["expect"]}
    assert found == expected, case.get("note")


def test_every_detector_has_cases() -> None:
    for name in DETECTORS:
        rows = (CASES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        positives = sum('"expect":' in r for r in rows)
        assert len(rows) >= 10 and positives >= 3 and len(rows) - positives >= 3, name
