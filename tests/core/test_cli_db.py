"""Commands that touch the corpus: accounts import, metrics import, db serve."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pymongo

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = """version: 1
units:
  - name: 某市公安局
    region: "990100"
    level: city
    accounts:
      - {platform: weibo, platform_id: "6100000001", name: 某市公安}
    apps:
      - {name: 某市警务通, developer: 某市公安局, package: cn.gov.example.police}
"""


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govspider.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_accounts_and_metrics_import(mongo_uri: str, db_name: str, mongo_client: Any,
                                     tmp_path: Path) -> None:
    env = dict(os.environ, MONGODB_URI=mongo_uri, MONGODB_DATABASE=db_name)
    (tmp_path / "r.yaml").write_text(REGISTRY, encoding="utf-8")
    res = cli("accounts", "import", str(tmp_path / "r.yaml"), env=env)
    assert res.returncode == 0, res.stderr
    assert "imported 1 units, 1 accounts, 1 apps" in res.stdout
    db = mongo_client[db_name]
    assert db.accounts.find_one({"_id": "weibo:6100000001"})["unit"] == "某市公安局"
    assert db.registry.find_one({"_id": "某市公安局"})["apps"][0]["package"] == "cn.gov.example.police"
    (tmp_path / "m.jsonl").write_text(
        '{"account_id": "weibo:6100000001", "at": "2026-11-01T12:00:00+08:00", "followers": 10}\n'
        '{"account_id": "weibo:6100000001", "at": "2026-11-02T12:00:00+08:00", "followers": 12}\n')
    res = cli("metrics", "import", str(tmp_path / "m.jsonl"), env=env)
    assert res.returncode == 0 and "imported 2 metric points" in res.stdout, res.stderr
    assert db.account_metrics.count_documents({"account_id": "weibo:6100000001"}) == 2
    (tmp_path / "bad.jsonl").write_text('{"account_id": "weibo:1", "followers": 3}\n')
    res = cli("metrics", "import", str(tmp_path / "bad.jsonl"), env=env)
    assert res.returncode == 2 and res.stderr.startswith("error: ") and "1" in res.stderr
    assert db.account_metrics.count_documents({}) == 2  # nothing half-written


def _line_with(proc: subprocess.Popen, text: str, timeout: float) -> str:
    """``proc``'s stdout up to the first line holding ``text`` (blocking reads: the test's own
    timeout bounds them). Read here, not by ``communicate()``, which reads the pipe past what
    this wrapper buffered."""
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
        if text in line:
            return seen
    raise AssertionError(f"no line with {text!r} from {proc.args}: {seen!r}")


def test_db_serve_answers_mongodb_clients(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env["GOVSPIDER_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen([sys.executable, "-m", "govspider.cli", "db", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the port answers as soon as the server listens, a moment before the command says
        # where it serves: wait for that line (on a loaded machine the client was faster)
        first = _line_with(proc, "Press Ctrl-C to stop.", timeout=120)
        assert f"127.0.0.1:{port}" in first
        client: pymongo.MongoClient = pymongo.MongoClient(
            f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=60000)
        client.govspider.posts.insert_one({"_id": "weibo:1", "text": "通知"})
        assert client.govspider.posts.find_one({"_id": "weibo:1"})["text"] == "通知"
        client.close()
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert (tmp_path / "data" / "mongo").is_dir()  # data kept on disk after a clean stop
    time.sleep(0.2)
