"""Full-text search (``govspider.storage.search_index``): correct against a Python scan of an
invented corpus, fresh after every write, and the ``search`` / ``db index-text`` commands."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from govspider.items import Comment, Post
from govspider.sandbox import text as sandbox_text
from govspider.storage import CorpusWriter
from govspider.storage.search_index import (
    SEGMENTS,
    Filters,
    index_text,
    normalized,
    search,
    searchable_text,
)

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)

#: the tricky texts: punctuation, emoji, mixed Latin and digits, traditional script, full-width
#: forms, a zero-width space; (platform, account, title, text)
TRICKY = [
    ("weibo", "weibo:1", None, "今日全市交通运行平稳，请市民注意出行安全。#平安出行#"),
    ("weibo", "weibo:1", None, "【警方提示】反诈宣传进社区！！请勿轻信“刷单返利”😀👍"),
    ("weibo", "weibo:2", None, "iPhone 15 Pro 发布会 2026年11月20日 10:00 直播"),
    ("wechat", "wechat:A", "關於開展2026年度政務公開工作的通知", "各單位：請於本週內報送材料。"),
    ("wechat", "wechat:A", "关于开展2026年度政务公开工作的通知", "各单位：请于本周内报送材料。"),
    ("weibo", "weibo:2", None, "ＡＢＣ全角字母和１２３全角数字"),
    ("weibo", "weibo:2", None, "含零宽\u200b字符的文本"),
    ("douyin", "douyin:x", None, "emoji 🇨🇳 国旗 and ❤️ 心 [微笑][赞]"),
    ("weibo", "weibo:1", None, "网址 https://www.gov.cn/zhengce/ 和邮箱 test@example.com"),
    ("weibo", "weibo:2", None, "標點符號：「引號」、『書名號』……"),
    ("weibo", "weibo:1", None, "江城市公安局 江城发布 江城"),
    ("wechat", "wechat:A", "关于疫苗接种的通知", "请于本周内完成接种。"),
]
COMMENTS = ["请问什么时候开始接种？", "已解决，谢谢！", "反诈 反诈 反诈", "我在江城市人民广场",
            "小编辛苦了[心]", "ABC abc ＡＢＣ", "疫苗接種點在哪裡？"]
QUERIES = ["反诈", "政务公开", "政務公開", "2026", "abc", "ABC", "零宽字符", "🇨🇳", "❤", "[微笑]",
           "gov.cn", "「引号」", "……", "疫苗接种的通知", "接种", "江", "。", "@", "15 pro",
           "不存在的内容", "书名号", "本周内"]


def _posts(n_filler: int = 150) -> list[Post]:
    rng = random.Random(5)
    ctx = {"r": "江城", "full": "江城市", "org": "江城市公安局", "date": "11月20日", "year": "2026",
           "short": "江城", "unit": "江城市公安局"}
    rows = list(TRICKY) + [
        (rng.choice(["weibo", "wechat"]), f"weibo:{rng.randrange(5)}", None,
         "".join(sandbox_text.gov_sentences(rng, rng.choice(list(sandbox_text.TOPICS)), ctx,
                                            rng.randint(1, 4))))
        for _ in range(n_filler)]
    return [Post(_id=f"{plat}:{i}", platform=plat, platform_id=str(i), account_id=acc, title=title,
                 text=text, published_at=T0 - timedelta(hours=i)) for i, (plat, acc, title, text)
            in enumerate(rows)]


def _comments() -> list[Comment]:
    return [Comment(_id=f"weibo:c{i}", platform="weibo", platform_id=f"c{i}", post_id="weibo:0",
                    account_id="weibo:1", text=text, published_at=T0 - timedelta(minutes=i))
            for i, text in enumerate(COMMENTS)]


def _oracle(items: list[Any], query: str, collection: str) -> set[str]:
    """A Python scan: every document whose normalized text contains the normalized query."""
    q = normalized(query)
    return {i._id for i in items
            if (t := searchable_text(collection, i.to_dict())) is not None and q in normalized(t)}


def _found(db: Any, query: str, collections: tuple[str, ...] = ("posts", "comments"),
           **filters: Any) -> set[str]:
    result = search(db, query, collections, Filters(**filters), limit=0)
    assert result.total == len(result.hits)
    return {h.id for h in result.hits}


@pytest.fixture
def corpus(db: Any) -> tuple[Any, list[Post], list[Comment]]:
    posts, comments = _posts(), _comments()
    CorpusWriter(db, crawl_id="c1", batch_size=50).write([*posts, *comments])
    return db, posts, comments


def _check_against_oracle(db: Any, posts: list[Post], comments: list[Comment],
                          queries: list[str]) -> None:
    for q in queries:
        expected = _oracle(posts, q, "posts") | _oracle(comments, q, "comments")
        assert _found(db, q) == expected, q


def test_search_is_exact_on_tricky_texts(corpus: Any) -> None:
    db, posts, comments = corpus
    _check_against_oracle(db, posts, comments, QUERIES)
    # what normalization buys, spelled out
    assert {"wechat:3", "wechat:4"} <= _found(db, "政務公開")  # traditional finds simplified
    assert {"wechat:3", "wechat:4"} <= _found(db, "政务公开")  # and the other way round
    assert _found(db, "abc") == {"weibo:5", "weibo:c5"} == _found(db, "ＡＢＣ")
    assert _found(db, "零宽字符") == {"weibo:6"}  # the zero-width space is ignored
    assert {"wechat:11", "weibo:c6"} <= _found(db, "疫苗接种")  # a title; a traditional comment
    assert _found(db, "不存在的内容") == set()
    assert "weibo:2" in _found(db, "15 pro")


def test_every_substring_finds_its_document(corpus: Any) -> None:
    """No misses: random substrings (1 to 8 characters) of the stored texts, as queries, find
    their own document, and exactly what a scan finds."""
    db, posts, comments = corpus
    rng = random.Random(11)
    queries = []
    for _ in range(60):
        item = rng.choice(posts + comments)
        raw = searchable_text("posts" if isinstance(item, Post) else "comments", item.to_dict())
        length = rng.randint(1, 8)
        start = rng.randrange(max(1, len(raw) - length))
        q = raw[start:start + length]
        if not normalized(q).strip():
            continue
        assert item._id in _found(db, q), (q, item._id)
        queries.append(q)
    _check_against_oracle(db, posts, comments, queries)


def test_filters_order_and_limit(corpus: Any) -> None:
    db, posts, _ = corpus
    everything = _oracle(posts, "江城", "posts")
    assert _found(db, "江城", ("posts",), platform="wechat") == {
        i for i in everything if i.startswith("wechat:")}
    assert _found(db, "江城", ("posts",), account="weibo:1") == {
        p._id for p in posts if p._id in everything and p.account_id == "weibo:1"}
    since, until = T0 - timedelta(hours=50), T0 - timedelta(hours=10)
    assert _found(db, "江城", ("posts",), since=since, until=until) == {
        p._id for p in posts if p._id in everything and since <= p.published_at < until}
    result = search(db, "江城", ("posts",), limit=5)
    assert result.total == len(everything) and len(result.hits) == 5
    times = [h.published_at for h in result.hits]
    assert times == sorted(times, reverse=True)
    newest = sorted((p for p in posts if p._id in everything), key=lambda p: p.published_at)[-5:]
    assert [h.id for h in result.hits] == [p._id for p in reversed(newest)]
    assert result.hits[0].doc is not None and "江城" in result.hits[0].doc["text"]
    with pytest.raises(ValueError):
        search(db, " \u200b ")


def test_writer_keeps_documents_and_hash_unchanged(db: Any, mongo_client: Any) -> None:
    """The search segments are a collection of their own: a stored post is the same, field for
    field and doc_hash included, with or without them."""
    post = _posts(0)[1]
    other = mongo_client[f"test_{uuid.uuid4().hex[:12]}"]
    try:
        CorpusWriter(db, crawl_id="c").write([post])
        CorpusWriter(other, crawl_id="c", search_index=False).write([post])
        with_index = db.posts.find_one({"_id": post._id}, {"first_seen_at": 0, "last_seen_at": 0})
        without = other.posts.find_one({"_id": post._id}, {"first_seen_at": 0, "last_seen_at": 0})
        assert with_index == without
        assert db[SEGMENTS].count_documents({}) == 1 and SEGMENTS not in other.list_collection_names()
    finally:
        mongo_client.drop_database(other.name)


def test_edits_deletions_and_recrawls(db: Any) -> None:
    post = Post(_id="weibo:9", platform="weibo", platform_id="9", account_id="weibo:1",
                text="原文：明天停水", published_at=T0)
    writer = CorpusWriter(db, crawl_id="c1")
    writer.write([post])
    assert _found(db, "停水") == {"weibo:9"}
    writer.write([post])  # an unchanged re-sighting adds nothing
    assert db[SEGMENTS].count_documents({}) == 1
    edited = Post(**{**post.__dict__, "text": "更正：明天停电"})
    CorpusWriter(db, crawl_id="c2").write([edited])
    assert _found(db, "停水") == set() and _found(db, "停电") == {"weibo:9"}
    # a deletion without text keeps the last text searchable (the post itself says deleted)
    gone = Post(_id="weibo:9", platform="weibo", platform_id="9", deleted=True)
    CorpusWriter(db, crawl_id="c3").write([gone])
    hits = search(db, "停电").hits
    assert [h.id for h in hits] == ["weibo:9"] and hits[0].doc["deleted"] is True
    before = db[SEGMENTS].count_documents({})
    stats = index_text(db, ("posts",))
    assert stats[0].mode == "merge" and db[SEGMENTS].count_documents({"texts_of": "posts"}) == 1
    assert before >= 2
    assert _found(db, "停水") == set() and _found(db, "停电") == {"weibo:9"}


def test_index_text_covers_a_corpus_stored_without_it(db: Any) -> None:
    """Documents stored around the writer are still found (by a scan, with a note), and
    ``index_text`` reads them into segments; merging changes no answer."""
    posts, comments = _posts(60), _comments()
    for collection, items in (("posts", posts), ("comments", comments)):
        db[collection].insert_many([{k: v for k, v in i.to_dict().items() if k != "item_type"}
                                    for i in items])
    result = search(db, "反诈")
    assert result.uncovered == {"posts": len(posts), "comments": len(comments)}
    _check_against_oracle(db, posts, comments, QUERIES[:8])
    since = T0 - timedelta(hours=40)
    assert _found(db, "江城", ("posts",), platform="weibo", since=since) == {
        p._id for p in posts if p._id in _oracle(posts, "江城", "posts")
        and p.platform == "weibo" and p.published_at >= since}
    progress: list[tuple[str, int, int]] = []
    stats = index_text(db, progress=lambda *a: progress.append(a))
    assert [(s.collection, s.mode, s.entries) for s in stats] == [
        ("posts", "rebuild", len(posts)), ("comments", "rebuild", len(comments))]
    assert progress[-1] == ("comments", len(comments), len(comments))
    assert search(db, "反诈").uncovered == {}
    _check_against_oracle(db, posts, comments, QUERIES)
    assert [s.mode for s in index_text(db)] == ["current", "current"]
    # new documents through the writer: pending until merged, found either way
    extra = Post(_id="weibo:999", platform="weibo", platform_id="999", account_id="weibo:1",
                 text="新增：反詐騙講座", published_at=T0)
    CorpusWriter(db, crawl_id="c9").write([extra])
    assert search(db, "反诈").pending == 1 and "weibo:999" in _found(db, "反诈")
    assert [s.mode for s in index_text(db, ("posts",))] == ["merge"]
    assert search(db, "反诈").pending == 0 and "weibo:999" in _found(db, "反诈")
    assert index_text(db, ("posts",), rebuild=True)[0].mode == "rebuild"
    _check_against_oracle(db, [*posts, extra], comments, QUERIES)


# ------------------------------------------------------------------------------ the commands
def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govspider.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_search_command(corpus: Any, mongo_uri: str, db_name: str) -> None:
    db, posts, comments = corpus
    db.accounts.insert_one({"_id": "weibo:1", "name": "江城发布"})
    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=db_name)
    res = cli("search", "反诈", env=env)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    expected = _oracle(posts, "反诈", "posts") | _oracle(comments, "反诈", "comments")
    assert lines[0].startswith(f"{len(expected)} match(es) for 「反诈」")
    # newest first: the comment (2026-11-20 09:58 China time) before the post (09:00)
    assert "2026-11-20 09:58  weibo:1 江城发布  comment weibo:c2" in res.stdout
    assert "2026-11-20 09:00  weibo:1 江城发布  post weibo:1" in res.stdout
    assert "【警方提示】»反诈«宣传进社区" in res.stdout
    res = cli("search", "政務公開", "--collection", "posts", "--platform", "wechat", "--json", env=env)
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert {r["_id"] for r in rows} == {"wechat:3", "wechat:4"}
    row = next(r for r in rows if r["_id"] == "wechat:4")
    a, b = row["match"]
    assert row["snippet"][a:b] == "政务公开" and row["published_at"] == "2026-11-20T06:00:00+08:00"
    assert next(r for r in rows if r["_id"] == "wechat:3")["snippet"][a:b] == "政務公開"
    res = cli("search", "江", "--until", "2026-11-19", "--limit", "3", env=env)
    assert res.returncode == 0 and "; the newest 3" in res.stdout.splitlines()[0]
    assert all(line[:10] < "2026-11-20" for line in res.stdout.splitlines()[1::2])
    for bad, message in ((["search"], "give a QUERY"), (["search", "\u200b"], "empty"),
                         (["search", "x", "--since", "yesterday-ish"], "--since"),
                         (["search", "x", "--since", "2026-11-20", "--until", "2026-11-01"], "before")):
        res = cli(*bad, env=env)
        assert res.returncode == 2 and res.stderr.startswith("error: ") and message in res.stderr, bad
        assert len(res.stderr.strip().splitlines()) == 1


def test_index_text_and_reindex_commands(db: Any, mongo_uri: str, db_name: str) -> None:
    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=db_name)
    posts = _posts(30)
    db.posts.insert_many([{k: v for k, v in p.to_dict().items() if k != "item_type"} for p in posts])
    res = cli("search", "反诈", env=env)
    assert res.returncode == 0 and "not in the search index" in res.stderr
    res = cli("db", "index-text", "--collection", "posts", env=env)
    assert res.returncode == 0, res.stderr
    assert f"posts: {len(posts)} documents in 1 search segment(s) (read from the collection" in res.stderr
    res = cli("search", "--reindex", "反诈", env=env)
    assert res.returncode == 0 and "posts: 42 documents" in res.stderr and "already up to date" in res.stderr
    assert "not in the search index" not in res.stderr
    assert res.stdout.startswith(f"{len(_oracle(posts, '反诈', 'posts'))} match(es)")


def test_db_check_command(mongo_uri: str, db_name: str) -> None:
    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=db_name)
    res = cli("db", "gaps", env=env)
    assert res.returncode == 0, res.stderr
    first = res.stdout.splitlines()[0]
    assert " constructs answer as MongoDB documents" in first
    if first.startswith("SecantusDB"):
        assert "WRONG   max-of-joined-field" in res.stdout
        assert "REFUSED regex-unicode-property" in res.stdout
        assert "ok      map-over-array" in res.stdout
        assert "Workarounds: docs/embedded-server.md (array-field-path" in res.stdout
    rows = [json.loads(line) for line in cli("db", "gaps", "--json", env=env).stdout.splitlines()]
    assert {r["probe"] for r in rows} >= {"max-of-joined-field", "facet"}


@pytest.mark.parametrize("cmd", [["search"], ["db", "gaps"], ["db", "index-text"]], ids=" ".join)
def test_help(cmd: list[str]) -> None:
    res = cli(*cmd, "--help", env=dict(os.environ))
    assert res.returncode == 0 and res.stdout.startswith("Usage: ") and "--help" in res.stdout, res.stderr
