"""The sandbox as a subprocess: SandboxServer, the CLI, served web pages, registry files."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse

import pytest

from govspider.registry import AccountRegistry
from govspider.sandbox.server import SandboxServer


def test_settings_and_files(sandbox) -> None:
    assert sandbox.url.startswith("http://127.0.0.1:")
    for name in ("WEIBO_BASE_URL", "WECHAT_BASE_URL", "SOGOU_BASE_URL", "DOUYIN_BASE_URL", "ITUNES_BASE_URL",
                 "MYAPP_BASE_URL", "HUAWEI_BASE_URL", "XIAOMI_BASE_URL", "WEB_BASE_URL"):
        assert sandbox.settings[name].startswith(sandbox.url + "/")
    assert sandbox.settings["GOVSPIDER_NOW"] == "2026-11-20T12:00:00+08:00"
    reg = AccountRegistry.load(sandbox.registry_path)
    assert {a.account_id for a in reg.accounts} == {a.corpus_id for a in sandbox.world.accounts()}
    site = reg.units[sandbox.world.units[0].name]["website"]
    assert site.startswith(sandbox.settings["WEB_BASE_URL"])
    truth = json.loads(sandbox.ground_truth_path.read_text(encoding="utf-8"))
    assert truth == sandbox.world.ground_truth(sandbox.url)
    status, body = sandbox.get("/ground_truth.json")
    assert status == 200 and json.loads(body) == truth
    status, body = sandbox.get("/registry.yaml")
    assert status == 200 and AccountRegistry.from_dict(__import__("yaml").safe_load(body)).accounts == reg.accounts


def test_served_web_pages(sandbox) -> None:
    world = sandbox.world
    for page in world.pages()[:6] + [p for p in world.pages() if p.injected]:
        status, body = sandbox.get("/web" + page.path)
        assert status == 200
        assert body.decode("utf-8") == page.html
    status, body = sandbox.get("/web/gov/00000000/index.html")
    assert status == 404 and "不存在".encode() in body
    status, body = sandbox.get("/web/")
    assert status == 200 and world.units[0].name.encode() in body
    # relative links of the pages resolve to served pages
    index = world.pages()[0]
    for href in ("art/1.html", "art/2.html"):
        url = urllib.parse.urljoin(sandbox.url + "/web" + index.path, href)
        assert sandbox.get(url.removeprefix(sandbox.url))[0] == 200


def test_icons_are_served(sandbox) -> None:
    app = sandbox.world.apps("itunes")[0]
    status, body = sandbox.get(app.icon_url)
    assert status == 200 and body.startswith(b"\x89PNG") and body == sandbox.world.icon_png("itunes", app.app_id)


def test_troubles_on_web_pages() -> None:
    with SandboxServer(seed=7, size="small", now="2026-11-20T12:00:00+08:00",
                       troubles={"captcha": 1.0}) as sb:
        path = "/web" + sb.world.pages()[0].path
        status, first = sb.get(path)
        assert status == 200 and "验证".encode() in first and b"site-name" not in first
        status, second = sb.get(path)
        assert status == 200 and second.decode() == sb.world.pages()[0].html
        assert sb.stats()["troubles"]["captcha"] == 1


def test_generation_one_server() -> None:
    with SandboxServer(seed=7, size="small", now="2026-11-20T12:00:00+08:00", generation=1) as sb:
        assert sb.world.generation == 1
        status, body = sb.get("/")
        assert "generation=1" in json.loads(body)["world"]


def test_a_size_given_as_parameters_serves_the_same_world() -> None:
    """World parameters (a dict) reach the server as they are, whatever the platforms: the
    served registry is the in-process world's (it once assumed three account platforms)."""
    size = {"units": 3, "posts_per_account": 5, "units_per_region": 2}
    with SandboxServer(seed=11, size=size, now="2026-11-20T12:00:00+08:00") as sb:
        reg = AccountRegistry.load(sb.registry_path)
        assert {a.account_id for a in reg.accounts} == {a.corpus_id for a in sb.world.accounts()}
        assert len(sb.world.units) == 3
        status, body = sb.get("/ground_truth.json")
        assert status == 200 and json.loads(body) == sb.world.ground_truth(sb.url)
    bad = subprocess.run([sys.executable, "-m", "govspider.sandbox", "--size", "{units: 3",
                          "--port", "0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "error:" in bad.stderr


def test_cli_help_and_errors(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-m", "govspider.sandbox", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0
    for option in ("--port", "--host", "--seed", "--size", "--now", "--generation", "--troubles",
                   "--write-registry", "--write-ground-truth", "--ready-file"):
        assert option in out.stdout
    bad = subprocess.run([sys.executable, "-m", "govspider.sandbox", "--size", "enormous", "--port", "0"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.splitlines()) == 1
    bad = subprocess.run([sys.executable, "-m", "govspider.sandbox", "--troubles", str(tmp_path / "nope.yaml")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ")


def test_startup_failure_is_reported(tmp_path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("meteor: 1\n")
    with pytest.raises(RuntimeError, match="unknown trouble"):
        SandboxServer(troubles=str(bad)).start()
