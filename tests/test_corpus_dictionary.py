"""What the demo stores is what the data dictionary says (issue 15).

Runs `govspider demo` on a small sandbox world into this test's database (every spider,
Douyin through Debian's chromium, the detectors), then checks every stored document of every
collection against the dictionary: no field it does not list, no field or `extra` / `metrics`
key the document's platform does not declare, every field it marks required present; the
same documents against the generated `$jsonSchema` in Python (jsonschema) and on the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from govspider import datamodel

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="the demo's Douyin crawl needs Debian's "
                       "chromium at /usr/bin/chromium"),
    pytest.mark.timeout(900),
]


def test_the_demo_corpus_follows_the_data_dictionary(mongo_uri: str, mongo_client: Any,
                                                     db_name: str, tmp_path: Path) -> None:
    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=db_name,
               GOVSPIDER_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-m", "govspider.cli", "demo", "--size", "6x12",
                          "--sandbox-port", "0", "--out", str(tmp_path / "report")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=840)
    assert res.returncode == 0, res.stderr[-3000:]
    db = mongo_client[db_name]
    stored = set(db.list_collection_names())
    assert {"accounts", "account_metrics", "posts", "comments", "apps", "pages", "findings",
            "crawl_runs", "registry", "meta"} <= stored

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
    assert len(runs) == 5 and len({r["now"] for r in runs}) == 1  # the sandbox's "now"
    assert {f["detected_at"] for f in db["findings"].find()} == {runs[0]["now"]}
    seo = list(db["findings"].find({"detector": "seo_spam"}))
    assert seo and all(f["unit"] and f["platform"] == "web" for f in seo)
    assert db["meta"].find_one({"_id": "schema"})["schema_version"] == 2
