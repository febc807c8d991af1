"""Any HTML page, parsed for injected-content checks (``govspider parse web page FILE``)."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from w3lib.encoding import html_to_unicode

from govspider.items import Page
from govspider.platform import (
    BLOCKED,
    CAPTCHA,
    MALFORMED,
    NOT_FOUND,
    OK,
    ParseInput,
    Parser,
    ParseResult,
)
from govspider.processors import html_to_text
from govspider_plugins.web.hidden import HiddenIndex

_SKIP_HREF = ("javascript:", "mailto:", "tel:", "data:", "#")
_WRITE_RE = re.compile(r"document\.write(?:ln)?\s*\(((?:[^()]|\([^()]*\))*)\)", re.S)
_STR_RE = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""", re.S)
#: Text of anti-bot pages (WAF challenges) and firewall blocks, checked on short pages only.
CHALLENGE_MARKERS = ("请完成验证后继续访问", "访问验证", "安全验证", "滑动验证", "人机验证",
                     "访问过于频繁", "请输入验证码")
BLOCK_MARKERS = ("已被网站管理员设置拦截", "网站防火墙", "您的访问被拒绝", "访问已被拦截")
CHALLENGE_MAX_TEXT = 400
_NON_HTML = ("application/pdf", "image/", "video/", "audio/", "application/zip",
             "application/msword", "application/vnd", "application/octet-stream")


def page_id(url: str) -> str:
    """``page:<sha1 hex of url>``."""
    return "page:" + hashlib.sha1(url.encode("utf-8")).hexdigest()


def decode(inp: ParseInput) -> str:
    """The page as text, in the charset the headers, a BOM or a ``<meta charset>`` declare
    (government sites often serve GBK)."""
    _, text = html_to_unicode(inp.headers.get("content-type"), inp.body)
    return text


def parse_page(inp: ParseInput) -> ParseResult:
    """A ``Page``: title, plain text, raw HTML and every link with its ``hidden`` flag."""
    if inp.status in (404, 410):
        return ParseResult(outcome=NOT_FOUND, message=f"HTTP {inp.status}")
    content_type = (inp.headers.get("content-type") or "").lower()
    if content_type.startswith(_NON_HTML):
        return ParseResult(outcome=NOT_FOUND, message=f"not an HTML page ({content_type})")
    if not inp.body.strip():
        return ParseResult.error(MALFORMED, "empty body")
    source = decode(inp)
    head, tail = source[:4096].lower(), source[-4096:].lower()
    if ("<html" in head or head.lstrip().startswith("<!doctype")) and "</html>" not in tail:
        return ParseResult.error(MALFORMED, "truncated page (no closing </html>)")
    try:
        root = lxml.html.document_fromstring(source)
    except (ValueError, lxml.etree.ParserError):
        return ParseResult.error(MALFORMED, "not an HTML document")
    challenge = _challenge(root)
    if challenge is not None:
        return ParseResult.error(*challenge)
    url = inp.url or ""
    base = _base_url(root, url)
    hidden = HiddenIndex(root)
    links = [link for a in root.iter("a") if (link := _link(a, base, hidden)) is not None]
    links += _written_links(root, base, hidden)
    body = root.find("body")
    text = html_to_text(lxml.html.tostring(body, encoding="unicode")) if body is not None else ""
    page = Page(_id=page_id(url), url=url, platform="web", title=_title(root), text=text,
                raw_html=source, links=links, fetched_at=inp.now)
    return ParseResult(outcome=OK, items=[page])


def _challenge(root: Any) -> tuple[str, str] | None:
    """A WAF / anti-bot page standing in for the real one: (error kind, message), else None.

    Only short pages asking for input count, so a notice that mentions 验证 is not a challenge.
    """
    body = root.find("body")
    if body is None:
        return None
    visible = " ".join(" ".join(body.xpath(
        ".//text()[not(ancestor::script) and not(ancestor::style)]")).split())
    if len(visible) > CHALLENGE_MAX_TEXT:
        return None
    for marker in BLOCK_MARKERS:
        if marker in visible:
            return BLOCKED, f"blocked by the site's firewall ({marker})"
    # a challenge asks for something: a form, an input, a slider or a captcha widget
    if not root.xpath("//form | //input | //*[contains(@id, 'captcha') or contains(@class, "
                      "'captcha') or contains(@class, 'slider') or contains(@src, 'captcha')]"):
        return None
    for marker in CHALLENGE_MARKERS:
        if marker in visible:
            return CAPTCHA, f"verification page ({marker})"
    return None


def _base_url(root: Any, url: str) -> str:
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(url, href)
    return url


def _title(root: Any) -> str | None:
    title = root.find(".//title")
    text = " ".join((title.text_content() if title is not None else "").split())
    if not text:
        for h1 in root.iter("h1"):
            text = " ".join(h1.text_content().split())
            if text:
                break
    return text or None


def _link(a: Any, base: str, hidden: HiddenIndex) -> dict[str, Any] | None:
    href = (a.get("href") or "").strip()
    if not href or href.lower().startswith(_SKIP_HREF):
        return None
    absolute = urljoin(base, href) if base else href
    if urlsplit(absolute).scheme not in ("http", "https", ""):
        return None
    text = " ".join(a.text_content().split()) or (a.get("title") or "").strip()
    if not text:
        img = a.find(".//img")
        text = (img.get("alt") or "").strip() if img is not None else ""
    return {"href": absolute, "text": text, "hidden": hidden.reason(a) is not None}


def _written_links(root: Any, base: str, hidden: HiddenIndex) -> list[dict[str, Any]]:
    """Links that inline scripts write into the page (``document.write('<a ...>')``)."""
    out: list[dict[str, Any]] = []
    for script in root.iter("script"):
        code = script.text or ""
        if "document.write" not in code:
            continue
        script_hidden = hidden.reason(script.getparent()) if script.getparent() is not None else None
        for call in _WRITE_RE.finditer(code):
            markup = "".join(a or b for a, b in _STR_RE.findall(call.group(1)))
            markup = markup.replace("\\'", "'").replace('\\"', '"').replace("\\/", "/")
            if "<a" not in markup.lower():
                continue
            try:
                fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
            except (ValueError, lxml.etree.ParserError):
                continue
            inner = HiddenIndex(fragment)
            for a in fragment.iter("a"):
                link = _link(a, base, inner)
                if link is not None:
                    link["hidden"] = link["hidden"] or script_hidden is not None
                    out.append(link)
    return out


PARSERS: dict[str, Parser] = {"page": parse_page}
