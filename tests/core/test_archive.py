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


def test_a_deletion_notice_leaves_the_post_citing_its_archived_text(db: Any) -> None:
    """A post seen whole, then gone on a re-visit: its document (and so a finding on it) still
    points at the archived response holding its text; the deletion is a post version."""
    from datetime import datetime

    from scrapy.settings import Settings

    from govspider.items import Post
    from govspider.platform import GONE, ParseInput, ParseResult
    from govspider.processors import CST
    from govspider.spiders.base import PlatformSpider
    from govspider.storage import CorpusWriter
    from govspider.storage.raw import archive, raw_document

    now = datetime(2026, 11, 20, 12, 0, tzinfo=CST)

    class Corpus:  # what the spider's corpus does with a body, on the test's database
        def archive(self, inp: ParseInput) -> str:
            doc = raw_document(inp.body, inp.url, inp.status, inp.headers, now)
            archive(db, doc)
            return doc["_id"]

    spider = PlatformSpider.__new__(PlatformSpider)
    spider.settings = Settings({"GOVSPIDER_ARCHIVE_RESPONSES": True})
    spider.corpus = Corpus  # type: ignore[method-assign]
    writer = CorpusWriter(db, crawl_id="c1", clock=lambda: now)

    def sighting(body: bytes, outcome: str, **fields: Any) -> None:
        post = Post(_id="p:1", platform="p", platform_id="1", account_id="p:a", **fields)
        spider.archive(ParseInput(body=body, url="http://x.invalid/show?id=1"),
                       ParseResult(outcome=outcome, items=[post]))
        writer.write([post])

    sighting("{\"id\": 1, \"text\": \"招商加盟\"}".encode(), "ok", text="招商加盟")
    original = db.posts.find_one({"_id": "p:1"})["raw_response_id"]
    sighting("{\"ok\": 0, \"msg\": \"该微博已被删除\"}".encode(), GONE, deleted=True,
             deleted_reason="deleted")
    post = db.posts.find_one({"_id": "p:1"})
    assert post["deleted"] is True and post["raw_response_id"] == original
    assert "招商加盟" in body_of(db.raw_responses.find_one({"_id": original})).decode()
    assert db.raw_responses.count_documents({}) == 1  # the notice is not kept
    assert {v["deleted"] for v in db.post_versions.find({"post_id": "p:1"})} == {False, True}
