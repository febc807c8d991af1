"""`govspider crawl` tells a scheduler or a shell script when a crawl went wrong."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def test_a_crawl_that_understood_nothing_exits_1_with_one_error_line(
        crawl_settings: dict[str, Any], tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on: every request fails
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    registry = tmp_path / "registry.yaml"
    registry.write_text("units:\n- name: 某市测试局\n  accounts:\n"
                        "  - {platform: weibo, platform_id: '5900000099', name: 测试发布}\n",
                        encoding="utf-8")
    cmd = [sys.executable, "-m", "govspider.cli", "crawl", "weibo", "-a", f"accounts={registry}",
           "-s", f"WEIBO_BASE_URL=http://127.0.0.1:{port}/weibo", "-s", "RETRY_TIMES=0"]
    for key, value in crawl_settings.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])["weibo"]
    assert summary["health"]["passed"] is False
    assert any(f.startswith("Responses understood/") for f in summary["health"]["failed"])
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the weibo crawl failed its health checks (")
    assert "Responses understood" in last
