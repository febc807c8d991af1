"""What the demo stores is what the data dictionary says (issue 15).

Runs `govspider demo` on a small sandbox world into this module's database (every spider,
Douyin through Debian's chromium, a second pass of the social platforms against the world's
generation 1, the detectors), then checks every stored document of every collection against
the dictionary: no field it does not list, no field or `extra` / `metrics` key the document's
platform does not declare, every field it marks required present; the same documents against
the generated `$jsonSchema` in Python (jsonschema) and on the server. The same corpus holds the
second pass's edits and deletions (`post_versions`, checked against the world) and the archived
responses (`raw_responses`) its findings cite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govspider import datamodel
from govspider.sandbox.world import World
from govspider.storage.raw import body_of, raw_id

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
#: the demo's world (the demo's default seed)
SIZE, SEED = "6x12", 7

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="the demo's Douyin crawl needs Debian's "
                       "chromium at /usr/bin/chromium"),
    pytest.mark.timeout(900),
]


@pytest.fixture(scope="module")
def demo_db(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The database `govspider demo` filled (run once for this module's tests)."""
    import pymongo

    tmp_path = tmp_path_factory.mktemp("demo")
    name = f"test_{uuid.uuid4().hex[:12]}"
    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=name,
               GOVSPIDER_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_uri, tz_aware=True)
    try:
        res = subprocess.run([sys.executable, "-m", "govspider.cli", "demo", "--size", SIZE,
                              "--seed", str(SEED), "--sandbox-port", "0",
                              "--out", str(tmp_path / "report")],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=840)
        assert res.returncode == 0, res.stderr[-3000:]
        yield client[name]
    finally:
        client.drop_database(name)
        client.close()


def test_the_demo_corpus_follows_the_data_dictionary(demo_db: Any) -> None:
    db = demo_db
    stored = set(db.list_collection_names())
    assert {"accounts", "account_metrics", "posts", "comments", "apps", "pages", "findings",
            "crawl_runs", "registry", "meta", "post_versions", "raw_responses"} <= stored

    specs = datamodel.collections()
    assert stored - set(specs) == set(), "a collection the dictionary does not list"
    problems: dict[str, list[str]] = defaultdict(list)
    platforms: dict[str, set[str]] = defaultdict(set)
    for name in sorted(stored):
        validator = datamodel.python_validator(name)
        for doc in db[name].find():
            problems[name] += [f"{doc['_id']}: {p}" for p in datamodel.check_document(name, doc)]
            problems[name] += [f"{doc['_id']}: {e.message}" for e in validator.iter_errors(doc)]
            if specs[name].per_platform:
                platforms[name].add(str(datamodel.platform_of(name, doc)))
        if specs[name].validated:
            assert db[name].count_documents(
                {"$nor": [{"$jsonSchema": datamodel.validators()[name]}]}) == 0, name
    assert not any(problems.values()), {k: v[:10] for k, v in problems.items() if v}
    # the demo exercised every built-in platform's documents
    assert platforms["posts"] == {"weibo", "wechat", "douyin"}
    assert platforms["accounts"] == {"weibo", "wechat", "douyin"}
    assert platforms["pages"] == {"web"}
    assert platforms["apps"] and platforms["apps"] <= {"itunes", "myapp", "huawei", "xiaomi"}

    # the rules the dictionary cannot show by itself
    for account in db["accounts"].find():
        posted = db["posts"].find_one({"account_id": account["_id"], "deleted": False})
        assert posted is None or account.get("last_post_at"), account["_id"]  # every platform
        assert "region" not in account or len(account["region"]) == 6
    runs = list(db["crawl_runs"].find())
    # every spider once, then the platforms whose sandbox world holds accounts again (generation 1)
    assert Counter(r["spider"] for r in runs) == {"weibo": 2, "wechat": 2, "douyin": 2,
                                                  "appstores": 1, "web": 1}
    assert len({r["now"] for r in runs}) == 1  # the sandbox's "now", the same for both passes
    assert {f["detected_at"] for f in db["findings"].find()} == {runs[0]["now"]}
    seo = list(db["findings"].find({"detector": "seo_spam"}))
    assert seo and all(f["unit"] and f["platform"] == "web" for f in seo)
    assert db["meta"].find_one({"_id": "schema"})["schema_version"] == 2


def squash(text: str | None) -> str:
    """A text without whitespace (an article page breaks its text into paragraphs)."""
    return "".join((text or "").split())


def test_the_demo_corpus_keeps_edits_deletions_and_archived_responses(demo_db: Any) -> None:
    db = demo_db
    world = World(seed=SEED, size=SIZE, generation=1)
    posts = {p.corpus_id: p for acc in world.accounts()
             for p in [*world.posts(acc, 0, world.post_count(acc)), *world.pinned(acc)]}

    # the second pass recorded generation 1's edits and deletions, and nothing else
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for version in db["post_versions"].find().sort([("post_id", 1), ("seen_at", 1)]):
        versions[version["post_id"]].append(version)
    edited = {pid for pid, vs in versions.items()
              if len({v.get("content_hash") for v in vs if not v["deleted"]}) > 1}
    deleted = {pid for pid, vs in versions.items() if any(v["deleted"] for v in vs)}
    assert edited and deleted and set(versions) == edited | deleted
    for pid in edited:
        assert posts[pid].edited_text, f"{pid}: a version the world did not make"
        states = [v for v in versions[pid] if not v["deleted"]]
        assert squash(states[0]["text"]) == squash(posts[pid].original_text), pid
        assert squash(states[-1]["text"]) == squash(posts[pid].edited_text), pid
        stored = db["posts"].find_one({"_id": pid})
        assert squash(stored["text"]) == squash(posts[pid].edited_text), pid
        assert stored["content_hash"] == states[-1]["content_hash"]
    for pid in deleted:
        assert posts[pid].deleted_since, f"{pid}: deleted, but not by the world"
        assert not versions[pid][0]["deleted"] and versions[pid][-1]["deleted"], pid
        assert db["posts"].find_one({"_id": pid})["deleted"] is True

    # every crawled document points at the archived response it came from
    archived = {doc["_id"] for doc in db["raw_responses"].find({}, {"_id": 1})}
    assert archived
    for name in ("posts", "comments", "apps", "pages"):
        cited = {doc.get("raw_response_id") for doc in db[name].find({}, {"raw_response_id": 1})}
        assert cited and None not in cited and cited <= archived, name
    # ... and so do the findings on them: the archived body holds their subject
    collection = {"post": "posts", "comment": "comments", "app": "apps", "page": "pages"}
    cited_findings: Counter[str] = Counter()
    for finding in db["findings"].find({"subject_type": {"$in": list(collection)}}):
        subject = db[collection[finding["subject_type"]]].find_one({"_id": finding["subject_id"]})
        rid = finding["evidence"].get("raw_response_id")
        assert rid is not None and rid == subject["raw_response_id"], finding["_id"]
        raw = db["raw_responses"].find_one({"_id": rid})
        body = body_of(raw)
        assert raw_id(body) == rid
        text = body.decode("utf-8", "replace")
        # a post, comment or app by its platform id; an article or web page by its title
        named = [v for v in (subject.get("platform_id"), subject.get("title")) if v]
        assert any(v in text for v in named), (finding["_id"], named, raw["url"])
        if finding["subject_type"] == "page":
            assert raw["url"] == subject["url"]
        cited_findings[finding["subject_type"]] += 1
    assert cited_findings["post"] and cited_findings["page"] and cited_findings["app"]
    # a post deleted since it was seen whole still points at the response holding its text,
    # not at the platform's notice
    for pid in deleted:
        post = db["posts"].find_one({"_id": pid})
        text = body_of(db["raw_responses"].find_one({"_id": post["raw_response_id"]}))
        assert post["platform_id"] in text.decode("utf-8", "replace"), pid
