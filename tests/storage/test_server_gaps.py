"""The embedded server's known gaps, probed against the server the tests run on.

Every probe of :mod:`govspider.storage.gaps` compares the server's answer with the one MongoDB's
documentation gives. On SecantusDB:

- ``test_known_gap_is_still_there`` passes while a known gap is there, and fails the day
  upstream fixes it, saying which workaround to remove;
- ``test_mongodb_semantics`` asserts MongoDB's answer; it is a strict xfail for a known gap,
  so a fixed server turns it into a failure too.

Against a real MongoDB (``GOVSPIDER_TEST_MONGODB_URI``) every probe must give MongoDB's answer.
The last tests check the workarounds the docs give, and our own queries through arrays.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from govspider.items import Post
from govspider.storage import CorpusWriter, gaps

UTC = timezone.utc

#: the probes SecantusDB answers wrongly or refuses, and what to remove once it is fixed
KNOWN_GAPS: dict[str, str] = {
    "max-of-joined-field": "the $map form of the dormancy query in docs/embedded-server.md",
    "arrayelemat-of-joined-field": "the $map / $unwind forms in docs/embedded-server.md",
    "project-array-path": "the $map form in docs/embedded-server.md",
    "size-of-array-path": "the $map form in docs/embedded-server.md",
    "in-array-path": "the $map form in docs/embedded-server.md",
    "group-by-array-path": "the $map form in docs/embedded-server.md",
    "distinct-array-path": "the $unwind + $group form in docs/embedded-server.md",
    "lookup-localfield-array-path": "the $unwind-before-$lookup form in docs/embedded-server.md",
    "regex-unicode-property": "the explicit Han ranges in docs/embedded-server.md",
    "regex-posix-class": "the explicit [0-9] classes in docs/embedded-server.md",
    "regex-ascii-classes": "the explicit [0-9A-Za-z_] classes in docs/embedded-server.md",
    "regex-pcre-escapes": "the literal characters / re.escape advice in docs/embedded-server.md",
    "timezone-hour-offset": 'the "+08:00" / "Asia/Shanghai" advice in docs/embedded-server.md',
    "collation-zh-pinyin": "the pypinyin sort in docs/embedded-server.md",
    "text-index": "nothing: govspider search does not need it (docs/embedded-server.md)",
}


@pytest.fixture(scope="module")
def results(mongo_uri: str) -> dict[str, gaps.ProbeResult]:
    """Every probe, run once against the test server."""
    import uuid

    import pymongo

    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_uri, tz_aware=True)
    name = f"test_gaps_{uuid.uuid4().hex[:8]}"
    try:
        yield {r.probe.name: r for r in gaps.check(client[name])}
    finally:
        client.drop_database(name)
        client.close()


@pytest.fixture(scope="module")
def embedded(mongo_uri: str) -> bool:
    import pymongo

    with pymongo.MongoClient(mongo_uri) as client:
        return "secantusVersion" in client.server_info()


def test_known_gaps_are_probes() -> None:
    assert set(KNOWN_GAPS) <= set(gaps.BY_NAME)
    assert {p.name for p in gaps.PROBES if p.gap} == set(KNOWN_GAPS)


@pytest.mark.parametrize("name", sorted(KNOWN_GAPS))
def test_known_gap_is_still_there(name: str, results: dict[str, gaps.ProbeResult],
                                  embedded: bool) -> None:
    if not embedded:
        pytest.skip("a real MongoDB: no SecantusDB gap to detect")
    result = results[name]
    assert result.is_gap, (
        f"SecantusDB now answers {name!r} as MongoDB does: the gap is fixed upstream. Remove "
        f"the workaround ({KNOWN_GAPS[name]}), its KNOWN_GAPS entry and its line in "
        f"docs/embedded-server.md")


@pytest.mark.parametrize("name", [p.name for p in gaps.PROBES])
def test_mongodb_semantics(name: str, results: dict[str, gaps.ProbeResult], embedded: bool,
                           request: pytest.FixtureRequest) -> None:
    """The answer MongoDB documents (``Probe.expected``, with the manual page in ``source``)."""
    if embedded and name in KNOWN_GAPS:
        request.applymarker(pytest.mark.xfail(
            strict=True, reason=f"known SecantusDB gap; if this passes, remove {KNOWN_GAPS[name]}"))
    result = results[name]
    probe = result.probe
    assert result.error is None, f"{probe.construct}: refused: {result.error}"
    assert result.actual == gaps.canonical(probe.expected), probe.construct


def test_results_say_how_the_server_went_wrong(results: dict[str, gaps.ProbeResult],
                                               embedded: bool) -> None:
    if not embedded:
        pytest.skip("SecantusDB only")
    # silently wrong answers, not errors: what made every account "never posted"
    assert results["max-of-joined-field"].status == gaps.WRONG
    assert results["max-of-joined-field"].actual == {"acct:1": None, "acct:2": None}
    assert results["regex-posix-class"].status == gaps.WRONG
    assert results["regex-posix-class"].actual == []
    # refusals carry the server's message
    assert results["regex-unicode-property"].status == gaps.REFUSED
    assert "\\p" in (results["regex-unicode-property"].error or "")


def test_probes_leave_nothing_behind(db: Any) -> None:
    before = set(db.list_collection_names())
    gaps.check(db, ["facet", "text-index"])
    assert set(db.list_collection_names()) == before
    assert gaps.server_name(db).startswith(("SecantusDB ", "MongoDB "))


# ------------------------------------------------------------------ the workarounds, on our data
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _corpus(db: Any) -> None:
    """Three accounts (one never posted) and their posts, stored by the real writer."""
    posts = [Post(_id=f"weibo:{i}", platform="weibo", platform_id=str(i), account_id=acc,
                  text=text, published_at=T0 - timedelta(days=age), media=media)
             for i, (acc, text, age, media) in enumerate([
                 ("weibo:100", "今日全市交通运行平稳", 40, [{"type": "image", "url": "u1"}]),
                 ("weibo:100", "反诈宣传进社区", 3, [{"type": "image", "url": "u2"},
                                                     {"type": "video", "url": "u3"}]),
                 ("weibo:200", "秋季森林防火提示", 90, []),
             ])]
    CorpusWriter(db, crawl_id="t").write(posts)
    db["accounts"].insert_many([{"_id": f"weibo:{n}", "platform": "weibo", "platform_id": str(n)}
                                for n in (100, 200, 300)])


#: the dormancy query of docs/embedded-server.md, in its portable ($map) form
DORMANCY = [
    {"$lookup": {"from": "posts", "localField": "_id", "foreignField": "account_id", "as": "p"}},
    {"$project": {"last_post": {"$max": {"$map": {"input": "$p", "in": "$$this.published_at"}}}}},
    {"$match": {"$or": [{"last_post": None}, {"last_post": {"$lt": T0 - timedelta(days=30)}}]}},
    {"$sort": {"_id": 1}},
]


def test_dormancy_workaround_gives_the_right_accounts(db: Any) -> None:
    _corpus(db)
    rows = list(db["accounts"].aggregate(DORMANCY))
    assert [(r["_id"], r.get("last_post")) for r in rows] == [
        ("weibo:200", T0 - timedelta(days=90)), ("weibo:300", None)]
    # the same query as a researcher first wrote it: right on MongoDB, wrong on SecantusDB
    naive = [dict(DORMANCY[0]), {"$project": {"last_post": {"$max": "$p.published_at"}}},
             *DORMANCY[2:]]
    found = [r["_id"] for r in db["accounts"].aggregate(naive)]
    if "secantusVersion" in db.client.server_info():
        assert found == ["weibo:100", "weibo:200", "weibo:300"]  # "never posted", every one
    else:
        assert found == ["weibo:200", "weibo:300"]


def test_media_type_workarounds(db: Any) -> None:
    _corpus(db)
    mapped = {d["_id"]: d["types"] for d in db["posts"].aggregate(
        [{"$project": {"types": {"$map": {"input": {"$ifNull": ["$media", []]},
                                          "in": "$$this.type"}}}}])}
    assert mapped == {"weibo:0": ["image"], "weibo:1": ["image", "video"], "weibo:2": []}
    counted = {d["_id"]: d["n"] for d in db["posts"].aggregate(
        [{"$unwind": "$media"}, {"$group": {"_id": "$media.type", "n": {"$sum": 1}}}])}
    assert counted == {"image": 2, "video": 1}


def test_our_queries_through_arrays(db: Any, crawl_settings: dict[str, Any]) -> None:
    """The crawler's own queries on array fields (``accounts_completed``) answer right."""
    from scrapy.settings import Settings

    from govspider.pipelines.corpus import Corpus

    _corpus(db)
    db["crawl_runs"].insert_many([
        {"_id": "r1", "accounts_completed": ["weibo:100", "weibo:200"], "finished_at": T0},
        {"_id": "r2", "accounts_completed": ["weibo:200"], "finished_at": T0 + timedelta(hours=1)},
    ])
    crawler = SimpleNamespace(settings=Settings(crawl_settings), spidercls=SimpleNamespace(name="weibo"))
    corpus = Corpus(crawler)
    try:
        assert corpus.completed_at("weibo:100") == T0
        assert corpus.completed_at("weibo:200") == T0 + timedelta(hours=1)
        assert corpus.completed_at("weibo:300") is None
    finally:
        corpus.close()
