"""`govspider export` against the real embedded server: formats, filters, per-account files,
errors and streaming. The corpus is invented (ids, units, texts)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from govspider.export import ExportError, Selection, export, parse_bound

ROOT = Path(__file__).resolve().parents[1]
UTC = timezone.utc

WEIBO = "weibo:7700000001"
WECHAT = "wechat:MzkxMDAwMDAwMQ=="
DOUYIN = "douyin:MS4wLjABAAAAtest/uid+1"
POLICE, EDUCATION = "测试市公安局", "测试市教育局"


def _corpus(db: Any) -> None:
    db.accounts.insert_many([
        {"_id": WEIBO, "platform": "weibo", "platform_id": "7700000001", "name": "测试公安",
         "unit": POLICE, "followers": 1200, "first_seen_at": datetime(2026, 10, 1, tzinfo=UTC)},
        {"_id": WECHAT, "platform": "wechat", "platform_id": "MzkxMDAwMDAwMQ==", "name": "测试教育",
         "unit": EDUCATION, "first_seen_at": datetime(2026, 10, 2, tzinfo=UTC)},
        {"_id": DOUYIN, "platform": "douyin", "platform_id": "MS4wLjABAAAAtest/uid+1",
         "name": "测试警方", "unit": POLICE, "first_seen_at": datetime(2026, 10, 3, tzinfo=UTC)},
    ])
    db.posts.insert_many([
        # 2026-10-31 17:30 UTC is 2026-11-01 01:30 in China
        {"_id": "weibo:5000000000000001", "platform": "weibo", "platform_id": "5000000000000001",
         "account_id": WEIBO, "text": '=HYPERLINK("http://example.invalid","点我")',
         "published_at": datetime(2026, 10, 31, 17, 30, tzinfo=UTC),
         "metrics": {"reposts": 3, "comments": 5, "likes": 10}, "topics": ["防诈骗", "平安"],
         "media": [{"type": "image", "url": "https://img.example.invalid/1.jpg"}],
         "is_pinned": True, "raw_html": "<p>very long page</p>"},
        {"_id": "weibo:5000000000000002", "platform": "weibo", "platform_id": "5000000000000002",
         "account_id": WEIBO, "text": "-1℃ 降温提醒", "published_at": datetime(2026, 11, 5, 2, tzinfo=UTC),
         "metrics": {"reposts": 0, "comments": 1, "likes": 2}, "topics": []},
        {"_id": "wechat:MzkxMDAwMDAwMQ==:2650000001_1", "platform": "wechat",
         "platform_id": "2650000001_1", "account_id": WECHAT, "title": "开学通知",
         "text": "@全体家长 请注意", "published_at": datetime(2026, 11, 10, 1, tzinfo=UTC),
         "metrics": {"reads": 1000, "likes": 5.5}},
        {"_id": "douyin:7400000000000000001", "platform": "douyin",
         "platform_id": "7400000000000000001", "account_id": DOUYIN, "text": "+反诈宣传",
         "published_at": datetime(2026, 11, 30, 16, 30, tzinfo=UTC),  # 12-01 00:30 China time
         "metrics": {"likes": 40, "shares": 2}, "topics": ["反诈"]},
    ])
    db.comments.insert_many([
        {"_id": "weibo:c1", "platform": "weibo", "platform_id": "c1", "post_id": "weibo:5000000000000001",
         "account_id": WEIBO, "text": "怎么报警？", "is_official": False,
         "published_at": datetime(2026, 11, 1, 3, tzinfo=UTC)},
        {"_id": "weibo:c2", "platform": "weibo", "platform_id": "c2", "post_id": "weibo:5000000000000001",
         "account_id": WEIBO, "text": "请拨打110", "is_official": True, "reply_to": "weibo:c1",
         "published_at": datetime(2026, 11, 1, 4, tzinfo=UTC)},
    ])
    db.account_metrics.insert_many([
        {"_id": f"{WEIBO}@c1", "account_id": WEIBO, "at": datetime(2026, 11, 1, tzinfo=UTC), "followers": 1100},
        {"_id": f"{WEIBO}@c2", "account_id": WEIBO, "at": datetime(2026, 11, 8, tzinfo=UTC), "followers": 1200},
        {"_id": f"{DOUYIN}@c1", "account_id": DOUYIN, "at": datetime(2026, 11, 1, tzinfo=UTC), "followers": 50},
    ])
    db.findings.insert_many([
        {"_id": "finding:a", "detector": "commercial_ad", "severity": "high", "subject_type": "post",
         "subject_id": "weibo:5000000000000001", "account_id": WEIBO, "platform": "weibo",
         "message": "疑似商业广告", "detected_at": datetime(2026, 11, 20, tzinfo=UTC),
         "evidence": {"matched": "点我", "span": [12, 14], "lexicon": {"version": "3"}}},
        {"_id": "finding:b", "detector": "seo_spam", "severity": "high", "subject_type": "page",
         "subject_id": "page:x", "message": "暗链", "detected_at": datetime(2026, 11, 20, tzinfo=UTC)},
    ])
    db.post_versions.insert_many([
        {"_id": "weibo:5000000000000001|h1|0", "post_id": "weibo:5000000000000001", "text": "旧文本",
         "content_hash": "h1", "deleted": False, "seen_at": datetime(2026, 11, 2, tzinfo=UTC)},
        {"_id": "douyin:7400000000000000001|h2|1", "post_id": "douyin:7400000000000000001",
         "content_hash": "h2", "deleted": True, "seen_at": datetime(2026, 12, 2, tzinfo=UTC)},
        {"_id": "weibo:5999|h9|0", "post_id": "weibo:5999", "content_hash": "h9",  # post not stored
         "deleted": False, "seen_at": datetime(2026, 12, 3, tzinfo=UTC)},
    ])


@pytest.fixture
def corpus(db: Any) -> Any:
    _corpus(db)
    return db


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a byte-order mark
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# ---------------------------------------------------------------------------- formats
def test_jsonl_rows_are_flat_with_china_times_and_native_lists(corpus: Any, tmp_path: Path) -> None:
    out = tmp_path / "posts.jsonl"
    summary = export(corpus, Selection("posts"), "jsonl", str(out))
    rows = {r["_id"]: r for r in _jsonl(out)}
    assert summary.rows == 4 and summary.files == [out]
    first = rows["weibo:5000000000000001"]
    assert first["metrics.reposts"] == 3 and "metrics" not in first
    assert first["published_at"] == "2026-11-01T01:30:00+08:00"
    assert first["topics"] == ["防诈骗", "平安"]
    assert first["media"] == [{"type": "image", "url": "https://img.example.invalid/1.jpg"}]
    assert "raw_html" not in first  # left out unless --fields names it
    assert rows["wechat:MzkxMDAwMDAwMQ==:2650000001_1"]["metrics.likes"] == 5.5
    assert not list(tmp_path.glob(".*part*"))


def test_csv_has_bom_escapes_formulas_and_joins_lists(corpus: Any, tmp_path: Path) -> None:
    out = tmp_path / "posts.csv"
    export(corpus, Selection("posts"), "csv", str(out))
    rows = {r["_id"]: r for r in _csv(out)}
    first = rows["weibo:5000000000000001"]
    assert first["text"] == "'" + '=HYPERLINK("http://example.invalid","点我")'
    assert rows["weibo:5000000000000002"]["text"] == "'-1℃ 降温提醒"
    assert rows["wechat:MzkxMDAwMDAwMQ==:2650000001_1"]["text"] == "'@全体家长 请注意"
    assert rows["douyin:7400000000000000001"]["text"] == "'+反诈宣传"
    assert first["topics"] == "防诈骗;平安" and rows["weibo:5000000000000002"]["topics"] == ""
    assert first["metrics.reposts"] == "3" and rows["douyin:7400000000000000001"]["metrics.shares"] == "2"
    assert rows["weibo:5000000000000002"]["metrics.shares"] == ""  # absent: empty, never 0
    assert first["published_at"] == "2026-11-01T01:30:00+08:00"
    assert first["is_pinned"] == "true"
    assert json.loads(first["media"]) == [{"type": "image", "url": "https://img.example.invalid/1.jpg"}]
    # every column of every row, in first-seen order, _id first
    header = next(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert header[0] == "_id" and {"title", "metrics.reads", "metrics.shares"} <= set(header)


def test_parquet_keeps_types_and_china_time_zone(corpus: Any, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "posts.parquet"
    export(corpus, Selection("posts"), "parquet", str(out))
    table = pq.read_table(out)
    schema = table.schema
    assert schema.field("metrics.reposts").type == pa.int64()
    assert schema.field("metrics.likes").type == pa.float64()  # 10 and 5.5
    assert schema.field("topics").type == pa.list_(pa.string())
    assert schema.field("published_at").type == pa.timestamp("ms", tz="Asia/Shanghai")
    assert schema.field("is_pinned").type == pa.bool_()
    rows = {r["_id"]: r for r in table.to_pylist()}
    first = rows["weibo:5000000000000001"]
    assert first["published_at"] == datetime(2026, 10, 31, 17, 30, tzinfo=UTC)
    assert first["published_at"].utcoffset().total_seconds() == 8 * 3600
    assert first["topics"] == ["防诈骗", "平安"] and rows["weibo:5000000000000002"]["topics"] == []
    assert rows["wechat:MzkxMDAwMDAwMQ==:2650000001_1"]["topics"] is None
    assert json.loads(first["media"][0]) == {"type": "image", "url": "https://img.example.invalid/1.jpg"}
    assert first["text"].startswith("=HYPERLINK")  # data, not a spreadsheet: unchanged


def test_xlsx_has_text_cells_dates_in_china_time_and_joined_lists(corpus: Any, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "posts.xlsx"
    export(corpus, Selection("posts"), "xlsx", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "posts"
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in values[1:]}
    first = rows["weibo:5000000000000001"]
    assert first["published_at"] == datetime(2026, 11, 1, 1, 30)  # China wall-clock time
    assert first["topics"] == "防诈骗;平安" and first["metrics.reposts"] == 3
    assert first["is_pinned"] is True
    cells = {c.value: c for c in sheet[2] + sheet[3] + sheet[4] + sheet[5]}
    formula = cells['=HYPERLINK("http://example.invalid","点我")']
    assert formula.data_type == "s"  # stored as text: Excel never runs it


def test_csv_and_jsonl_to_stdout_through_the_cli(corpus: Any, mongo_uri: str) -> None:
    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=corpus.name)
    res = _cli("export", "comments", "--format", "csv", env=env)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout.removeprefix("\ufeff"))))
    assert res.stdout.startswith("\ufeff") and [r["_id"] for r in rows] == ["weibo:c1", "weibo:c2"]
    assert rows[1]["is_official"] == "true" and rows[1]["published_at"] == "2026-11-01T12:00:00+08:00"
    assert res.stderr.strip() == "exported 2 comments rows as csv to standard output"  # no bar: no TTY
    res = _cli("export", "findings", "--quiet", env=env)
    assert res.returncode == 0 and res.stderr == ""
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows[0]["evidence.lexicon.version"] == "3" and rows[0]["evidence.span"] == [12, 14]


# ---------------------------------------------------------------------------- filters
def _ids(db: Any, sel: Selection, tmp_path: Path) -> list[str]:
    out = tmp_path / "x.jsonl"
    export(db, sel, "jsonl", str(out))
    return [r["_id"] for r in _jsonl(out)]


def test_filters(corpus: Any, tmp_path: Path) -> None:
    assert _ids(corpus, Selection("posts", platforms=("weibo",)), tmp_path) == [
        "weibo:5000000000000001", "weibo:5000000000000002"]
    assert _ids(corpus, Selection("posts", units=(POLICE,)), tmp_path) == [
        "douyin:7400000000000000001", "weibo:5000000000000001", "weibo:5000000000000002"]
    assert _ids(corpus, Selection("posts", units=(POLICE,), platforms=("douyin",)), tmp_path) == [
        "douyin:7400000000000000001"]
    assert _ids(corpus, Selection("posts", accounts=(WECHAT,)), tmp_path) == [
        "wechat:MzkxMDAwMDAwMQ==:2650000001_1"]
    # China-time days: 11-01 01:30 China time is in November, 12-01 00:30 is not
    november = Selection("posts", since=parse_bound("2026-11-01", "--since"),
                         until=parse_bound("2026-11-30", "--until", end_of_day=True))
    assert _ids(corpus, november, tmp_path) == [
        "wechat:MzkxMDAwMDAwMQ==:2650000001_1", "weibo:5000000000000001", "weibo:5000000000000002"]
    exact = Selection("posts", since=parse_bound("2026-11-05T10:00:00+08:00", "--since"))
    assert _ids(corpus, exact, tmp_path) == [
        "douyin:7400000000000000001", "wechat:MzkxMDAwMDAwMQ==:2650000001_1", "weibo:5000000000000002"]
    # collections without a platform field: the _id prefix of their account or post
    assert _ids(corpus, Selection("account_metrics", platforms=("douyin",)), tmp_path) == [f"{DOUYIN}@c1"]
    assert _ids(corpus, Selection("post_versions", platforms=("douyin",)), tmp_path) == [
        "douyin:7400000000000000001|h2|1"]
    # post_versions of a unit: through its accounts' posts
    assert _ids(corpus, Selection("post_versions", units=(EDUCATION,)), tmp_path) == []
    assert len(_ids(corpus, Selection("post_versions", units=(POLICE,)), tmp_path)) == 2
    assert _ids(corpus, Selection("findings", since=parse_bound("2026-11-21", "--since")), tmp_path) == []
    assert _ids(corpus, Selection("posts", fields=("_id", "metrics")), tmp_path)[0] == "douyin:7400000000000000001"


def test_fields_choose_and_order_columns(corpus: Any, tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    export(corpus, Selection("posts", fields=("_id", "metrics", "raw_html", "nothing")), "csv", str(out))
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[0] == "_id" and header[-2:] == ["raw_html", "nothing"]
    assert set(header[1:-2]) == {"metrics.reposts", "metrics.comments", "metrics.likes",
                                 "metrics.reads", "metrics.shares"}
    rows = {r["_id"]: r for r in _csv(out)}
    assert rows["weibo:5000000000000001"]["raw_html"] == "<p>very long page</p>"


def test_per_account_writes_one_file_per_account(corpus: Any, tmp_path: Path) -> None:
    out = tmp_path / "by_account"
    summary = export(corpus, Selection("posts", platforms=("weibo", "douyin")), "csv", str(out),
                     per_account=True)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["douyin_MS4wLjABAAAAtest%2Fuid%2B1.csv", "weibo_7700000001.csv"]
    assert summary.rows == 3 and len(summary.files) == 2
    assert [r["_id"] for r in _csv(out / "weibo_7700000001.csv")] == [
        "weibo:5000000000000001", "weibo:5000000000000002"]
    findings = tmp_path / "findings"
    export(corpus, Selection("findings"), "jsonl", str(findings), per_account=True)
    assert sorted(p.name for p in findings.iterdir()) == ["no_account.jsonl", "weibo_7700000001.jsonl"]
    assert [r["_id"] for r in _jsonl(findings / "no_account.jsonl")] == ["finding:b"]
    versions = tmp_path / "versions"
    export(corpus, Selection("post_versions"), "parquet", str(versions), per_account=True)
    assert sorted(p.name for p in versions.iterdir()) == [
        "douyin_MS4wLjABAAAAtest%2Fuid%2B1.parquet", "no_account.parquet", "weibo_7700000001.parquet"]
    import pyarrow.parquet as pq

    assert pq.read_table(versions / "no_account.parquet").column("_id").to_pylist() == ["weibo:5999|h9|0"]
    assert pq.read_table(versions / "weibo_7700000001.parquet").column("_id").to_pylist() == [
        "weibo:5000000000000001|h1|0"]


class _WriteBetweenPasses:
    """A progress object that stores a post while the export is between its two passes."""

    def __init__(self, db: Any, doc: dict[str, Any]) -> None:
        self.db, self.doc = db, doc

    def start(self, description: str, total: int) -> None:
        if description.endswith("rows") and self.doc:
            self.db.posts.insert_one(self.doc)
            self.doc = None

    def advance(self, n: int) -> None:
        pass


def test_a_corpus_written_during_the_export_is_reported(corpus: Any, tmp_path: Path) -> None:
    late = {"_id": "weibo:5000000000000003", "platform": "weibo", "account_id": WEIBO,
            "metrics": {"reposts": 1.5}, "poll": {"votes": 3}}
    out = tmp_path / "p.csv"
    summary = export(corpus, Selection("posts"), "csv", str(out),
                     progress=_WriteBetweenPasses(corpus, late))
    assert summary.late_columns == {"poll.votes"} and summary.rows == 5
    assert "poll.votes" not in out.read_text(encoding="utf-8-sig").splitlines()[0]
    late.update(_id="weibo:5000000000000004", metrics={"reposts": "很多"})  # float64 so far
    with pytest.raises(ExportError, match="column metrics.reposts changed type"):
        export(corpus, Selection("posts"), "parquet", str(tmp_path / "p.parquet"),
               progress=_WriteBetweenPasses(corpus, late))
    douyin = {"_id": "douyin:5", "platform": "douyin", "account_id": DOUYIN,
              "metrics": {"likes": "很多"}}  # int64 so far in the first file, douyin's
    with pytest.raises(ExportError, match="column metrics.likes changed type"):
        export(corpus, Selection("posts"), "parquet", str(tmp_path / "new" / "dir"),
               per_account=True, progress=_WriteBetweenPasses(corpus, douyin))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]  # nothing half-written


def test_selection_errors(corpus: Any, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown collection 'postz'"):
        export(corpus, Selection("postz"), "jsonl", str(tmp_path / "x"))
    with pytest.raises(ExportError, match="--platform does not apply to crawl_runs"):
        export(corpus, Selection("crawl_runs", platforms=("weibo",)), "jsonl", str(tmp_path / "x"))
    with pytest.raises(ExportError, match="--unit does not apply to apps"):
        export(corpus, Selection("apps", units=(POLICE,)), "csv", str(tmp_path / "x.csv"))
    with pytest.raises(ExportError, match=f"no account of unit 某县 .*units: {POLICE}, {EDUCATION}"):
        export(corpus, Selection("posts", units=("某县",)), "csv", str(tmp_path / "x.csv"))
    with pytest.raises(ExportError, match="parquet is a binary format"):
        export(corpus, Selection("posts"), "parquet", None)
    with pytest.raises(ExportError, match="--since: not an ISO 8601"):
        parse_bound("last week", "--since")
    assert not list(tmp_path.iterdir())


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govspider.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_help() -> None:
    res = _cli("export", "--help", env=dict(os.environ))
    assert res.returncode == 0 and "export [OPTIONS] COLLECTION" in res.stdout
    assert "findings.detected_at" in res.stdout and "--per-account" in res.stdout


def test_cli_errors_are_one_line_and_write_nothing(corpus: Any, mongo_uri: str, tmp_path: Path) -> None:
    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=corpus.name)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    cases = [
        (["export", "postz"], "unknown collection 'postz' (exportable: accounts,"),
        (["export", "posts", "--since", "2026-13-01"], "--since: not an ISO 8601 date or time"),
        (["export", "posts", "--format", "docx"], "unknown format 'docx' (formats: jsonl, csv, parquet, xlsx)"),
        (["export", "posts", "--out", str(tmp_path / "p.txt")], "cannot tell the format of"),
        (["export", "posts", "--out", str(tmp_path / "no" / "such" / "p.csv")],
         "No such file or directory"),
        (["export", "posts", "--format", "xlsx"], "xlsx is a binary format: give --out FILE"),
        (["export", "posts", "--unit", "某县"], "no account of unit 某县"),
        (["export", "posts", "--out", str(tmp_path)], "is a directory"),
    ]
    if os.geteuid() != 0:  # root writes anywhere
        cases.append((["export", "posts", "--out", str(locked / "p.csv")], "Permission denied"))
    for args, message in cases:
        res = _cli(*args, env=env)
        assert res.returncode == 2, (args, res.stderr)
        assert res.stdout == "" and res.stderr.count("\n") == 1, (args, res.stderr)
        assert res.stderr.startswith("error: ") and message in res.stderr, (args, res.stderr)
    locked.chmod(0o700)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked"] and not list(locked.iterdir())


def test_cli_writes_the_file_named_by_out(corpus: Any, mongo_uri: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=corpus.name)
    res = _cli("export", "posts", "--unit", POLICE, "--since", "2026-11-01", "--out",
               str(tmp_path / "police.parquet"), env=env)
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == f"exported 3 posts rows as parquet to {tmp_path / 'police.parquet'}"
    assert pq.read_table(tmp_path / "police.parquet").num_rows == 3


# ---------------------------------------------------------------------------- streaming
def _posts(n: int, start: int) -> list[dict[str, Any]]:
    return [{"_id": f"weibo:{start + i:016d}", "platform": "weibo", "platform_id": str(start + i),
             "account_id": WEIBO, "text": f"第{i}条 " + "政务信息公开" * 40,
             "published_at": datetime(2026, 11, 1, tzinfo=UTC), "topics": ["测试", str(i % 7)],
             "metrics": {"reposts": i, "likes": i * 2}} for i in range(n)]


def _peak(db: Any, fmt: str, out: Path) -> int:
    tracemalloc.start()
    try:
        export(db, Selection("posts"), fmt, str(out), batch_size=100)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "xlsx"])
def test_memory_does_not_grow_with_the_export(db: Any, tmp_path: Path, fmt: str) -> None:
    """Export 400 and then 3,200 posts: a streaming export peaks at about the same memory
    (reading every document first would need 8 times as much)."""
    db.posts.insert_many(_posts(400, 1))
    _peak(db, fmt, tmp_path / f"warm.{fmt}")  # imports and caches out of the measure
    small = _peak(db, fmt, tmp_path / f"small.{fmt}")
    db.posts.insert_many(_posts(2800, 10_000))
    large = _peak(db, fmt, tmp_path / f"large.{fmt}")
    assert large < 1.5 * small, (small, large)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(tmp_path / "large.parquet").metadata
        assert meta.num_rows == 3200 and meta.num_row_groups == 32  # one per batch of 100
