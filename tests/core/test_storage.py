"""Storage behaviour over the wire: the embedded SecantusDB, or GOVSPIDER_TEST_MONGODB_URI."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from govspider.items import Account, AccountMetrics, Comment, Finding, Post
from govspider.processors import CST
from govspider.storage import CorpusWriter

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: Any) -> None:
        self.now = self.now + timedelta(**kw)


def post(pid: str = "4900000000000001", text: str = "今日全市交通运行平稳。", **kw: Any) -> Post:
    base: dict[str, Any] = dict(_id=f"weibo:{pid}", platform="weibo", platform_id=pid,
                                account_id="weibo:6100000001", text=text,
                                published_at=datetime(2026, 10, 30, 9, 0, tzinfo=CST),
                                metrics={"likes": 10, "comments": 2})
    base.update(kw)
    return Post(**base)


def writer(db: Any, clock: Clock, crawl_id: str = "crawl-1") -> CorpusWriter:
    return CorpusWriter(db, crawl_id=crawl_id, clock=clock, batch_size=100)


def test_same_item_twice_is_one_document(db: Any) -> None:
    clock = Clock()
    writer(db, clock).write([post(), post()])
    clock.advance(hours=1)
    writer(db, clock, "crawl-2").write([post()])
    assert db.posts.count_documents({}) == 1


def test_changed_counts_are_updated_and_first_seen_kept(db: Any) -> None:
    clock = Clock()
    writer(db, clock).write([post()])
    clock.advance(days=1)
    writer(db, clock, "crawl-2").write([post(metrics={"likes": 99, "comments": 5})])
    doc = db.posts.find_one({"_id": "weibo:4900000000000001"})
    assert doc["metrics"] == {"likes": 99, "comments": 5}
    assert doc["first_seen_at"] == T0
    assert doc["last_seen_at"] == T0 + timedelta(days=1)
    assert doc["crawl_id"] == "crawl-2"


def test_unknown_fields_do_not_erase_known_ones(db: Any) -> None:
    clock = Clock()
    acc = dict(_id="weibo:6100000001", platform="weibo", platform_id="6100000001", name="某市交警")
    writer(db, clock).write([Account(**acc, followers=1200, unit="某市公安局")])
    writer(db, clock).write([Account(**acc, followers=None)])
    doc = db.accounts.find_one()
    assert doc["followers"] == 1200 and doc["unit"] == "某市公安局"
    assert "following" not in doc  # unknown stays absent, never 0


def test_text_change_records_versions(db: Any) -> None:
    clock = Clock()
    writer(db, clock).write([post(text="原文：今日全市交通运行平稳。")])
    clock.advance(hours=6)
    w = writer(db, clock, "crawl-2")
    w.write([post(text="更正：今日全市交通运行总体平稳。")])
    assert w.stats.versions == 2
    versions = sorted(db.post_versions.find({"post_id": "weibo:4900000000000001"}),
                      key=lambda v: v["seen_at"])
    assert [v["text"] for v in versions] == ["原文：今日全市交通运行平稳。", "更正：今日全市交通运行总体平稳。"]
    assert versions[0]["seen_at"] == T0
    # the same state seen again adds nothing
    clock.advance(hours=6)
    writer(db, clock, "crawl-3").write([post(text="更正：今日全市交通运行总体平稳。")])
    assert db.post_versions.count_documents({}) == 2


def test_deletion_records_a_version_and_keeps_text(db: Any) -> None:
    clock = Clock()
    writer(db, clock).write([post()])
    clock.advance(days=2)
    gone = Post(_id="weibo:4900000000000001", platform="weibo", platform_id="4900000000000001",
                deleted=True, deleted_reason="该微博已被作者删除")
    writer(db, clock, "crawl-2").write([gone])
    doc = db.posts.find_one()
    assert doc["deleted"] is True and doc["text"] == "今日全市交通运行平稳。"
    latest = db.post_versions.find_one({"deleted": True})
    assert latest is not None and latest["deleted_reason"] == "该微博已被作者删除"


def test_a_bad_document_does_not_lose_the_batch(db: Any) -> None:
    # a unique index the batch violates once: the other documents must still be stored
    db.comments.create_index("platform_id", unique=True, name="test_unique_platform_id")
    clock = Clock()
    comments = [Comment(_id=f"weibo:c{i}", platform="weibo", platform_id="dup" if i in (3, 7) else f"c{i}",
                        post_id="weibo:4900000000000001", text=f"评论{i}") for i in range(10)]
    w = writer(db, clock)
    w.write(comments)
    assert db.comments.count_documents({}) == 9
    assert w.stats.failed["comments"] == 1
    assert w.stats.errors[0]["code"] == 11000


def test_metrics_points_per_crawl_and_finding_status_kept(db: Any) -> None:
    clock = Clock()
    m = AccountMetrics(account_id="weibo:6100000001", at=datetime(2026, 11, 1, tzinfo=CST), followers=5)
    writer(db, clock, "crawl-1").write([m])
    writer(db, clock, "crawl-2").write([m])
    assert db.account_metrics.count_documents({"account_id": "weibo:6100000001"}) == 2
    f = Finding(_id="finding:abc", detector="dormant_account", detector_version="1",
                indicator="内容不更新", severity="veto", score=1.0, subject_type="account",
                subject_id="weibo:6100000001", message="超过两周未更新")
    writer(db, clock).write([f])
    db.findings.update_one({"_id": "finding:abc"}, {"$set": {"status": "confirmed"}})
    writer(db, clock, "scan-2").write([f])
    doc = db.findings.find_one({"_id": "finding:abc"})
    assert doc["status"] == "confirmed" and db.findings.count_documents({}) == 1


def test_times_round_trip_as_utc_dates(db: Any) -> None:
    clock = Clock()
    writer(db, clock).write([post()])
    doc = db.posts.find_one()
    assert doc["published_at"] == datetime(2026, 10, 30, 1, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("batch_size", [1, 7, 500])
def test_batches_of_any_size(db: Any, batch_size: int) -> None:
    w = CorpusWriter(db, crawl_id="c", batch_size=batch_size)
    w.write([post(pid=str(4900000000000000 + i)) for i in range(20)])
    assert db.posts.count_documents({}) == 20 and w.stats.inserted["posts"] == 20


def test_two_sightings_in_one_batch_merge(db: Any) -> None:
    acc = dict(_id="weibo:6100000001", platform="weibo", platform_id="6100000001")
    CorpusWriter(db, crawl_id="c").write([Account(**acc, name="某市交警", followers=10),
                                          Account(**acc, posts_count=3)])
    doc = db.accounts.find_one()
    assert (doc["name"], doc["followers"], doc["posts_count"]) == ("某市交警", 10, 3)
