"""The shared runner of the content detectors' labeled cases.

Every row of ``cases/<detector>.jsonl`` in the single-subject format
(``{"item": {...}, "expect": true|false, "rule"?, "related"?, "note"}``) is one test: the
detector named by the file runs through :func:`govspider.detection.run_detectors` and must find
(or not find) something about the row's item. Multi-item rows (``"items": [...]``) belong to
``test_account_cases.py``.
"""

from __future__ import annotations

import pytest

from govspider_plugins.detectors.eval import installed_detectors, load_cases, run_case

CASES = [c for c in load_cases() if "item" in c.row]


def test_every_content_detector_has_enough_cases():
    per: dict[str, list] = {}
    for case in CASES:
        per.setdefault(case.detector, []).append(case)
    for name in ("inappropriate_speech", "commercial_ad", "seo_spam", "serious_typo",
                 "privacy_leak", "sensitive_content", "off_topic"):
        rows = per.get(name, [])
        assert len(rows) >= 20, f"{name}: only {len(rows)} cases"
        assert any(c.expect for c in rows) and any(not c.expect for c in rows), name


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case):
    detector = installed_detectors()[case.detector]
    predicted, findings = run_case(detector, case)
    assert predicted == case.expect, (
        f"{case.row.get('note')}: expected {'a finding' if case.expect else 'no finding'}, got "
        + "; ".join(f"{f.rule}: {f.message}" for f in findings) if findings else "nothing")
    for f in findings:
        assert f.detector == case.detector and f.message
        assert f.evidence.get("lexicon_version") and f.evidence.get("rule")
