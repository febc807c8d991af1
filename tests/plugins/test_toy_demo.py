"""A third-party platform appears in the demo and the report with no change in ``govspider/``.

``govspider demo`` runs in a subprocess in which the Toy plugin (``tests/plugins/toyplatform``)
is installed the way a third-party package is: a distribution's metadata with a ``govspider``
entry point, found on ``PYTHONPATH`` (:func:`tests.plugins.toyplatform.testing.installed_env`).
The demo's own subprocesses (the sandbox, the crawl, the metrics import) inherit it. Nothing
of govspider is patched, and this test process's plugins stay without Toy.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from govspider.plugins import installed_plugins
from govspider.sandbox.world import World
from tests.plugins.toyplatform import LABEL, NAME
from tests.plugins.toyplatform.testing import installed_env, toy_registry

SIZE = "12x12"  # 12 accounts over the 4 account platforms: 3 units, 12 posts per account


@pytest.mark.slow
def test_toy_in_the_demo_corpus_scores_and_report(mongo_uri: str, db_name: str, mongo_client: Any,
                                                  tmp_path: Path) -> None:
    env = {**installed_env(tmp_path / "site"), "MONGODB_URI": mongo_uri, "MONGODB_DATABASE": db_name,
           "GOVSPIDER_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    listed = subprocess.run([sys.executable, "-m", "govspider.cli", "plugins"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "govspider-toyplatform" in listed.stdout and "spiders: toy" in listed.stdout

    out = tmp_path / "report"
    proc = subprocess.run(
        [sys.executable, "-m", "govspider.cli", "demo", "--spiders", NAME, "--size", SIZE, "--seed", "7",
         "--no-troubles", "--sandbox-port", "0", "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert f"✓ {NAME}" in proc.stderr
    assert NAME not in installed_plugins().platforms  # registered in the subprocesses only

    # the corpus: what the sandbox world holds for Toy, crawled through the sandbox
    world = World(seed=7, size=SIZE, plugins=toy_registry())  # the demo's world, in-process
    toys = world.accounts(NAME)
    assert len(toys) == 3
    db = mongo_client[db_name]
    stored = {d["_id"]: d for d in db["accounts"].find({"platform": NAME})}
    assert set(stored) == {a.corpus_id for a in toys}
    for acc in toys:
        doc = stored[acc.corpus_id]
        assert (doc["name"], doc["followers"], doc["verified"]) == (acc.name, acc.followers, acc.verified)
        expected = {p.corpus_id for p in world.posts(acc, 0, world.post_count(acc)) + world.pinned(acc)
                    if not p.deleted}
        assert {p["_id"] for p in db["posts"].find({"account_id": acc.corpus_id})} == expected
    # the first crawl and the demo's second pass (against the world's generation 1)
    runs = list(db["crawl_runs"].find({"spider": NAME}))
    assert len(runs) == 2 and all(r["finish_reason"] == "finished" for r in runs)
    assert db["posts"].count_documents({"platform": {"$ne": NAME}}) == 0  # only Toy was crawled

    # the planted cases: the sandbox planted some on Toy accounts; the detectors found them
    truth = json.loads((tmp_path / "data" / "ground_truth.json").read_text(encoding="utf-8"))
    planted = [r for r in truth if str(r.get("account_id", "")).startswith(f"{NAME}:")]
    assert planted == [r for r in json.loads(json.dumps(world.ground_truth(), default=str))
                       if str(r.get("account_id", "")).startswith(f"{NAME}:")]
    positives = [r for r in planted if r["label"]]
    assert positives, "the world plants no case on Toy accounts: choose another size or seed"
    scores = json.loads((out / "ground_truth_scores.json").read_text(encoding="utf-8"))
    findings = {(f["detector"], f["subject_id"]) for f in db["findings"].find({"platform": NAME})}
    for row in positives:
        assert (row["detector"], row["subject_id"]) in findings, row
        assert row["subject_id"] not in scores[row["detector"]]["missed"]
        assert scores[row["detector"]]["tp"] >= 1
    for row in planted:
        if not row["label"]:  # hard negatives on Toy stay unflagged
            assert row["subject_id"] not in scores[row["detector"]]["false_positives"], row

    # the report: Toy under its label, its findings listed
    assert LABEL in (out / "index.html").read_text(encoding="utf-8")
    card = json.loads((out / "scorecard.json").read_text(encoding="utf-8"))
    toy_card = next(p for p in card["platforms"] if p["key"] == NAME)
    assert toy_card["label"] == LABEL and toy_card["accounts"] == len(toys)
    with open(out / "findings.csv", encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["platform"] == NAME]
    assert {(r["detector"], r["subject_id"]) for r in rows} == findings
