"""Sogou WeChat search (``weixin.sogou.com/weixin?type=2``), the public mirror used to discover
an account's articles without a login (platforms.md §2.7)."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html

from govspider.items import Post
from govspider.platform import CAPTCHA, END_OF_LIST, MALFORMED, OK, ParseInput, ParseResult
from govspider.processors import parse_time
from govspider_plugins.wechat.jsvars import js_strings
from govspider_plugins.wechat.urls import PLATFORM, clean_url

SOGOU_BASE = "https://weixin.sogou.com/weixin"
ANTISPIDER_MARKERS = ("/antispider", "seccodeImage", "seccodeInput", "用户您好，我们的系统检测到")
NO_RESULT_MARKERS = ("noresult_part1_container", "暂无与", "没有找到相关")
_TIME_RE = re.compile(r"timeConvert\(\s*['\"]?(\d{9,13})['\"]?\s*\)")
#: What ends the redirect script, once the URL is assembled.
_REDIRECT_RE = re.compile(r"location(?:\.href\s*=|\.replace\s*\(|\.assign\s*\(|\s*=)")
_URL_PART_RE = re.compile(r"url\s*\+?=\s*((?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"))")


def _antispider(inp: ParseInput, source: str) -> bool:
    if "/antispider" in inp.url:
        return True
    return any(marker in source for marker in ANTISPIDER_MARKERS) or (
        "验证码" in source and "news-list" not in source)


def _truncated(source: str) -> bool:
    return "<html" in source[:2048].lower() and "</html>" not in source[-4096:].lower()


def parse_sogou(inp: ParseInput) -> ParseResult:
    """A results page: one preview post per result (publisher in ``extra.account_name``),
    the ``/link?url=`` redirects as ``requests`` and ``next`` = ``{"page", "query"}``.

    The preview posts carry a mirror id (``wechat:sogou:<hash>``): the spider uses them to pick
    the account's own results and fetches the article itself, which has the real id.
    """
    source = inp.text
    if not source.strip():
        return ParseResult.error(MALFORMED, "empty body")
    if _antispider(inp, source):
        return ParseResult.error(CAPTCHA, "sogou antispider verification page")
    if _truncated(source):
        return ParseResult.error(MALFORMED, "truncated page (no closing </html>)")
    try:
        root = lxml.html.document_fromstring(source)
    except (ValueError, lxml.etree.ParserError):
        return ParseResult.error(MALFORMED, "not an HTML document")
    page_url = inp.url or SOGOU_BASE
    results = root.cssselect("ul.news-list > li")
    if not results:
        if any(marker in source for marker in NO_RESULT_MARKERS):
            return ParseResult(outcome=END_OF_LIST, message="no results")
        return ParseResult.error(MALFORMED, "no ul.news-list and no 'no result' notice")
    items = [post for li in results if (post := _result(li, page_url, inp)) is not None]
    return ParseResult(outcome=OK, items=items, next=_next(root),
                       requests=[p.url for p in items if p.url])


def _result(li: Any, page_url: str, inp: ParseInput) -> Post | None:
    anchor = _first(li, "h3 a")
    if anchor is None:
        anchor = _first(li, ".txt-box a")
    if anchor is None:
        return None
    title = _text(anchor)
    href = anchor.get("href") or ""
    link = urljoin(page_url, clean_url(href)) if href else None
    snippet = _text(_first(li, "p.txt-info"))
    account = (_text(_first(li, "span.all-time-y2")) or _text(_first(li, "a.account"))
               or _text(_first(li, ".s-p a")))
    published = _time(li, inp)
    image = _first(li, ".img-box img")
    cover = _unwrap_image(image.get("src") if image is not None else None)
    digest = hashlib.sha1(f"{account}|{title}|{published}".encode()).hexdigest()[:20]
    extra = {k: v for k, v in {"mirror": "sogou", "account_name": account or None,
                              "digest": snippet or None, "cover": cover}.items() if v}
    return Post(_id=f"{PLATFORM}:sogou:{digest}", platform=PLATFORM, platform_id=f"sogou:{digest}",
                url=link, title=title or None, text=snippet or None, published_at=published,
                extra=extra)


def _time(li: Any, inp: ParseInput) -> Any:
    for script in li.cssselect(".s-p script, script"):
        match = _TIME_RE.search(script.text or "")
        if match:
            return parse_time(int(match.group(1)))
    for el in li.cssselect(".s-p, [t]"):
        stamp = (el.get("t") or "").strip()
        if stamp.isdigit():
            return parse_time(int(stamp))
    shown = _text(_first(li, ".s2"))
    if shown:
        try:
            return parse_time(shown, inp.now)
        except ValueError:
            return None
    return None


def _unwrap_image(src: str | None) -> str | None:
    if not src:
        return None
    url = clean_url(src)
    inner = parse_qs(urlsplit(url).query).get("url")
    return clean_url(inner[0]) if inner and inner[0].startswith("http") else url


def _next(root: Any) -> dict[str, Any] | None:
    anchor = _first(root, "#sogou_next")
    if anchor is None or not anchor.get("href"):
        return None
    query = {k: v[0] for k, v in parse_qs(urlsplit(clean_url(anchor.get("href"))).query).items()}
    page = query.get("page", "")
    if not page.isdigit():
        return None
    out: dict[str, Any] = {"page": int(page)}
    if query.get("query"):
        out["query"] = query["query"]
    return out


def parse_sogou_link(inp: ParseInput) -> ParseResult:
    """The ``/link?url=`` redirect page: the article URL its script assembles, as a request."""
    source = inp.text
    if not source.strip():
        return ParseResult.error(MALFORMED, "empty body")
    if _antispider(inp, source):
        return ParseResult.error(CAPTCHA, "sogou antispider verification page")
    matches = list(_URL_PART_RE.finditer(source))
    parts = [s for m in matches for s in js_strings(m.group(1))]
    url = clean_url("".join(parts)).replace("@", "")
    if parts and not _REDIRECT_RE.search(source, matches[-1].end()):
        # the page was cut while the URL was being assembled: its start is not the article
        return ParseResult.error(MALFORMED, "redirect script cut before it redirects")
    if not url.startswith("http"):
        refresh = re.search(r"http-equiv=['\"]?refresh['\"]?[^>]*url=([^'\">\s]+)", source, re.I)
        url = clean_url(refresh.group(1)) if refresh else ""
    if not url.startswith("http"):
        return ParseResult.error(MALFORMED, "no article URL in the redirect page")
    return ParseResult(outcome=OK, requests=[url])


def _first(root: Any, selector: str) -> Any:
    found = root.cssselect(selector)
    return found[0] if found else None


def _text(el: Any) -> str:
    if el is None:
        return ""
    return " ".join(el.text_content().split())
