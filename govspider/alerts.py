"""Alerts: new veto findings and unhealthy crawls, sent to webhooks.

A deployment lists its receivers in the ``GOVSPIDER_ALERTS`` setting (or the ``alerts:`` section
of a schedule file), one mapping each::

    GOVSPIDER_ALERTS = [
        {"url_env": "GOVSPIDER_DINGTALK_URL", "format": "dingtalk", "secret_env": "GOVSPIDER_DINGTALK_SECRET"},
        {"url": "https://ops.example.org/hooks/govspider", "format": "json",
         "events": ["unhealthy_crawl"]},
    ]

``format`` is ``json`` (a generic JSON document), ``wecom`` (企业微信 group robot),
``dingtalk`` (钉钉 custom robot, optionally signed) or ``feishu`` (飞书 custom bot, optionally
signed). ``events`` limits what a receiver gets (default: both ``veto_finding`` and
``unhealthy_crawl``). Webhook URLs carry their token and a signing secret is a credential, so
both are best given by environment variable (``url_env``, ``secret_env``); neither ever appears
in a payload or a log line (logs show the receiver's host only).

Delivery is retried with exponential backoff and jitter on connection errors, HTTP 429 / 5xx
and the robots' own rate-limit answers (HTTP 200 with an ``errcode``); a receiver that refuses
(HTTP 4xx, a wrong signature) is reported at once. Veto findings are marked ``alerted_at`` once
every receiver that wants them has them, so each is sent once (at least once: a crash between
delivery and marking sends it again).

Messages are for supervisors, in Chinese.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote_plus, urlsplit

logger = logging.getLogger(__name__)

FORMATS = ("json", "wecom", "dingtalk", "feishu")
EVENTS = ("veto_finding", "unhealthy_crawl")
#: a robot answering HTTP 200 with one of these error codes is rate limiting: retry later
_RATE_LIMIT_CODES = {45009, 45033, 130101, 11232, 9499}  # wecom, wecom, dingtalk, feishu, feishu


class AlertError(Exception):
    """A receiver could not be reached or refused an alert (the message names the host only)."""


@dataclass
class Receiver:
    """One webhook."""

    url: str
    format: str = "json"
    events: tuple[str, ...] = EVENTS
    secret: str | None = None
    name: str = ""

    @property
    def host(self) -> str:
        """What logs show of the receiver: its host, never the URL (it carries the token)."""
        return self.name or urlsplit(self.url).hostname or "receiver"

    @classmethod
    def from_config(cls, spec: dict[str, Any], environ: dict[str, str] | None = None) -> Receiver:
        env = os.environ if environ is None else environ
        if not isinstance(spec, dict):
            raise ValueError(f"alert receiver: expected a mapping, got {type(spec).__name__}")
        url = spec.get("url")
        if spec.get("url_env"):
            url = env.get(str(spec["url_env"]))
            if not url:
                raise ValueError(f"alert receiver: environment variable {spec['url_env']} is not set")
        if not url or not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("alert receiver: needs an http(s) url (or url_env naming one)")
        fmt = str(spec.get("format") or "json")
        if fmt not in FORMATS:
            raise ValueError(f"alert receiver: unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        events = tuple(spec.get("events") or EVENTS)
        unknown = [e for e in events if e not in EVENTS]
        if unknown:
            raise ValueError(f"alert receiver: unknown event(s) {', '.join(map(str, unknown))} "
                             f"(one of {', '.join(EVENTS)})")
        secret = spec.get("secret")
        if spec.get("secret_env"):
            secret = env.get(str(spec["secret_env"]))
            if not secret:
                raise ValueError(f"alert receiver: environment variable {spec['secret_env']} is not set")
        return cls(url=url, format=fmt, events=events, secret=secret, name=str(spec.get("name") or ""))


def receivers_from(settings: Any, environ: dict[str, str] | None = None) -> list[Receiver]:
    """The receivers of a settings object (``GOVSPIDER_ALERTS``: a list, or JSON text of one)."""
    raw = settings.get("GOVSPIDER_ALERTS") if hasattr(settings, "get") else settings
    if not raw:
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"GOVSPIDER_ALERTS: not JSON ({exc.msg})") from None
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise ValueError("GOVSPIDER_ALERTS: expected a list of receivers")
    return [Receiver.from_config(spec, environ) for spec in raw]


# ----------------------------------------------------------------------------- messages
@dataclass
class Alert:
    """What happened, independent of any receiver's format."""

    event: str
    title: str
    lines: list[str]
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def text(self) -> str:
        return "\n".join([self.title, *self.lines])


def veto_alert(findings: list[dict[str, Any]], accounts: dict[str, dict[str, Any]] | None = None,
               limit: int = 20) -> Alert:
    """One alert for new veto findings (单项否决)."""
    accounts = accounts or {}
    lines = []
    for f in findings[:limit]:
        acc = accounts.get(str(f.get("account_id") or ""), {})
        who = acc.get("name") or f.get("account_id") or f.get("subject_id")
        unit = f"（{acc['unit']}）" if acc.get("unit") else ""
        lines.append(f"- {who}{unit}：{f.get('indicator') or f.get('detector')}，{f.get('message', '')}")
    if len(findings) > limit:
        lines.append(f"……另有{len(findings) - limit}条，详见报告")
    return Alert(
        event="veto_finding", title=f"【政务新媒体监测】新增{len(findings)}条单项否决问题",
        lines=lines,
        data={"findings": [{k: _plain(f.get(k)) for k in (
            "_id", "detector", "indicator", "severity", "rule", "subject_id", "account_id",
            "platform", "message", "detected_at")} for f in findings[:limit]],
              "count": len(findings)})


def unhealthy_alert(spider: str, failed: list[str], finish_reason: str | None,
                    crawl_id: str | None = None) -> Alert:
    """One alert for a crawl that failed its health checks."""
    lines = [f"- 采集任务：{spider}", f"- 未通过的检查：{'、'.join(failed) or '未知'}",
             f"- 结束原因：{finish_reason or '未知'}"]
    if crawl_id:
        lines.append(f"- 运行编号：{crawl_id}（详见 crawl_runs 与日志）")
    return Alert(event="unhealthy_crawl", title=f"【政务新媒体监测】采集异常：{spider}", lines=lines,
                 data={"spider": spider, "failed": failed, "finish_reason": finish_reason,
                       "crawl_id": crawl_id})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def payload(alert: Alert, receiver: Receiver, now: float | None = None) -> tuple[str, dict[str, Any]]:
    """``(url, JSON body)`` of ``alert`` in the receiver's format (signed where it has a secret)."""
    url = receiver.url
    stamp_ms = int((now if now is not None else time.time()) * 1000)
    if receiver.format == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": _markdown(alert)}}
    if receiver.format == "dingtalk":
        if receiver.secret:
            # 钉钉: sign = base64(HMAC-SHA256(secret, "timestamp\nsecret")), in the query
            mac = hmac.new(receiver.secret.encode(), f"{stamp_ms}\n{receiver.secret}".encode(),
                           hashlib.sha256).digest()
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={stamp_ms}&sign={quote_plus(base64.b64encode(mac).decode())}"
        return url, {"msgtype": "markdown", "markdown": {"title": alert.title, "text": _markdown(alert)}}
    if receiver.format == "feishu":
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": alert.text}}
        if receiver.secret:
            # 飞书: sign = base64(HMAC-SHA256(key="timestamp\nsecret", msg="")), in the body
            stamp = stamp_ms // 1000
            mac = hmac.new(f"{stamp}\n{receiver.secret}".encode(), b"", hashlib.sha256).digest()
            body.update(timestamp=str(stamp), sign=base64.b64encode(mac).decode())
        return url, body
    return url, {"source": "govspider", "event": alert.event, "title": alert.title,
                 "text": alert.text, "at": alert.at.isoformat(), "data": alert.data}


def _markdown(alert: Alert) -> str:
    return "\n".join([f"**{alert.title}**", *alert.lines])


# ----------------------------------------------------------------------------- delivery
@dataclass
class Delivery:
    receiver: str
    ok: bool
    attempts: int
    error: str | None = None


def send(alert: Alert, receiver: Receiver, *, attempts: int = 4, backoff: float = 1.0,
         timeout: float = 10.0, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """POST one alert, retrying what can succeed later. Never raises: the result says."""
    last = ""
    for attempt in range(1, attempts + 1):
        url, body = payload(alert, receiver)
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "govspider-alerts"})
        retry_after = None
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) checked)
                answer = response.read(65536)
            code = _robot_errcode(answer)
            if code is None or code == 0:
                logger.info("Alert %s delivered to %s (attempt %d)", alert.event, receiver.host, attempt)
                return Delivery(receiver.host, True, attempt)
            last = f"{receiver.host} answered error code {code}"
            if code not in _RATE_LIMIT_CODES:
                logger.error("Alert %s refused by %s: %s", alert.event, receiver.host, last)
                return Delivery(receiver.host, False, attempt, last)
        except urllib.error.HTTPError as exc:
            last = f"{receiver.host} answered HTTP {exc.code}"
            if exc.code != 429 and exc.code < 500:
                logger.error("Alert %s refused by %s: %s", alert.event, receiver.host, last)
                return Delivery(receiver.host, False, attempt, last)
            retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            last = f"{receiver.host} unreachable ({type(reason).__name__})"
        if attempt < attempts:
            delay = retry_after if retry_after is not None else backoff * 2 ** (attempt - 1)
            delay = min(300.0, delay) * random.uniform(1.0, 1.25)  # jitter: receivers not hit in step
            logger.warning("Alert %s to %s failed (%s); retrying in %.1fs", alert.event,
                           receiver.host, last, delay)
            sleep(delay)
    logger.error("Alert %s to %s failed after %d attempts: %s", alert.event, receiver.host,
                 attempts, last)
    return Delivery(receiver.host, False, attempts, last)


def _robot_errcode(answer: bytes) -> int | None:
    """The ``errcode`` (WeCom, DingTalk) or ``code`` (Feishu) of a robot's JSON answer."""
    try:
        doc = json.loads(answer.decode("utf-8", "replace") or "null")
    except json.JSONDecodeError:
        return None
    if not isinstance(doc, dict):
        return None
    for key in ("errcode", "code", "StatusCode"):
        if isinstance(doc.get(key), int):
            return doc[key]
    return None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def dispatch(alert: Alert, receivers: Iterable[Receiver], **kw: Any) -> list[Delivery]:
    """Send to every receiver that wants this event."""
    return [send(alert, r, **kw) for r in receivers if alert.event in r.events]


def alert_new_vetoes(db: Any, receivers: list[Receiver], **kw: Any) -> dict[str, Any]:
    """Send the veto findings not alerted yet; mark them ``alerted_at`` when every receiver
    that wants them took them. Returns ``{"findings": n, "delivered": [...], "failed": [...]}``."""
    wanted = [r for r in receivers if "veto_finding" in r.events]
    if not wanted:
        return {"findings": 0, "delivered": [], "failed": []}
    query = {"severity": "veto", "alerted_at": {"$exists": False},
             "status": {"$nin": ["dismissed", "resolved"]}}
    findings = list(db["findings"].find(query).sort("detected_at", 1).limit(500))
    if not findings:
        return {"findings": 0, "delivered": [], "failed": []}
    ids = {str(f.get("account_id")) for f in findings if f.get("account_id")}
    accounts = {a["_id"]: a for a in db["accounts"].find({"_id": {"$in": sorted(ids)}},
                                                          {"name": 1, "unit": 1})}
    results = dispatch(veto_alert(findings, accounts), wanted, **kw)
    if results and all(r.ok for r in results):
        db["findings"].update_many({"_id": {"$in": [f["_id"] for f in findings]}},
                                   {"$set": {"alerted_at": datetime.now(timezone.utc)}})
    return {"findings": len(findings), "delivered": [r.receiver for r in results if r.ok],
            "failed": [r.error for r in results if not r.ok]}
