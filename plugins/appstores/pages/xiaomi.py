"""Xiaomi app store (``app.mi.com``), platforms.md §4.4.

Detail: ``GET /details?id={package}``. The classic layout has ``div.intro-titles`` (developer,
name, ``分类：``), a ``star1-N`` class (N of 10: ``star1-8`` = 4.0 stars), ``( 876次评分 )`` and
label/value ``<li>`` pairs (``软件大小：``, ``版本号：``, ``更新时间：``, ``包名：``, ``appId：``);
the redesigned pages [U] use ``<div><div>label</div><div>value</div></div>`` pairs. Labels are
paired with their values, never taken by position. The web page shows no download count, so
``downloads`` stays unknown. A 404 or a page saying the app does not exist is ``not_found``.

Search: ``GET /searchAll?keywords={kw}&typeall=phone`` lists results as ``ul.applist li``
(``h5 a[href="/details?id=…"]``, icon ``img``, category ``p.app-desc a``), the markup of the
store's list pages. ``/suggestionApi?keywords=`` JSON ``{"suggestion": [...]}`` [U] is accepted
too when its entries carry package names.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from parsel import Selector

from govspider.items import App
from govspider.platform import BLOCKED, MALFORMED, NOT_FOUND, OK, ParseInput, ParseResult
from govspider.processors import absolute_url, http_url, parse_count

from .common import (
    app_id,
    as_str,
    base_url,
    clean_text,
    cut_html,
    first,
    load_json,
    rating,
    safe_time,
    transient_error,
)

STORE = "xiaomi"
_STAR_RE = re.compile(r"\bstar1-(\d+)\b")
_DETAILS_RE = re.compile(r"/details\?id=([A-Za-z0-9_.]+)")
_MISSING = ("不存在", "找不到", "已下架", "页面没有找到", "没有找到该应用")
_LABELS = {"软件大小": "size", "版本号": "version", "更新时间": "updated", "包名": "package",
           "appid": "appid", "开发者": "developer", "分类": "category", "应用分类": "category",
           "支持": "support", "上线时间": "released", "首次上线": "released"}


def detail_url(base: str, package: str) -> str:
    return f"{base}/details?id={package}"


def search_url(base: str, keyword: str) -> str:
    return f"{base}/searchAll?keywords={quote(keyword)}&typeall=phone"


def _label(text: str) -> str | None:
    key = text.strip().rstrip("：:").strip()
    return _LABELS.get(key) or _LABELS.get(key.lower())


def _pairs(sel: Selector) -> dict[str, str]:
    """Label/value pairs of the classic ``<li>`` list and of the redesigned ``<div>`` pairs."""
    out: dict[str, str] = {}
    lis = sel.css("div.details li")
    for i, li in enumerate(lis[:-1]):
        label = _label(" ".join(li.css("::text").getall()))
        if label and label not in out:
            value = " ".join(t.strip() for t in lis[i + 1].css("::text").getall()).strip()
            if value and not _label(value):
                out[label] = value
    for div in sel.xpath("//div[count(div)=2 and count(*)=2]"):
        kids = div.xpath("./div")
        label = _label(" ".join(kids[0].css("::text").getall()))
        if label and label not in out:
            value = " ".join(t.strip() for t in kids[1].css("::text").getall()).strip()
            if value:
                out[label] = value
    return out


def _category(sel: Selector, pairs: dict[str, str]) -> str | None:
    line = " ".join(sel.css("div.intro-titles p.special-font ::text").getall())
    m = re.search(r"分类[：:]\s*([^|｜\s]+)", line)
    if m:
        return m.group(1)
    if pairs.get("category"):
        return pairs["category"]
    crumbs = [t.strip() for t in sel.css("div.bread-crumb li ::text").getall() if t.strip()]
    crumbs = [c for c in crumbs if c not in (">", "/", "›")]
    return crumbs[1] if len(crumbs) >= 3 else None


def _missing(inp: ParseInput, sel: Selector) -> bool:
    if inp.status == 404:
        return True
    text = " ".join(sel.css("title::text, h1::text, h2::text, h3::text, p::text, div::text").getall())
    return any(m in text for m in _MISSING)


def parse_detail(inp: ParseInput) -> ParseResult:
    """``/details?id=`` HTML -> one App item (classic or redesigned layout)."""
    if inp.status == 404:
        return ParseResult(outcome=NOT_FOUND, message="HTTP 404")
    error = transient_error(inp)
    if error is not None:
        return error
    if inp.body.lstrip()[:1] in (b"{", b"["):
        return ParseResult.error(BLOCKED, "JSON where the detail page was expected")
    sel = Selector(text=inp.text, type="html")
    pairs = _pairs(sel)
    titles = sel.css("div.intro-titles")
    name = (titles.css("h3::text").get() or "").strip()
    developer = (titles.css("p:not([class])::text").get() or "").strip() or pairs.get("developer")
    if not name and pairs:
        name = (sel.css("h1::text").get() or sel.css("h3::text").get() or "").strip()
        if not name:
            title = (sel.css("title::text").get() or "").strip()
            name = re.split(r"[-_|]", title)[0].strip() if title else ""
    if not name and not pairs:
        if _missing(inp, sel):
            return ParseResult(outcome=NOT_FOUND, message="the store says the app does not exist")
        return cut_html(inp) or ParseResult.error(BLOCKED, "not a Xiaomi detail page")
    cut = cut_html(inp)
    if cut is not None:
        return cut
    package = pairs.get("package")
    if not package and inp.url:
        package = (parse_qs(urlsplit(inp.url).query).get("id") or [None])[0]
    if not package or not name:
        return ParseResult.error(MALFORMED, "detail page without a package name or app name")
    star = _STAR_RE.search(" ".join(sel.css("[class*=star1-]::attr(class)").getall()))
    comment = sel.css("span.app-intro-comment::text").get()
    icon = sel.css("img.yellow-flower::attr(src)").get() or \
        sel.css("img[class*=icon]::attr(src)").get()
    desc = sel.css("div.app-text p.pslide").get() or sel.css("div.app-text").get()
    base = base_url(inp, STORE)
    return ParseResult(outcome=OK, items=[App(
        _id=app_id(STORE, package), platform=STORE, platform_id=package, name=name,
        package=package, developer=as_str(developer), version=as_str(pairs.get("version")),
        updated_at=safe_time(pairs.get("updated"), inp.now),
        released_at=safe_time(pairs.get("released"), inp.now),
        rating=rating(star.group(1), scale=2.0) if star else None,
        rating_count=parse_count(comment) if comment else None,
        category=_category(sel, pairs),
        description=clean_text(desc),
        icon_url=http_url(absolute_url(icon, base)),
        url=detail_url(base, package),
    )])


def _suggestions(inp: ParseInput) -> ParseResult:
    data, error = load_json(inp)
    if error is not None:
        return error
    entries = data.get("suggestion") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return ParseResult.error(MALFORMED, "no 'suggestion' list")
    base = base_url(inp, STORE)
    items = []
    for e in entries:
        if not isinstance(e, dict):
            continue
        pkg = as_str(first(e, "packageName", "package", "pkgName"))
        name = first(e, "displayName", "name", "appName")
        if pkg and name:
            items.append(App(_id=app_id(STORE, pkg), platform=STORE, platform_id=pkg,
                             name=str(name), package=pkg,
                             icon_url=http_url(absolute_url(as_str(first(e, "icon", "iconUrl")), base)),
                             url=detail_url(base, pkg)))
    if not items:
        return ParseResult(outcome=NOT_FOUND, message="no app suggestions")
    return ParseResult(outcome=OK, items=items,
                       requests=[detail_url(base, i.platform_id) for i in items])


def parse_search(inp: ParseInput) -> ParseResult:
    """``/searchAll`` HTML (or ``/suggestionApi`` JSON) -> App summaries and detail URLs."""
    if inp.body.lstrip()[:1] == b"{":
        return _suggestions(inp)
    error = transient_error(inp) or cut_html(inp)
    if error is not None:
        return error
    sel = Selector(text=inp.text, type="html")
    base = base_url(inp, STORE)
    items: list[App] = []
    for li in sel.css("ul.applist > li"):
        href = li.css("h5 a::attr(href)").get() or li.css("a::attr(href)").get() or ""
        m = _DETAILS_RE.search(href)
        name = " ".join(li.css("h5 a::text").getall()).strip()
        if not m or not name or any(i.platform_id == m.group(1) for i in items):
            continue
        pkg = m.group(1)
        icon = li.css("img::attr(data-src)").get() or li.css("img::attr(src)").get()
        items.append(App(
            _id=app_id(STORE, pkg), platform=STORE, platform_id=pkg, name=name, package=pkg,
            category=as_str((li.css("p.app-desc a::text").get() or "").strip()),
            icon_url=http_url(absolute_url(icon, base)), url=detail_url(base, pkg)))
    if not items:
        if sel.css("ul.applist") or "搜索" in inp.text:
            return ParseResult(outcome=NOT_FOUND, message="no search results")
        return ParseResult.error(BLOCKED, "not a Xiaomi search page")
    return ParseResult(outcome=OK, items=items,
                       requests=[detail_url(base, i.platform_id) for i in items])
