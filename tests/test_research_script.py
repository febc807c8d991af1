"""docs/research.py answers its questions right on a small invented corpus (real embedded
server over TCP)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from govspider.processors import CST

ROOT = Path(__file__).resolve().parents[1]
UTC = timezone.utc
CITY, POLICE = "甲市人民政府办公室", "甲市公安局"
NEWS, TRAFFIC, VIDEO = "weibo:8800000001", "weibo:8800000002", "douyin:MS4wTESTuid01"


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("research", ROOT / "docs" / "research.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


research = _load()


def _post(pid: str, account: str, when: datetime, topics: list[str]) -> dict[str, Any]:
    return {"_id": f"weibo:{pid}", "platform": account.split(":")[0], "platform_id": pid,
            "account_id": account, "published_at": when, "topics": topics, "text": pid}


def _comment(cid: str, account: str, official: bool, reply_to: str | None = None) -> dict[str, Any]:
    return {"_id": f"weibo:{cid}", "platform": "weibo", "platform_id": cid, "post_id": "weibo:p1",
            "account_id": account, "is_official": official, "reply_to": reply_to,
            "published_at": datetime(2026, 11, 16, tzinfo=UTC)}


@pytest.fixture
def corpus(db: Any) -> Any:
    db.registry.insert_many([
        {"_id": CITY, "name": CITY, "website": "http://gov.example.invalid/a/index.html"},
        {"_id": POLICE, "name": POLICE, "website": "http://gov.example.invalid/b/index.html"}])
    db.accounts.insert_many([
        {"_id": NEWS, "platform": "weibo", "platform_id": "8800000001", "name": "甲市发布", "unit": CITY},
        {"_id": TRAFFIC, "platform": "weibo", "platform_id": "8800000002", "name": "甲市交警", "unit": POLICE},
        {"_id": VIDEO, "platform": "douyin", "platform_id": "MS4wTESTuid01", "name": "平安甲市", "unit": POLICE}])
    db.posts.insert_many([
        _post("p1", NEWS, datetime(2026, 11, 15, 16, 30, tzinfo=UTC), ["防汛", "通知"]),  # Mon 00:30 China
        _post("p2", NEWS, datetime(2026, 11, 15, 15, 30, tzinfo=UTC), ["防汛"]),  # Sun 23:30 China
        _post("p3", NEWS, datetime(2026, 11, 20, 4, tzinfo=UTC), []),  # the newest: 11-20 12:00
        _post("p4", TRAFFIC, datetime(2026, 10, 1, tzinfo=UTC), ["交通"]),  # Thu 10-01 08:00
        _post("p5", "weibo:9999", datetime(2026, 11, 1, tzinfo=UTC), ["防汛"]),  # a reposted original
    ])
    db.comments.insert_many([
        _comment("c1", NEWS, False), _comment("c2", NEWS, True, reply_to="weibo:c1"),
        _comment("c3", NEWS, False), _comment("c4", NEWS, True),  # official, answering nobody
        _comment("c5", TRAFFIC, False)])
    finding = {"severity": "high", "message": "…", "detected_at": datetime(2026, 11, 20, tzinfo=UTC)}
    db.findings.insert_many([
        finding | {"_id": "finding:1", "detector": "dormant_account", "subject_type": "account",
                   "subject_id": TRAFFIC, "account_id": TRAFFIC},
        finding | {"_id": "finding:2", "detector": "commercial_ad", "subject_type": "post",
                   "subject_id": "weibo:p1", "account_id": NEWS, "status": "open"},
        finding | {"_id": "finding:3", "detector": "counterfeit_app", "subject_type": "app",
                   "subject_id": "app:myapp:com.fake", "evidence": {"official_unit": CITY}},
        finding | {"_id": "finding:4", "detector": "seo_spam", "subject_type": "page",
                   "subject_id": "page:b1"},
        finding | {"_id": "finding:5", "detector": "commercial_ad", "subject_type": "post",
                   "subject_id": "weibo:p2", "account_id": NEWS, "status": "cleared"},
        finding | {"_id": "finding:6", "detector": "seo_spam", "subject_type": "page",
                   "subject_id": "page:gone"}])
    db.pages.insert_one({"_id": "page:b1", "url": "http://gov.example.invalid/b/art/1.html"})
    db.account_metrics.insert_many([
        {"_id": f"{NEWS}@1", "account_id": NEWS, "at": datetime(2026, 11, 1, tzinfo=UTC), "followers": 100},
        {"_id": f"{NEWS}@3", "account_id": NEWS, "at": datetime(2026, 11, 15, tzinfo=UTC), "followers": 130},
        {"_id": f"{NEWS}@2", "account_id": NEWS, "at": datetime(2026, 11, 8, tzinfo=UTC), "followers": 120},
        {"_id": f"{NEWS}@4", "account_id": NEWS, "at": datetime(2026, 11, 9, tzinfo=UTC)},  # no count
        {"_id": f"{TRAFFIC}@1", "account_id": TRAFFIC, "at": datetime(2026, 11, 1, tzinfo=UTC), "followers": 9},
        {"_id": f"{TRAFFIC}@2", "account_id": TRAFFIC, "at": datetime(2026, 11, 2, tzinfo=UTC), "followers": 9}])
    db.post_versions.insert_many([
        {"_id": "weibo:p1|h2|0", "post_id": "weibo:p1", "content_hash": "h2", "deleted": False,
         "text": "改后", "seen_at": datetime(2026, 11, 17, tzinfo=UTC)},
        {"_id": "weibo:p1|h1|0", "post_id": "weibo:p1", "content_hash": "h1", "deleted": False,
         "text": "原文", "seen_at": datetime(2026, 11, 16, tzinfo=UTC)},
        {"_id": "weibo:p3|h3|0", "post_id": "weibo:p3", "content_hash": "h3", "deleted": False,
         "seen_at": datetime(2026, 11, 20, tzinfo=UTC)},
        {"_id": "weibo:p4|h4|1", "post_id": "weibo:p4", "content_hash": "h4", "deleted": True,
         "seen_at": datetime(2026, 11, 2, tzinfo=UTC)}])
    return db


def test_posting_cadence_counts_china_weeks_of_monitored_accounts(corpus: Any) -> None:
    cadence = research.posting_cadence(corpus)
    assert list(cadence) == ["weibo"]
    weeks = cadence["weibo"]
    assert list(weeks)[0] == "2026-09-28" and list(weeks)[-1] == "2026-11-16" and len(weeks) == 8
    assert weeks["2026-09-28"] == 1 and weeks["2026-10-05"] == 0
    # Sunday 23:30 and Monday 00:30 China time fall in two weeks; the reposted original not at all
    assert weeks["2026-11-09"] == 1 and weeks["2026-11-16"] == 2
    assert sum(weeks.values()) == 4


def test_dormancy_against_the_newest_post(corpus: Any) -> None:
    newest, rows = research.dormancy(corpus, days=14)
    assert newest == datetime(2026, 11, 20, 12, tzinfo=CST)
    assert [r["account_id"] for r in rows] == [VIDEO, TRAFFIC]  # never posted first
    assert rows[0]["last_post_at"] is None and rows[0]["days_silent"] is None
    assert rows[1]["last_post_at"] == datetime(2026, 10, 1, 8, tzinfo=CST)
    assert rows[1]["days_silent"] == 50.2 and rows[1]["unit"] == POLICE
    assert [r["account_id"] for r in research.dormancy(corpus, days=60)[1]] == [VIDEO]


def test_official_reply_rate(corpus: Any) -> None:
    rows = {r["account_id"]: r for r in research.official_reply_rate(corpus)}
    assert set(rows) == {NEWS, TRAFFIC}
    assert (rows[NEWS]["comments"], rows[NEWS]["answered"], rows[NEWS]["rate"]) == (2, 1, 0.5)
    assert (rows[TRAFFIC]["comments"], rows[TRAFFIC]["answered"], rows[TRAFFIC]["rate"]) == (1, 0, 0.0)


def test_topics_per_unit(corpus: Any) -> None:
    assert research.topics_per_unit(corpus) == {CITY: [("防汛", 2), ("通知", 1)], POLICE: [("交通", 1)]}
    assert research.topics_per_unit(corpus, top=1) == {CITY: [("防汛", 2)], POLICE: [("交通", 1)]}


def test_findings_by_unit(corpus: Any) -> None:
    assert research.findings_by_unit(corpus) == {
        research.NO_UNIT: Counter({"seo_spam": 1}),
        CITY: Counter({"commercial_ad": 1, "counterfeit_app": 1}),
        POLICE: Counter({"dormant_account": 1, "seo_spam": 1})}


def test_follower_series(corpus: Any) -> None:
    account, series = research.follower_series(corpus)
    assert account == NEWS
    assert series == [(datetime(2026, 11, 1, 8, tzinfo=CST), 100), (datetime(2026, 11, 8, 8, tzinfo=CST), 120),
                      (datetime(2026, 11, 15, 8, tzinfo=CST), 130)]
    assert [n for _, n in research.follower_series(corpus, TRAFFIC)[1]] == [9, 9]
    assert research.follower_series(corpus, VIDEO) == (VIDEO, [])


def test_edit_history(corpus: Any) -> None:
    edits = research.edit_history(corpus)
    assert [(p["post_id"], p["account_id"]) for p in edits] == [("weibo:p1", NEWS), ("weibo:p4", TRAFFIC)]
    assert [v["text"] for v in edits[0]["versions"]] == ["原文", "改后"]
    assert edits[0]["versions"][0]["seen_at"] == datetime(2026, 11, 16, 8, tzinfo=CST)
    assert edits[1]["versions"][0]["deleted"] is True


def test_a_state_shows_its_edit() -> None:
    before = {"text": "关于某某路段施工的通知：施工期间请绕行。", "deleted": False}
    after = {"text": before["text"] + "（更正：时间以最新通知为准）", "deleted": False}
    assert research.state_text(before) == "关于某某路段施工的通知：施工期间"  # 16 characters
    assert research.state_text(after, before) == "…（更正：时间以最新通知为准）"
    assert research.state_text({"text": "全新的文字", "deleted": False}, before) == "全新的文字"
    assert research.state_text({"deleted": True}, after) == "deleted"


def test_main_prints_tables_and_writes_charts(corpus: Any, mongo_uri: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MONGODB_URI", mongo_uri)
    monkeypatch.setenv("MONGODB_DATABASE", corpus.name)
    assert research.main(["--out", str(tmp_path / "charts"), "--account", TRAFFIC]) == 0
    out = capsys.readouterr().out
    for title in ("Posts per week", "Dormant accounts", "Official reply rate", "Top 5 topics",
                  "Standing findings", "Edited or deleted posts"):
        assert title in out
    assert "Followers of 甲市交警 (weibo:8800000002): 2 points" in out
    for name in ("cadence.png", "followers.png"):
        assert (tmp_path / "charts" / name).read_bytes().startswith(b"\x89PNG")
