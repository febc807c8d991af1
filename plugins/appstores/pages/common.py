"""Shared helpers of the app-store parsers: error classification, base URLs, App ids."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from govspider.platform import (
    BLOCKED,
    CAPTCHA,
    MALFORMED,
    RATE_LIMITED,
    ParseInput,
    ParseResult,
    loads_json,
)
from govspider.processors import html_to_text, parse_float, parse_time

#: Real base URLs of the stores (the spider reads ``<STORE>_BASE_URL`` settings instead).
DEFAULT_BASES = {
    "itunes": "https://itunes.apple.com",
    "myapp": "https://sj.qq.com",
    "huawei": "https://web-drcn.hispace.dbankcloud.cn",
    "xiaomi": "https://app.mi.com",
}
#: Path markers of each store's endpoints: what precedes them in a URL is the base URL
#: (``http://127.0.0.1:8000/xiaomi`` for the sandbox's ``/xiaomi/details?id=``).
ENDPOINT_MARKERS = {
    "itunes": ("/search", "/lookup"),
    "myapp": ("/appdetail/", "/myapp/detail.htm", "/search"),
    "huawei": ("/edge/uowap/index", "/uowap/index"),
    "xiaomi": ("/details", "/searchAll", "/suggestionApi", "/search"),
}

_CAPTCHA_MARKERS = ("captcha", "验证码", "安全验证", "人机验证", "滑动验证", "请完成验证",
                    "antispider", "anti-spider", "访问验证")
_RATE_MARKERS = ("访问过于频繁", "请求过于频繁", "操作频繁", "too many requests")
_BLOCK_MARKERS = ("访问受限", "禁止访问", "access denied", "您的访问存在异常")


def app_id(store: str, native_id: str) -> str:
    """The corpus ``_id`` of a listing: ``app:<store>:<store app id>``."""
    return f"app:{store}:{native_id}"


def base_url(inp: ParseInput, store: str) -> str:
    """The store's base URL the response came from (``meta["base_url"]`` wins)."""
    given = inp.meta.get("base_url") if inp.meta else None
    if given:
        return str(given).rstrip("/")
    if inp.url:
        parts = urlsplit(inp.url)
        for marker in ENDPOINT_MARKERS[store]:
            i = parts.path.find(marker)
            if i >= 0 and parts.netloc:
                return f"{parts.scheme}://{parts.netloc}{parts.path[:i]}".rstrip("/")
    return DEFAULT_BASES[store]


def looks_like_captcha(text: str) -> bool:
    low = text[:20000].lower()
    return any(m.lower() in low for m in _CAPTCHA_MARKERS)


def transient_error(inp: ParseInput) -> ParseResult | None:
    """The error outcome of a blocked, throttled, captcha or empty response, else ``None``.

    Store-specific "not found" statuses (404) are left to the caller.
    """
    text = inp.text
    if not inp.body.strip():
        if inp.status in (403, 429):
            return ParseResult.error(RATE_LIMITED, f"HTTP {inp.status} with an empty body")
        return ParseResult.error(MALFORMED, f"empty body (HTTP {inp.status})")
    if looks_like_captcha(text):
        return ParseResult.error(CAPTCHA, f"captcha or anti-spider page (HTTP {inp.status})")
    if inp.status in (403, 429):
        return ParseResult.error(RATE_LIMITED, f"HTTP {inp.status}")
    low = text[:5000].lower()
    if any(m in low for m in _RATE_MARKERS):
        return ParseResult.error(RATE_LIMITED, "the store says: too many requests")
    if any(m in low for m in _BLOCK_MARKERS):
        return ParseResult.error(BLOCKED, "the store blocked the request")
    if inp.status >= 500:
        return ParseResult.error(BLOCKED, f"HTTP {inp.status}")
    return None


def load_json(inp: ParseInput) -> tuple[Any, ParseResult | None]:
    """Decode a JSON API body: ``(data, None)``, or ``(None, error)`` for HTML (blocked),
    a captcha page, a throttled answer or a truncated body (malformed)."""
    error = transient_error(inp)
    if error is not None:
        return None, error
    stripped = inp.body.lstrip()
    if stripped[:1] == b"<":
        return None, ParseResult.error(BLOCKED, "HTML where JSON was expected")
    try:
        return loads_json(inp.body), None
    except ValueError as exc:
        return None, ParseResult.error(MALFORMED, f"malformed JSON: {exc}")


_HTML_END_RE = re.compile(rb"</html\s*>", re.I)


def cut_html(inp: ParseInput) -> ParseResult | None:
    """A ``malformed`` error for a store page cut short (no ``</html>``), else ``None``.

    Every store page ends with ``</html>``: a body cut in the middle can still hold some apps
    of a result list, and passing it as ``ok`` would silently miss the rest (a counterfeit
    among them); a cut page is retried instead.
    """
    if _HTML_END_RE.search(inp.body[-4096:]) or _HTML_END_RE.search(inp.body):
        return None
    return ParseResult.error(MALFORMED, f"cut HTML page: no </html> in {len(inp.body)} bytes")


_NEXT_DATA_RE = re.compile(
    r'<script[^>]*id="__NEXT_DATA__"[^>]*>(.*?)</script>', re.S | re.I)


def next_data(html: str) -> tuple[dict[str, Any] | None, bool]:
    """The Next.js ``__NEXT_DATA__`` payload: ``(data, found)``; ``(None, True)`` when the
    script is there but cut or invalid."""
    m = _NEXT_DATA_RE.search(html)
    if not m:
        return None, "__NEXT_DATA__" in html
    try:
        data = loads_json(m.group(1))
    except ValueError:
        return None, True
    return (data if isinstance(data, dict) else None), True


def first(mapping: dict[str, Any], *keys: str) -> Any:
    """The first present, non-empty value among ``keys``."""
    for key in keys:
        value = mapping.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def clean_text(value: Any) -> str | None:
    """A plain text field: HTML removed when there is markup, blank -> ``None``."""
    if value is None:
        return None
    text = str(value)
    if "<" in text or "&" in text:
        text = html_to_text(text)
    text = text.replace("\r\n", "\n").strip()
    return text or None


def as_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def safe_time(value: Any, now: Any = None) -> Any:
    """``parse_time`` that returns ``None`` on an unrecognised value (logged by the caller)."""
    try:
        return parse_time(value, now)
    except ValueError:
        return None


def rating(value: Any, scale: float = 1.0) -> float | None:
    """A store rating as a float on a 0-5 scale; ``0`` (no ratings yet) is unknown."""
    number = parse_float(value)
    if number is None:
        return None
    number = number / scale
    if number <= 0 or number > 5.0001:  # 0 is what stores show for "no ratings yet"
        return None
    return round(number, 4)
