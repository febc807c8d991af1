"""Rate discipline: a platform's Retry-After is honoured, backoff grows with jitter, and the
wait really happens before the retry (a real crawl against a local server)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy.http import Request, TextResponse

from govspider.spiders.base import backoff_delay, retry_after


def _resp(headers: dict[str, str]) -> TextResponse:
    return TextResponse("http://x/", status=429, headers=headers, body=b"", request=Request("http://x/"))


def test_retry_after_seconds_and_dates_are_read_and_capped():
    assert retry_after(_resp({"Retry-After": "7"})) == 7.0
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)
    assert 100 <= retry_after(_resp({"Retry-After": later})) <= 120
    assert retry_after(_resp({"Retry-After": "99999"}), ceiling=600) == 600
    for bad in ("soon", "", "nan"):
        assert retry_after(_resp({"Retry-After": bad})) is None
    assert retry_after(_resp({})) is None


def test_backoff_is_exponential_capped_at_least_what_was_asked_and_jittered():
    assert [backoff_delay(a, 2, 300) for a in (1, 2, 3, 10)] == [2, 4, 8, 300]
    assert backoff_delay(1, 2, 300, asked=30) == 30
    draws = {round(backoff_delay(3, 2, 300, jitter=0.25), 6) for _ in range(50)}
    assert len(draws) > 10 and all(8 <= d <= 10 for d in draws)


class _Server:
    """Answers 429 with Retry-After: 2 to the first request, then 200."""

    def __init__(self) -> None:
        self.times: list[float] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.times.append(time.monotonic())
                if len(server.times) == 1:
                    self.send_response(429)
                    self.send_header("Retry-After", "2")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.mark.timeout(120)
def test_a_crawl_waits_as_long_as_retry_after_asks(tmp_path):
    # run in a subprocess: a Twisted reactor cannot be restarted inside the test session
    import subprocess
    import sys

    server = _Server()
    script = tmp_path / "crawl.py"
    script.write_text(f"""
import scrapy
from scrapy.crawler import CrawlerProcess
from govspider import settings as gs

class One(scrapy.Spider):
    name = "one"
    async def start(self):
        yield scrapy.Request({server.url!r})
    def parse(self, response):
        print("STATUS", response.status, flush=True)

process = CrawlerProcess({{
    "DOWNLOADER_MIDDLEWARES": gs.DOWNLOADER_MIDDLEWARES, "RETRY_HTTP_CODES": [429],
    "GOVSPIDER_BACKOFF_BASE": 0.1, "GOVSPIDER_BACKOFF_JITTER": 0.0, "LOG_LEVEL": "WARNING",
    "TWISTED_REACTOR": gs.TWISTED_REACTOR, "TELNETCONSOLE_ENABLED": False}})
process.crawl(One)
process.start()
""", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=100)
    server.httpd.shutdown()
    assert "STATUS 200" in run.stdout, run.stderr[-2000:]
    assert len(server.times) == 2
    waited = server.times[1] - server.times[0]
    assert waited >= 1.9  # Retry-After: 2, not the 0.1 s backoff, not an immediate retry
