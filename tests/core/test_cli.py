"""The govspider command: help everywhere, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govspider.cli", *args], capture_output=True,
                          text=True, input=stdin, cwd=ROOT, env=env, timeout=120)


COMMANDS = [[], ["plugins"], ["parse"], ["detect"], ["scan"], ["crawl"], ["accounts"],
            ["accounts", "import"], ["db"], ["db", "serve"], ["report"], ["demo"], ["schedule"],
            ["sandbox"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "govspider")
def test_help_everywhere(cmd: list[str]) -> None:
    res = run(*cmd, "--help")
    assert res.returncode == 0, res.stderr
    assert "Usage:" in res.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["parse", "noplatform", "x", "/dev/null"], "error: unknown platform 'noplatform'"),
    (["crawl", "nospider"], "error: unknown spider 'nospider'"),
    (["detect", "--detectors", "nodetector", "/dev/null"], "error: unknown detector(s): nodetector"),
    (["detect", "--now", "yesterday-ish", "/dev/null"], "error: --now: not an ISO 8601 time"),
    (["accounts", "import", "/nonexistent/registry.yaml"], "error: cannot read registry"),
    (["schedule", "weibo"], "error: give --every or --cron"),
    (["schedule", "weibo", "--every", "soon"], "error: --every: expected a number"),
    (["nosuchcommand"], "error: No such command"),
])
def test_bad_input_is_one_error_line(args: list[str], message: str) -> None:
    res = run(*args)
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith(message), res.stderr


def test_detect_rejects_non_json_with_line_number(tmp_path: Path) -> None:
    bad = tmp_path / "items.jsonl"
    bad.write_text('{"item_type": "post", "_id": "x:1", "platform": "x", "platform_id": "1"}\nnot json\n')
    res = run("detect", str(bad))
    assert res.returncode == 2 and f"{bad}:2: not JSON" in res.stderr
    assert res.stdout == ""


def test_plugins_json_lists_builtins() -> None:
    res = run("plugins", "--json")
    assert res.returncode == 0, res.stderr
    names = {p["plugin"] for p in json.loads(res.stdout)["plugins"]}
    assert {"weibo", "wechat", "douyin", "appstores", "web", "detectors"} <= names
