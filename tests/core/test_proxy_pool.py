"""Proxy rotation: requests spread over GOVSPIDER_PROXIES, a proxy the platform pushes back on
is banned and the request goes through another; credentials never reach logs or stats."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from govspider.downloadermiddlewares import ProxyPool, redact_proxy


def test_pool_rotates_and_bans_with_growing_rests():
    now = [0.0]
    pool = ProxyPool(["http://a:1", "http://b:2", "http://c:3"], ban_seconds=10, clock=lambda: now[0])
    assert [pool.choose() for _ in range(4)] == ["http://a:1", "http://b:2", "http://c:3", "http://a:1"]
    assert pool.ban("http://b:2") == 10
    assert {pool.choose() for _ in range(6)} == {"http://a:1", "http://c:3"}
    now[0] = 11
    assert "http://b:2" in {pool.choose() for _ in range(3)}
    assert pool.ban("http://b:2") == 20  # banned again in a row: a longer rest
    pool.ban("http://a:1")
    pool.ban("http://c:3")
    assert pool.choose() == "http://a:1"  # all banned: the one free soonest


def test_credentials_are_redacted():
    assert redact_proxy("http://user:s3cret@proxy.example:3128") == "http://proxy.example:3128"


class Origin(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _proxy(refuse: bool, seen: list[str]) -> ThreadingHTTPServer:
    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)  # a forward proxy gets the absolute URL
            if refuse:  # this address is rate limited by the platform
                self.send_response(429)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with urllib.request.urlopen(self.path, timeout=10) as r:  # noqa: S310
                body = r.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.timeout(180)
def test_a_crawl_moves_off_a_banned_proxy(tmp_path):
    origin = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    bad_seen: list[str] = []
    good_seen: list[str] = []
    bad, good = _proxy(True, bad_seen), _proxy(False, good_seen)
    bad_url = f"http://user:s3cret@127.0.0.1:{bad.server_address[1]}"
    good_url = f"http://127.0.0.1:{good.server_address[1]}"
    base = f"http://127.0.0.1:{origin.server_address[1]}"
    script = tmp_path / "crawl.py"
    script.write_text(f"""
import json, scrapy
from scrapy.crawler import CrawlerProcess
from govspider import settings as gs

class Many(scrapy.Spider):
    name = "many"
    got = []
    async def start(self):
        for i in range(8):
            yield scrapy.Request({base!r} + f"/p{{i}}")
    def parse(self, response):
        self.got.append(json.loads(response.text)["path"])
    def closed(self, reason):
        print("GOT", json.dumps(sorted(self.got)), flush=True)
        print("STATS", json.dumps({{k: v for k, v in self.crawler.stats.get_stats().items()
                                   if k.startswith("govspider/proxy")}}), flush=True)

process = CrawlerProcess({{
    "DOWNLOADER_MIDDLEWARES": gs.DOWNLOADER_MIDDLEWARES, "RETRY_HTTP_CODES": [429],
    "RETRY_TIMES": 3, "GOVSPIDER_BACKOFF_BASE": 0.05, "GOVSPIDER_BACKOFF_JITTER": 0.0,
    "GOVSPIDER_PROXIES": [{bad_url!r}, {good_url!r}], "GOVSPIDER_PROXY_BAN_SECONDS": 600,
    "CONCURRENT_REQUESTS": 1, "LOG_LEVEL": "INFO",
    "TWISTED_REACTOR": gs.TWISTED_REACTOR, "TELNETCONSOLE_ENABLED": False}})
process.crawl(Many)
process.start()
""", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=150)
    for s in (origin, bad, good):
        s.shutdown()
    got = json.loads(next(line[4:] for line in run.stdout.splitlines() if line.startswith("GOT ")))
    stats = json.loads(next(line[6:] for line in run.stdout.splitlines() if line.startswith("STATS ")))
    assert got == sorted(f"/p{i}" for i in range(8)), run.stderr[-3000:]
    # the refusing proxy was tried once, banned, and never used again
    assert len(bad_seen) == 1 and len(good_seen) == 8
    bad_key = f"govspider/proxy/http://127.0.0.1:{bad.server_address[1]}/bans"
    assert stats[bad_key] == 1
    assert "s3cret" not in run.stdout + run.stderr
