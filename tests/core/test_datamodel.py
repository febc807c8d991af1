"""The data dictionary and validators generated from the code (govspider/datamodel.py), the
corpus's normal form (govspider/pipelines/normalize.py) and the validators on the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from govspider import datamodel
from govspider.items import Account, Finding, Page, Post
from govspider.normalform import normalize_account, normalize_post
from govspider.registry import RegistryAccount, region_fields
from govspider.storage import CorpusWriter
from govspider.storage.schema import SCHEMA_VERSION, apply_validators, ensure_indexes
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)


def test_docs_data_dictionary_is_what_the_code_generates() -> None:
    """Drift check: regenerate with `govspider db dictionary --out docs/data-dictionary.md`."""
    assert (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8") \
        == datamodel.render_markdown()


def test_the_dictionary_cli_checks_a_file(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    stale = tmp_path / "dd.md"
    stale.write_text("# old\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "govspider.cli", "db", "dictionary", "--out", str(stale)]
    res = subprocess.run([*cmd, "--check"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert res.returncode == 1 and res.stderr.startswith("error: ") and "differs" in res.stderr
    assert subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT).returncode == 0
    res = subprocess.run([*cmd, "--check"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    res = subprocess.run([sys.executable, "-m", "govspider.cli", "db", "dictionary", "--json"],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    assert json.loads(res.stdout)["posts"]["dependencies"]["text"] == [
        "account_id", "topics", "mentions", "links", "media"]


def test_every_field_is_described_typed_and_in_the_dictionary() -> None:
    text = datamodel.render_markdown()
    for name, spec in datamodel.collections().items():
        assert f"## {name}\n" in text
        for f in spec.fields:
            assert f.description, (name, f.name)
            assert f"| `{f.name}` |" in text
    posts = datamodel.collections()["posts"]
    assert posts.field("deleted").required and posts.field("monitored").required
    assert posts.field("topics").required_with == "text"
    assert posts.field("metrics").values == ("int", "long")
    accounts = datamodel.collections()["accounts"]
    assert accounts.field("first_seen_at").required
    assert accounts.field("last_seen_at").required_with == "crawl_id"  # registry stubs
    # a field a platform declares that the item class does not have is a mistake
    for platform in datamodel.platforms().values():
        for collection, fields in platform.fields.items():
            spec = datamodel.collections()[collection]
            for key in fields:
                assert spec.field(key.split(".", 1)[0]) is not None, (platform.name, key)
                assert "." not in key or key.split(".")[0] in datamodel.DECLARED_KEYS


def _parsed_items(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("item_type") in ("account", "account_metrics", "post", "comment", "app",
                                      "page") and "_id" in value:
            yield value
        for v in value.values():
            yield from _parsed_items(v)
    elif isinstance(value, list):
        for v in value:
            yield from _parsed_items(v)


def test_what_the_parsers_emit_is_in_the_dictionary() -> None:
    """Every item in the parsers' expected fixture outputs uses only fields (and ``extra`` /
    ``metrics`` keys) its platform declares."""
    from govspider.items import COLLECTIONS

    seen: set[str] = set()
    problems = []
    for path in sorted(FIXTURES.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        for item in _parsed_items(data):
            doc = {k: v for k, v in item.items() if k != "item_type"}
            collection = COLLECTIONS[item["item_type"]]
            seen.add(str(datamodel.platform_of(collection, doc)))
            problems += [f"{path.relative_to(FIXTURES)} {doc['_id']}: {p}"
                         for p in datamodel.check_document(collection, doc)
                         if "missing" not in p]  # the normal form and storage fill those
    assert seen >= {"weibo", "wechat", "douyin", "web", "itunes", "myapp", "huawei", "xiaomi"}
    assert not problems, problems[:20]


def test_check_document_names_what_breaks_the_dictionary() -> None:
    stamp = {"first_seen_at": NOW, "last_seen_at": NOW, "crawl_id": "c", "doc_hash": "h"}
    post = {"_id": "wechat:b:1_1", "platform": "wechat", "platform_id": "b:1_1",
            "account_id": "wechat:b", "text": "通知", "topics": [], "mentions": [], "links": [],
            "media": [], "deleted": False, "monitored": True, **stamp}
    assert datamodel.check_document("posts", post) == []
    assert datamodel.check_document("posts", post | {"is_repost": True}) == [
        "is_repost: not declared by wechat"]
    assert datamodel.check_document("posts", post | {"extra": {"bid": "x"}}) == [
        "extra.bid: not declared by wechat"]
    assert datamodel.check_document("posts", post | {"colour": "red"}) == [
        "colour: not in the dictionary"]
    broken = {k: v for k, v in post.items() if k not in ("deleted", "topics")}
    assert sorted(datamodel.check_document("posts", broken)) == [
        "deleted: missing (on every document)", "topics: missing (on every document with text)"]


# ------------------------------------------------------------------------------ normal form
def test_region_is_a_code_and_a_name_is_kept_as_the_name() -> None:
    assert region_fields("440300", "某市") == {"region": "440300", "region_name": "某市"}
    assert region_fields("深圳市") == {"region_name": "深圳市"}
    assert region_fields("深圳", "深圳市") == {"region_name": "深圳市"}
    assert region_fields("") == {}
    assert region_fields("44030") == {"region_name": "44030"}  # not a GB/T 2260 code


def test_normal_form_of_posts_and_accounts() -> None:
    live = Post(_id="douyin:1", platform="douyin", platform_id="1", account_id="douyin:a",
                text="视频", topics=["话题"])
    assert normalize_post(live.__dict__, {"douyin:a"}) == {
        "deleted": False, "mentions": [], "links": [], "media": [], "monitored": True}
    assert live.topics == ["话题"] and live.monitored is True
    original = Post(_id="weibo:9", platform="weibo", platform_id="9", deleted=True)
    normalize_post(original.__dict__, {"weibo:1"})  # a deleted original, author unknown
    assert original.deleted is True and original.monitored is False and original.topics is None
    assert normalize_post(live.__dict__, {"douyin:a"}) == {}  # idempotent
    account = Account(_id="douyin:a", platform="douyin", platform_id="a", ip_region="浙江")
    entry = RegistryAccount(unit="某市公安局", platform="douyin", platform_id="a",
                            region="330100", region_name="杭州市")
    normalize_account(account.__dict__, entry)
    assert (account.unit, account.region, account.region_name, account.ip_region) == (
        "某市公安局", "330100", "杭州市", "浙江")


def test_the_crawl_pipelines_apply_the_normal_form(db: Any, crawl_settings: dict[str, Any],
                                                   tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    from govspider.pipelines.normalize import NormalizePipeline
    from govspider.registry import AccountRegistry
    from govspider.spiders.base import PlatformSpider

    db["accounts"].insert_one({"_id": "weibo:7", "platform": "weibo", "platform_id": "7",
                               "first_seen_at": NOW})
    registry = tmp_path / "r.yaml"
    registry.write_text('version: 1\nunits:\n  - {name: 某局, region: "990100", '
                        'region_name: 某市, accounts: [{platform: weibo, platform_id: "1"}]}\n',
                        encoding="utf-8")
    spidercls = type("TestSpider", (PlatformSpider,), {"name": "t", "platform": "weibo"})
    crawler = get_crawler(spidercls, crawl_settings)
    spider = spidercls()
    spider.registry = AccountRegistry.load(registry)
    pipeline = NormalizePipeline.from_crawler(crawler)
    pipeline.open_spider(spider)
    try:
        posts = [Post(_id=f"weibo:{n}", platform="weibo", platform_id=str(n),
                      account_id=f"weibo:{a}", text="t") for n, a in ((10, 1), (11, 7), (12, 8))]
        for post in posts:
            pipeline.process_item(post, spider)
        assert [p.monitored for p in posts] == [True, True, False]  # registry, stored, other
        account = pipeline.process_item(Account(_id="weibo:1", platform="weibo",
                                                platform_id="1"), spider)
        assert (account.unit, account.region, account.region_name) == ("某局", "990100", "某市")
    finally:
        from govspider.pipelines.corpus import Corpus

        Corpus.for_crawler(crawler).close()


def test_findings_carry_the_unit_and_evidence_dates() -> None:
    from govspider.detection import DetectContext, run_detectors
    from govspider.pipelines.detect import select_detectors

    account = {"item_type": "account", "_id": "weibo:1", "platform": "weibo",
               "platform_id": "1", "name": "某市发布", "unit": "某市人民政府办公室",
               "posts_count": 10}
    post = {"item_type": "post", "_id": "weibo:2", "platform": "weibo", "platform_id": "2",
            "account_id": "weibo:1", "text": "通知",
            "published_at": datetime(2026, 6, 1, tzinfo=timezone.utc)}
    ctx = DetectContext(now=NOW)
    found = list(run_detectors(select_detectors(["dormant_account"]), [account, post], ctx))
    assert found and all(isinstance(f, Finding) and f.unit == "某市人民政府办公室" for f in found)
    evidence = found[0].evidence
    assert isinstance(evidence["last_update"], datetime) and evidence["last_update"].tzinfo
    assert found[0].to_json()["evidence"]["last_update"] == "2026-06-01T08:00:00+08:00"
    page = Page(_id="page:x", url="https://www.example.gov.cn/", platform="web", unit="某局")
    det = select_detectors(["seo_spam"])[0]
    assert det.finding(subject=page.to_dict(), rule="r", message="m", evidence={},
                       ctx=ctx).unit == "某局"


# ------------------------------------------------------------------------------ validators
def _post(n: int, **fields: Any) -> dict[str, Any]:
    return {"item_type": "post", "_id": f"weibo:{n}", "platform": "weibo", "platform_id": str(n),
            "account_id": "weibo:1", "text": "通知", "topics": [], "mentions": [], "links": [],
            "media": [], "deleted": False, "monitored": True} | fields


def test_validators_on_the_server_warn_or_refuse(db: Any) -> None:
    """The embedded server enforces the generated $jsonSchema: `error` refuses a document that
    breaks it (the writer counts it and stores the rest of the batch), `warn` stores it."""
    assert db["meta"].find_one({"_id": "schema"})["schema_version"] == SCHEMA_VERSION
    apply_validators(db, "error")
    writer = CorpusWriter(db, crawl_id="t")
    writer.write([_post(1), _post(2, colour="red"), _post(3, topics=None)])
    assert [d["_id"] for d in db["posts"].find()] == ["weibo:1"]  # no topics with its text
    assert writer.stats.failed["posts"] == 2
    assert "validation" in writer.stats.errors[0]["reason"].lower()
    stub = {"item_type": "post", "_id": "weibo:4", "platform": "weibo", "platform_id": "4",
            "deleted": True, "monitored": False}  # no text: no lists needed
    writer.write([stub])
    assert db["posts"].find_one({"_id": "weibo:4"})["deleted"] is True
    apply_validators(db, "warn")
    CorpusWriter(db, crawl_id="t").write([_post(5, colour="red")])
    assert db["posts"].find_one({"_id": "weibo:5"})["colour"] == "red"
    # the Python validator and the server agree on what is stored
    validator = datamodel.python_validator("posts")
    invalid = {d["_id"] for d in db["posts"].find() if list(validator.iter_errors(d))}
    server = {d["_id"] for d in db["posts"].find(
        {"$nor": [{"$jsonSchema": datamodel.validators()["posts"]}]})}
    assert invalid == server == {"weibo:5"}
    apply_validators(db, "off")
    options = db.command("listCollections", filter={"name": "posts"})["cursor"]["firstBatch"]
    assert not options[0]["options"].get("validator")


def test_an_older_corpus_keeps_its_version_and_gets_no_validators(mongo_client: Any,
                                                                  db_name: str) -> None:
    database = mongo_client[db_name]
    database["meta"].insert_one({"_id": "schema", "schema_version": 1})
    database["posts"].insert_one({"_id": "weibo:1", "platform": "weibo"})
    assert ensure_indexes(database, "error") == 1
    assert database["meta"].find_one()["schema_version"] == 1
    database["posts"].insert_one({"_id": "weibo:2", "colour": "red"})  # no validator yet
    database["meta"].update_one({"_id": "schema"}, {"$set": {"schema_version": 3}})
    from govspider.storage.schema import SchemaVersionError

    with pytest.raises(SchemaVersionError, match="newer"):
        ensure_indexes(database)


def test_an_unknown_validation_action_is_one_error_line(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), GOVSPIDER_SCHEMA_VALIDATION="loud",
               GOVSPIDER_DATA_DIR=str(tmp_path / "data"))
    env.pop("MONGODB_URI", None)
    res = subprocess.run([sys.executable, "-m", "govspider.cli", "db", "migrate"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert res.stderr.startswith("error: GOVSPIDER_SCHEMA_VALIDATION: 'loud'")


def test_findings_of_a_crawl_name_the_unit_of_the_posts_account(tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    from govspider.pipelines.detect import DetectPipeline
    from govspider.registry import AccountRegistry
    from govspider.spiders.base import PlatformSpider

    registry = tmp_path / "r.yaml"
    registry.write_text('version: 1\nunits:\n  - {name: 某局, accounts: '
                        '[{platform: weibo, platform_id: "1"}]}\n', encoding="utf-8")
    spidercls = type("TestSpider", (PlatformSpider,), {"name": "t", "platform": "weibo"})
    crawler = get_crawler(spidercls, {"GOVSPIDER_DETECT_ONLY": ["commercial_ad"],
                                      "GOVSPIDER_NOW": "2026-11-20T12:00:00+08:00"})
    crawler.engine = SimpleNamespace(scraper=None)  # no crawl running: no store pipeline
    spider = spidercls()
    spider.registry = AccountRegistry.load(registry)
    pipe = DetectPipeline.from_crawler(crawler)
    pipe.open_spider(spider)
    found: list[Finding] = []
    pipe.store = SimpleNamespace(add=found.append)
    pipe.process_item(Post(_id="weibo:5", platform="weibo", platform_id="5",
                           account_id="weibo:1", text="正品代购，全网最低价，加微信 abc_shop888 了解详情！"))
    assert found and all(f.unit == "某局" for f in found)
