"""govspider scan over a stored corpus: findings upserted once, partial crawls never 'stale'."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from govspider.detection import Detector
from govspider.items import Account, App, Post
from govspider.plugins import installed_plugins
from govspider.processors import CST
from govspider.scan import scan_corpus
from govspider.storage import CorpusWriter

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)


def store(db: Any, crawled_at: datetime, items: list[Any]) -> None:
    CorpusWriter(db, crawl_id=f"c-{crawled_at:%H%M}", clock=lambda: crawled_at).write(items)


def account(n: int, platform: str = "wechat", **kw: Any) -> Account:
    return Account(_id=f"{platform}:acc{n}", platform=platform, platform_id=f"acc{n}", name=f"某局{n}", **kw)


def post(n: int, days_ago: int, platform: str = "wechat") -> Post:
    return Post(_id=f"{platform}:acc{n}:{days_ago}", platform=platform, platform_id=f"{n}-{days_ago}",
                account_id=f"{platform}:acc{n}", text="工作动态", published_at=NOW - timedelta(days=days_ago))


def test_dormant_accounts_and_missed_crawls(db: Any) -> None:
    earlier, latest = NOW - timedelta(days=10), NOW - timedelta(hours=1)
    # acc1: silent for 70 days, seen by the latest crawl (no post count on this platform)
    # acc2: active; acc3: last seen ten days ago, so the latest crawl missed it: no verdict
    store(db, earlier, [account(3), post(3, 80)])
    store(db, latest, [account(1), post(1, 70), post(1, 75), account(2), post(2, 1)])
    dormant = installed_plugins().detectors["dormant_account"]
    summary = scan_corpus(db, [dormant], now=NOW)
    flagged = {f["subject_id"] for f in db.findings.find({"detector": "dormant_account"})}
    assert flagged == {"wechat:acc1"}
    assert summary["findings"]["dormant_account"] >= 1
    # the same scan again: the same findings, not new ones
    before = db.findings.count_documents({})
    scan_corpus(db, [dormant], now=NOW)
    assert db.findings.count_documents({}) == before


class EveryApp(Detector):
    """A corpus-scope detector that flags every app listing."""

    name = "every_app"
    scope = "corpus"
    accepts = frozenset({"app"})

    def detect(self, subject: Any, ctx: Any) -> Any:
        for app in subject["app"]:
            yield self.finding(subject=app, rule="any", message="应用", evidence={}, ctx=ctx)


def test_corpus_findings_cite_their_subjects_archived_response(db: Any) -> None:
    store(db, NOW, [App(_id="app:store:1", platform="store", platform_id="1", name="某市通",
                        raw_response_id="f" * 64),
                    App(_id="app:store:2", platform="store", platform_id="2", name="某市办")])
    scan_corpus(db, [EveryApp()], now=NOW)
    cited = {f["subject_id"]: f["evidence"].get("raw_response_id") for f in db.findings.find()}
    assert cited == {"app:store:1": "f" * 64, "app:store:2": None}


def test_findings_no_longer_found_are_cleared_and_reopened(db: Any) -> None:
    latest = NOW - timedelta(hours=1)
    store(db, latest, [account(1), post(1, 70)])
    dormant = installed_plugins().detectors["dormant_account"]
    scan_corpus(db, [dormant], now=NOW)
    assert {f["status"] for f in db.findings.find()} == {"open"}
    # the account posts again: the next scan clears what no longer holds
    store(db, latest + timedelta(minutes=5), [account(1), post(1, 1)])
    assert scan_corpus(db, [dormant], now=NOW)["cleared"] >= 1
    assert {f["status"] for f in db.findings.find()} == {"cleared"}
    # a supervisor's own status is never touched by a scan
    db.findings.update_many({}, {"$set": {"status": "dismissed"}})
    scan_corpus(db, [dormant], now=NOW)
    assert {f["status"] for f in db.findings.find()} == {"dismissed"}
    # silent again (the recent post deleted on the platform): the finding opens again
    db.findings.update_many({}, {"$set": {"status": "cleared"}})
    db.posts.delete_one({"_id": "wechat:acc1:1"})
    scan_corpus(db, [dormant], now=NOW)
    assert "open" in {f["status"] for f in db.findings.find()}
