"""Archived responses: findings point to the stored original, which survives on our side."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from govspider.storage.raw import body_of, raw_id

ROOT = Path(__file__).resolve().parents[2]


def test_findings_point_to_the_archived_page(sandbox: Any, crawl_settings: dict[str, Any],
                                             mongo_client: Any) -> None:
    settings = dict(sandbox.settings) | crawl_settings | {"GOVSPIDER_ARCHIVE_RESPONSES": "1"}
    cmd = [sys.executable, "-m", "govspider.cli", "crawl", "web",
           "-a", f"accounts={sandbox.registry_path}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=180)
    db = mongo_client[crawl_settings["MONGODB_DATABASE"]]
    pages = list(db.pages.find())
    assert pages and all(p.get("raw_response_id") for p in pages)
    findings = list(db.findings.find({"detector": "seo_spam"}))
    assert findings, "the sandbox plants injected pages"
    for finding in findings:
        raw = db.raw_responses.find_one({"_id": finding["evidence"]["raw_response_id"]})
        body = body_of(raw)
        assert raw_id(body) == raw["_id"]
        page = db.pages.find_one({"_id": finding["subject_id"]})
        assert page["raw_response_id"] == raw["_id"] and page["url"] == raw["url"]
        assert page["raw_html"].strip() in body.decode("utf-8", "replace") or \
            page["title"] in body.decode("utf-8", "replace")
        assert "cookie" not in {k.lower() for k in raw["headers"]}
    # one document per distinct body, however often it was fetched
    assert db.raw_responses.count_documents({}) == len({p["raw_response_id"] for p in pages})

    # a scan of the stored corpus (what `govspider demo` and scheduled scans run) cites the same
    # archived responses
    db.findings.delete_many({})
    env = {"MONGODB_URI": crawl_settings["MONGODB_URI"],
           "MONGODB_DATABASE": crawl_settings["MONGODB_DATABASE"]}
    subprocess.run([sys.executable, "-m", "govspider.cli", "scan", "--detectors", "seo_spam"],
                   cwd=ROOT, check=True, capture_output=True, timeout=180,
                   env={**os.environ, **env})
    rescanned = list(db.findings.find({"detector": "seo_spam"}))
    assert {f["_id"] for f in rescanned} == {f["_id"] for f in findings}
    for finding in rescanned:
        page = db.pages.find_one({"_id": finding["subject_id"]})
        assert finding["evidence"]["raw_response_id"] == page["raw_response_id"]
