"""The ``web`` spider: seeds from ``-a urls=FILE`` and the registry, site scope, depth, and a
crawl of the sandbox's government sites into MongoDB."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pymongo
import pytest
import yaml
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from govspider_plugins.web.spider import WebSpider, in_scope, site_scope
from tests.fixturecases import body as fixture_body

PROJECT = Path(__file__).resolve().parents[2]


def make_spider(tmp_path: Path, registry: dict[str, Any] | None = None, urls: str | None = None,
                **settings: Any) -> WebSpider:
    kwargs: dict[str, Any] = {}
    if registry is not None:
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        kwargs["accounts"] = str(path)
    if urls is not None:
        path = tmp_path / "urls.txt"
        path.write_text(urls, encoding="utf-8")
        kwargs["urls"] = str(path)
    crawler = get_crawler(WebSpider, {"GOVSPIDER_STORE_ENABLED": False,
                                      "GOVSPIDER_DETECT_ENABLED": False, **settings})
    spider = WebSpider.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def test_seeds_from_urls_file_and_registry_websites(tmp_path: Path) -> None:
    registry = {"units": [
        {"name": "青禾市人民政府", "website": "https://www.qinghe.gov.example/"},
        {"name": "松岭县人民政府", "website": ["/gov/s1/index.html", "www.songling.gov.example"]},
        {"name": "无网站单位"},
    ]}
    spider = make_spider(tmp_path, registry, urls="# sites\nhttps://a.gov.example/x/index.html\n\n"
                                                   "https://www.qinghe.gov.example/\n",
                         WEB_BASE_URL="http://127.0.0.1:9/web")
    assert spider.seeds() == [
        ("https://a.gov.example/x/index.html", None),
        ("https://www.qinghe.gov.example/", None),
        ("http://127.0.0.1:9/web/gov/s1/index.html", "松岭县人民政府"),
        ("https://www.songling.gov.example", "松岭县人民政府"),
    ]


def test_relative_website_without_base_url_is_skipped(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(tmp_path, {"units": [{"name": "某局", "website": "/gov/x/index.html"}]})
    assert spider.seeds() == []
    assert "WEB_BASE_URL is unset" in caplog.text


@pytest.mark.parametrize("url,inside", [
    ("http://h.example/web/gov/1/art/1.html", True),
    ("http://h.example/web/gov/1/", True),
    ("http://h.example/web/gov/2/index.html", False),
    ("http://other.example/web/gov/1/a.html", False),
    ("http://h.example/web/gov/1/files/a.pdf", False),
    ("mailto:x@h.example", False),
])
def test_scope_is_the_seeds_host_and_directory(url: str, inside: bool) -> None:
    scope = site_scope("http://h.example/web/gov/1/index.html")
    assert scope == ("h.example", "/web/gov/1/")
    assert in_scope(url, scope) is inside


def test_depth_limits_follow_ups_and_hidden_links_are_not_followed(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, WEB_DEPTH=1)
    url = "https://www.qinghe.gov.example/index.html"
    scope = site_scope(url)
    request = Request(url, meta={"web_depth": 0, "web_scope": scope, "web_unit": None})
    resp = HtmlResponse(url=url, body=fixture_body("web/page/gov_injected"), request=request)
    out = list(spider.parse_page(resp))
    pages = [o for o in out if not isinstance(o, Request)]
    follow = sorted(o.url for o in out if isinstance(o, Request))
    assert len(pages) == 1 and pages[0]._id == "page:" + hashlib.sha1(url.encode()).hexdigest()
    assert follow == [
        "https://www.qinghe.gov.example/",
        "https://www.qinghe.gov.example/art/2025/11/18/art_1_9001.html",
        "https://www.qinghe.gov.example/hdjl/",
        "https://www.qinghe.gov.example/zwfw/index.html",
        "https://www.qinghe.gov.example/zwgk/index.html",
    ]
    deeper = Request(follow[1], meta={"web_depth": 1, "web_scope": scope, "web_unit": None})
    resp = HtmlResponse(url=follow[1], body=fixture_body("web/page/gov_injected"), request=deeper)
    assert [type(o).__name__ for o in spider.parse_page(resp)] == ["Page"]


@pytest.mark.slow
def test_crawl_sandbox_sites(sandbox: Any, crawl_settings: dict[str, Any], db: Any) -> None:
    """Every page of every unit site is stored; injected links are hidden, menus are followed."""
    settings = crawl_settings | {"GOVSPIDER_DETECT_ENABLED": False, "LOG_LEVEL": "INFO",
                                 **sandbox.settings}
    cmd = [str(Path(sys.executable).with_name("scrapy")), "crawl", "web",
           "-a", f"accounts={sandbox.registry_path}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={json.dumps(value) if isinstance(value, (dict, list)) else value}"]
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    world = sandbox.world
    base = sandbox.settings["WEB_BASE_URL"]
    expected = {base + p.path: p for p in world.pages()}
    stored = {d["url"]: d for d in db["pages"].find()}
    assert set(stored) == set(expected)
    for url, page in expected.items():
        doc = stored[url]
        assert doc["_id"] == "page:" + hashlib.sha1(url.encode()).hexdigest()
        assert doc["title"] == page.title and doc["raw_html"] == page.html
        hidden_offsite = [link for link in doc["links"]
                          if link["hidden"] and not link["href"].startswith(base)]
        if {"hidden_links", "offscreen_links", "marquee"} & set(page.kinds):
            assert hidden_offsite, (url, page.kinds)
        else:
            assert not hidden_offsite, (url, page.kinds)
    assert isinstance(db, pymongo.database.Database)
