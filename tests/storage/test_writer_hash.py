"""The writer's content hash: unchanged re-sightings are only stamped, changed ones rewritten."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from govspider.items import Account, Comment, Post
from govspider.processors import CST
from govspider.storage import CorpusWriter
from govspider.storage.writer import DOC_HASH

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def posts(n: int, **kw: Any) -> list[Post]:
    return [Post(_id=f"weibo:{4900000000000000 + i}", platform="weibo",
                 platform_id=str(4900000000000000 + i), account_id="weibo:6100000001",
                 text=f"第{i}条：今日全市交通运行平稳。", metrics={"likes": i, "comments": 1},
                 published_at=datetime(2026, 10, 30, 9, 0, tzinfo=CST) + timedelta(minutes=i),
                 **kw) for i in range(n)]


def test_unchanged_documents_are_only_stamped(db: Any) -> None:
    clock = Clock()
    first = posts(250)
    comment = Comment(_id="weibo:5000000000000001", platform="weibo",
                      platform_id="5000000000000001", post_id=first[0]._id, text="请问几点开始？")
    CorpusWriter(db, crawl_id="crawl-1", clock=clock, batch_size=100).write(first + [comment])
    before = {d["_id"]: d for d in db.posts.find()}
    assert all(len(d[DOC_HASH]) == 24 for d in before.values())
    # mark the stored documents: a rewrite ($set of every field) would not remove this field,
    # so overwrite a field instead and check it survives an unchanged re-sighting
    db.posts.update_many({}, {"$set": {"source": "marker"}})

    clock.now = T0 + timedelta(days=1)
    again = posts(250)
    again[7].metrics = {"likes": 7, "comments": 2}  # one changed document
    w = CorpusWriter(db, crawl_id="crawl-2", clock=clock, batch_size=100)
    w.write(again + [comment])
    assert w.stats.unchanged["posts"] == 249 and w.stats.updated["posts"] == 1
    assert w.stats.unchanged["comments"] == 1 and sum(w.stats.inserted.values()) == 0
    after = {d["_id"]: d for d in db.posts.find()}
    changed = again[7]._id
    for _id, doc in after.items():
        assert doc["last_seen_at"] == clock.now and doc["crawl_id"] == "crawl-2"
        assert doc["first_seen_at"] == T0
        if _id == changed:
            assert doc["metrics"]["comments"] == 2 and doc[DOC_HASH] != before[_id][DOC_HASH]
        else:  # not rewritten: the marker is still there, the hash is the same
            assert doc["source"] == "marker" and doc[DOC_HASH] == before[_id][DOC_HASH]
    assert db.comments.find_one()["crawl_id"] == "crawl-2"


def test_partial_sighting_changes_the_hash_and_keeps_known_fields(db: Any) -> None:
    clock = Clock()
    acc = dict(_id="weibo:6100000001", platform="weibo", platform_id="6100000001")
    CorpusWriter(db, crawl_id="c1", clock=clock).write([Account(**acc, name="某市交警", followers=10)])
    CorpusWriter(db, crawl_id="c2", clock=clock).write([Account(**acc, followers=11)])
    doc = db.accounts.find_one()
    assert doc["name"] == "某市交警" and doc["followers"] == 11 and doc["crawl_id"] == "c2"


def test_edit_still_records_versions(db: Any) -> None:
    clock = Clock()
    CorpusWriter(db, crawl_id="c1", clock=clock).write(posts(3))
    edited = posts(3)
    edited[1].text = "更正：" + (edited[1].text or "")
    w = CorpusWriter(db, crawl_id="c2", clock=clock)
    w.write(edited)
    assert w.stats.versions == 2 and w.stats.unchanged["posts"] == 2
    texts = {v["text"] for v in db.post_versions.find()}
    assert texts == {posts(3)[1].text, edited[1].text}


def test_a_new_archived_response_alone_is_no_change(db: Any) -> None:
    """With archived responses, the same post seen in another response body (the page around it
    changed) is only stamped and keeps citing the earlier response, which holds the same text;
    a changed text is rewritten with the new response."""
    clock = Clock()
    CorpusWriter(db, crawl_id="crawl-1", clock=clock).write(posts(5, raw_response_id="r-old"))
    clock.now = T0 + timedelta(days=1)
    again = posts(5, raw_response_id="r-new")
    again[2].text = "第2条：更正后的通报。"
    w = CorpusWriter(db, crawl_id="crawl-2", clock=clock)
    w.write(again)
    assert w.stats.unchanged["posts"] == 4 and w.stats.updated["posts"] == 1
    cited = {d["_id"]: d["raw_response_id"] for d in db.posts.find()}
    assert cited.pop(again[2]._id) == "r-new" and set(cited.values()) == {"r-old"}
