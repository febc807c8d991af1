"""Webhook alerts against a real local HTTP receiver: formats, signatures, retries, no
credentials in payloads or logs, veto findings sent once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from govspider.alerts import (
    Receiver,
    alert_new_vetoes,
    payload,
    receivers_from,
    send,
    unhealthy_alert,
    veto_alert,
)

TOKEN = "tok-0123456789abcdef"
SECRET = "SECabcdef0123456789"


class Hook:
    """A webhook receiver on a free port; ``answers`` is a queue of (status, body) to give."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.requests.append({"path": self.path, "body": json.loads(body),
                                      "raw": body.decode("utf-8")})
                status, answer = hook.answers.pop(0) if hook.answers else (200, {"errcode": 0})
                data = json.dumps(answer).encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?access_token={TOKEN}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def hook():
    h = Hook()
    yield h
    h.close()


def _no_sleep(_: float) -> None:
    pass


FINDING = {"_id": "finding:1", "detector": "hijacked_account", "indicator": "账号被盗用",
           "severity": "veto", "rule": "spam_burst", "subject_id": "weibo:100", "account_id": "weibo:100",
           "platform": "weibo", "message": "账号在1小时内发布8条商业广告", "status": "open",
           "detected_at": datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)}


@pytest.mark.parametrize("fmt", ["json", "wecom", "dingtalk", "feishu"])
def test_each_format_reaches_the_receiver_in_its_shape(hook, fmt):
    receiver = Receiver(url=hook.url, format=fmt)
    result = send(veto_alert([FINDING], {"weibo:100": {"name": "青澜发布", "unit": "青澜市委宣传部"}}),
                  receiver, sleep=_no_sleep)
    assert result.ok and result.attempts == 1
    (req,) = hook.requests
    body = req["body"]
    text = json.dumps(body, ensure_ascii=False)
    assert "青澜发布" in text and "单项否决" in text
    if fmt == "wecom":
        assert body["msgtype"] == "markdown" and "青澜市委宣传部" in body["markdown"]["content"]
    elif fmt == "dingtalk":
        assert body["msgtype"] == "markdown" and body["markdown"]["title"].startswith("【政务新媒体监测】")
    elif fmt == "feishu":
        assert body["msg_type"] == "text" and "账号被盗用" in body["content"]["text"]
    else:
        assert body["event"] == "veto_finding" and body["data"]["findings"][0]["_id"] == "finding:1"


def test_dingtalk_and_feishu_signatures_verify_and_carry_no_secret(hook):
    now = 1_780_000_000.0
    url, _ = payload(unhealthy_alert("weibo", ["GaveUpMonitor"], "finished"),
                     Receiver(url=hook.url, format="dingtalk", secret=SECRET), now=now)
    q = parse_qs(urlsplit(url).query)
    stamp = q["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert q["sign"][0] == expected and SECRET not in url
    _, body = payload(unhealthy_alert("weibo", [], None),
                      Receiver(url=hook.url, format="feishu", secret=SECRET), now=now)
    mac = hmac.new(f"{body['timestamp']}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    assert body["sign"] == base64.b64encode(mac).decode()
    assert SECRET not in json.dumps(body)


def test_retries_server_errors_and_rate_limits_then_delivers(hook, caplog):
    hook.answers = [(503, {}), (429, {}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
                    (200, {"errcode": 0})]
    delays: list[float] = []
    with caplog.at_level(logging.INFO, logger="govspider.alerts"):
        result = send(unhealthy_alert("douyin", ["UnderstoodMonitor"], "finished", "crawl-1"),
                      Receiver(url=hook.url, format="wecom"), attempts=5, backoff=0.01,
                      sleep=delays.append)
    assert result.ok and result.attempts == 4 and len(hook.requests) == 4
    assert len(delays) == 3 and delays[1] == pytest.approx(0.0)  # Retry-After: 0 honoured
    # the webhook token is in the URL: logs show the host only
    assert TOKEN not in caplog.text and "127.0.0.1" in caplog.text


def test_a_refusal_is_not_retried_and_says_so(hook):
    hook.answers = [(403, {})]
    result = send(unhealthy_alert("weibo", [], None), Receiver(url=hook.url), sleep=_no_sleep)
    assert not result.ok and result.attempts == 1 and "HTTP 403" in result.error
    hook.answers = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    result = send(unhealthy_alert("weibo", [], None), Receiver(url=hook.url, format="dingtalk"),
                  sleep=_no_sleep)
    assert not result.ok and "310000" in result.error and TOKEN not in result.error


def test_an_unreachable_receiver_fails_after_its_attempts():
    result = send(unhealthy_alert("weibo", [], None),
                  Receiver(url="http://127.0.0.1:9/hook?key=" + TOKEN), attempts=3, sleep=_no_sleep)
    assert not result.ok and result.attempts == 3 and TOKEN not in result.error


def test_receivers_come_from_settings_and_the_environment():
    env = {"HOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + TOKEN, "SEC": SECRET}
    (r,) = receivers_from({"GOVSPIDER_ALERTS": json.dumps(
        [{"url_env": "HOOK", "format": "wecom", "secret_env": "SEC", "events": ["veto_finding"]}])},
        environ=env)
    assert r.format == "wecom" and r.secret == SECRET and r.host == "qyapi.weixin.qq.com"
    assert r.events == ("veto_finding",)
    for bad, message in (([{"url_env": "MISSING"}], "MISSING is not set"),
                         ([{"url": "file:///etc/passwd"}], "http"),
                         ([{"url": "https://x.org", "format": "slack"}], "unknown format"),
                         ([{"url": "https://x.org", "events": ["everything"]}], "unknown event")):
        with pytest.raises(ValueError, match=message):
            receivers_from({"GOVSPIDER_ALERTS": bad}, environ={})


def test_veto_findings_are_sent_once(hook, db):
    db["accounts"].insert_one({"_id": "weibo:100", "name": "青澜发布", "unit": "青澜市委宣传部"})
    db["findings"].insert_many([FINDING, {**FINDING, "_id": "finding:2", "severity": "high"},
                                {**FINDING, "_id": "finding:3", "status": "dismissed"}])
    receivers = [Receiver(url=hook.url, format="json"),
                 Receiver(url=hook.url, format="json", events=("unhealthy_crawl",))]
    first = alert_new_vetoes(db, receivers, sleep=_no_sleep)
    assert first["findings"] == 1 and len(hook.requests) == 1  # only the receiver that wants vetoes
    assert [f["_id"] for f in hook.requests[0]["body"]["data"]["findings"]] == ["finding:1"]
    assert db["findings"].find_one({"_id": "finding:1"})["alerted_at"] is not None
    again = alert_new_vetoes(db, receivers, sleep=_no_sleep)
    assert again["findings"] == 0 and len(hook.requests) == 1


def test_a_failed_delivery_keeps_the_finding_for_next_time(hook, db):
    db["findings"].insert_one(FINDING)
    hook.answers = [(500, {})] * 2
    result = alert_new_vetoes(db, [Receiver(url=hook.url)], attempts=2, sleep=_no_sleep)
    assert result["failed"] and "alerted_at" not in db["findings"].find_one({"_id": "finding:1"})
    result = alert_new_vetoes(db, [Receiver(url=hook.url)], sleep=_no_sleep)
    assert result["delivered"] and db["findings"].find_one({"_id": "finding:1"}).get("alerted_at")


def test_govspider_scan_alerts_new_vetoes_once(hook, mongo_uri, db_name, mongo_client):
    """End to end: the command line, a real database, the receiver from the environment."""
    import os
    import subprocess
    import sys

    db = mongo_client[db_name]
    db["findings"].insert_one(FINDING)
    env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DATABASE": db_name,
           "HOOK_URL": hook.url,
           "GOVSPIDER_ALERTS": json.dumps([{"url_env": "HOOK_URL", "format": "wecom"}])}
    cmd = [sys.executable, "-m", "govspider.cli", "scan", "--detectors", "serious_typo"]
    for _ in range(2):
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        assert TOKEN not in run.stdout + run.stderr
    assert len(hook.requests) == 1 and "账号被盗用" in hook.requests[0]["raw"]
    bad = {**env, "GOVSPIDER_ALERTS": "[{\"url\": \"ftp://x\"}]"}
    run = subprocess.run(cmd, env=bad, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and "http(s) url" in run.stderr and "Traceback" not in run.stderr
