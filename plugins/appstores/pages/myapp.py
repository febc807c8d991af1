"""Tencent 应用宝 (``sj.qq.com``), platforms.md §4.2.

Detail: ``GET /appdetail/{package}``, a Next.js page whose ``__NEXT_DATA__`` holds
``props.pageProps.dynamicCardResponse.data.components``; the app is the component whose
``data.name == "GameDetail"`` (never picked by index: ``SameDeveloper`` and ``YouMayAlsoLike``
list *other* apps and must not leak into the record). Legacy ``det-*`` pages
(``/myapp/detail.htm?apkName=``) are parsed as a fallback. A 404 or a title containing
``找不到`` is ``not_found``.

Search [U — invented, no capture seen]: ``GET /search?q={keyword}`` is assumed to be a Next.js
page like the detail page, whose results are a component named ``SearchResult`` (any
``Search*`` component without ``Recommend``/``Hot``/``Suggest`` in its name is accepted) with
``itemData`` entries in the GameDetail field names (``pkg_name``, ``app_id``, ``name``,
``icon``, ``developer``, ``download_num``, ``average_rating``, ``version_name``). Links to
``/appdetail/{package}`` are used when no such component is found.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from parsel import Selector

from govspider.items import App
from govspider.platform import (
    BLOCKED,
    CAPTCHA,
    MALFORMED,
    NOT_FOUND,
    OK,
    ParseInput,
    ParseResult,
    loads_json,
)
from govspider.processors import absolute_url, http_url, parse_count

from .common import (
    app_id,
    as_str,
    base_url,
    clean_text,
    cut_html,
    first,
    looks_like_captcha,
    next_data,
    rating,
    safe_time,
    transient_error,
)

STORE = "myapp"
_DETAIL_RE = re.compile(r"/appdetail/([A-Za-z0-9_.]+)")
#: Field names of the update time seen or guessed (§5 item 6: [U]).
_UPDATE_KEYS = ("update_time", "updateTime", "apk_publish_time", "apkPublishTime",
                "publish_time", "app_update_time")
_RELEASE_KEYS = ("release_time", "releaseTime", "first_publish_time")


def detail_url(base: str, package: str) -> str:
    return f"{base}/appdetail/{package}"


def search_url(base: str, keyword: str) -> str:
    return f"{base}/search?q={quote(keyword)}"


def _components(data: dict[str, Any]) -> list[dict[str, Any]]:
    props = (data.get("props") or {}).get("pageProps") or {}
    resp = props.get("dynamicCardResponse") or {}
    comps = ((resp.get("data") or {}).get("components")) or []
    return [c.get("data") for c in comps if isinstance(c, dict) and isinstance(c.get("data"), dict)]


def _page_package(data: dict[str, Any], url: str) -> str | None:
    props = (data.get("props") or {}).get("pageProps") or {}
    params = (((props.get("context") or {}).get("initialInfo") or {}).get("pageParams") or {})
    query = data.get("query") or {}
    found = first(params, "detail_pkgname") or first(query, "pkgname")
    if found:
        return str(found)
    m = _DETAIL_RE.search(urlsplit(url).path) if url else None
    return m.group(1) if m else None


def _category(record: dict[str, Any]) -> str | None:
    direct = first(record, "cate_name", "category_name", "categoryName", "app_category")
    if direct:
        return str(direct)
    tags = record.get("tags_st")
    if isinstance(tags, str):
        try:
            tags = loads_json(tags)
        except ValueError:
            tags = None
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, dict) and tag.get("tag_name"):
                return str(tag["tag_name"])
    return None


def app_from_record(record: dict[str, Any], base: str, now: Any = None,
                    package: str | None = None) -> App | None:
    """A GameDetail (or search) ``itemData`` entry as an App item."""
    pkg = as_str(first(record, "pkg_name", "pkgName", "packageName")) or package
    name = first(record, "name", "appName", "app_name")
    if not pkg or not name:
        return None
    downloads = first(record, "download_num", "appDownCount", "downloadNum", "download_count")
    return App(
        _id=app_id(STORE, pkg), platform=STORE, platform_id=pkg, name=str(name).strip(),
        package=pkg,
        developer=as_str(first(record, "developer", "authorName", "operator")),
        version=as_str(first(record, "version_name", "versionName")),
        updated_at=safe_time(first(record, *_UPDATE_KEYS), now),
        released_at=safe_time(first(record, *_RELEASE_KEYS), now),
        rating=rating(first(record, "average_rating", "averageRating", "score")),
        rating_count=parse_count(first(record, "rating_count", "comment_num", "ratingCount")),
        downloads=parse_count(downloads),
        category=_category(record),
        description=clean_text(first(record, "description", "editor_intro", "desc")),
        icon_url=http_url(absolute_url(as_str(first(record, "icon", "iconUrl", "icon_url")))),
        url=detail_url(base, pkg),
    )


def _not_found_page(inp: ParseInput, sel: Selector) -> bool:
    title = " ".join(sel.css("title::text").getall())
    return inp.status == 404 or "找不到" in title


def parse_detail(inp: ParseInput) -> ParseResult:
    """``/appdetail/{package}`` HTML (or the legacy ``detail.htm``) -> one App item."""
    if inp.status == 404:
        return ParseResult(outcome=NOT_FOUND, message="HTTP 404")
    error = transient_error(inp) or cut_html(inp)
    if error is not None:
        return error
    html = inp.text
    sel = Selector(text=html, type="html")
    if _not_found_page(inp, sel):
        return ParseResult(outcome=NOT_FOUND, message="找不到 page")
    base = base_url(inp, STORE)
    data, has_script = next_data(html)
    if data is not None:
        comps = _components(data)
        detail = next((c for c in comps if c.get("name") == "GameDetail"), None)
        if detail is not None:
            records = detail.get("itemData") or []
            if not isinstance(records, list):
                return ParseResult.error(MALFORMED, "GameDetail itemData is not a list")
            if not records:
                return ParseResult(outcome=NOT_FOUND, message="empty GameDetail component")
            flat = {k: v for k, v in detail.items() if k not in ("itemData", "name")}
            record = flat | records[0] if isinstance(records[0], dict) else flat
            app = app_from_record(record, base, inp.now, _page_package(data, inp.url))
            if app is None:
                return ParseResult.error(MALFORMED, "GameDetail without a package or name")
            return ParseResult(outcome=OK, items=[app])
    elif has_script:
        return ParseResult.error(MALFORMED, "__NEXT_DATA__ is cut or invalid")
    legacy = _legacy(sel, inp, base)
    if legacy is not None:
        return ParseResult(outcome=OK, items=[legacy])
    if looks_like_captcha(html):
        return ParseResult.error(CAPTCHA, "captcha page")
    return ParseResult.error(MALFORMED, "no GameDetail component and no legacy detail layout")


def _legacy(sel: Selector, inp: ParseInput, base: str) -> App | None:
    """The legacy ``det-*`` layout (``android.myapp.com/myapp/detail.htm?apkName=``)."""
    name = (sel.css("div.det-name-int::text").get() or "").strip()
    if not name:
        return None
    script = " ".join(sel.xpath("//script[contains(., 'appDetailData')]/text()").getall())
    pkg = None
    m = re.search(r"apkName\s*[:=]\s*['\"]([\w.]+)['\"]", script)
    if m:
        pkg = m.group(1)
    if not pkg and inp.url:
        pkg = (parse_qs(urlsplit(inp.url).query).get("apkName") or [None])[0]
    if not pkg:
        return None
    others = [t.strip() for t in sel.css("div.det-othinfo-data::text").getall() if t.strip()]
    version = others[0].lstrip("Vv") if others else None
    publish = sel.css("#J_ApkPublishTime::attr(data-apkpublishtime)").get()
    developer = others[-1] if len(others) >= 2 else None
    return App(
        _id=app_id(STORE, pkg), platform=STORE, platform_id=pkg, name=name, package=pkg,
        developer=developer, version=version,
        updated_at=safe_time(publish, inp.now),
        rating=rating((sel.css("div.com-blue-star-num::text").get() or "").replace("分", "")),
        downloads=parse_count(sel.css("div.det-ins-num::text").get()),
        category=as_str((sel.css("a#J_DetCate::text").get() or "").strip()),
        description=clean_text(sel.css("div.det-app-data-info").get()),
        icon_url=http_url(absolute_url(sel.css("div.det-icon img::attr(src)").get())),
        url=http_url(inp.url) or detail_url(base, pkg),
    )


def _is_result_component(name: str) -> bool:
    low = name.lower()
    return low.startswith("search") and not any(w in low for w in ("recommend", "hot", "suggest"))


def parse_search(inp: ParseInput) -> ParseResult:
    """``/search?q=`` page [U] -> App items (partial) and the detail URLs to fetch."""
    error = transient_error(inp) or cut_html(inp)
    if error is not None:
        return error
    html = inp.text
    base = base_url(inp, STORE)
    data, has_script = next_data(html)
    if data is None and has_script:
        return ParseResult.error(MALFORMED, "__NEXT_DATA__ is cut or invalid")
    items: list[App] = []
    if data is not None:
        for comp in _components(data):
            if not _is_result_component(str(comp.get("name") or "")):
                continue
            records = comp.get("itemData")
            for record in records if isinstance(records, list) else []:
                if isinstance(record, dict):
                    app = app_from_record(record, base, inp.now)
                    if app is not None and app._id not in {i._id for i in items}:
                        items.append(app)
    packages = [i.platform_id for i in items]
    if not items:
        sel = Selector(text=html, type="html")
        for href in sel.css("a::attr(href)").getall():
            m = _DETAIL_RE.search(unquote(href))
            if m and m.group(1) not in packages:
                packages.append(m.group(1))
    if not packages:
        if data is None:
            return ParseResult.error(BLOCKED, "not a 应用宝 search page (no __NEXT_DATA__)")
        return ParseResult(outcome=NOT_FOUND, message="no search results")
    return ParseResult(outcome=OK, items=items, requests=[detail_url(base, p) for p in packages])
