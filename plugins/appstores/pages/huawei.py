"""Huawei AppGallery web API (``web-drcn.hispace.dbankcloud.cn/uowap/index``), platforms.md §4.3.

Detail: ``method=internal.getTabDetail&uri=app|{C-appid}`` answers
``{"layoutData": [{"layoutName": "...", "dataList": [{...}]}], "rtnCode": 0, ...}``; the app
is spread over cards picked by ``layoutName`` (never by position): ``detailheadcard``,
``detailhiddencard``, ``detailappinfocard`` (``releaseDate "2026/8/20"``: the date of the
current version, stored as ``updated_at``), ``detailappintrocard``, ``detaildesccard``, a
comment card, or a ``textlistcard`` of ``{name, text}`` pairs. An empty ``layoutData`` is
``not_found``.

Search: ``uri=searchApp|{keyword}`` answers the same envelope whose cards' ``dataList`` hold
app summaries (``name``, ``appid``, ``package``, ``kindName``, ``downCountDesc``,
``appVersionName``, ``score``/``stars``, ``detailId``, ``icon``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from govspider.items import App
from govspider.platform import (
    BLOCKED,
    END_OF_LIST,
    MALFORMED,
    NOT_FOUND,
    OK,
    ParseInput,
    ParseResult,
)
from govspider.processors import absolute_url, http_url, parse_count

from .common import app_id, as_str, base_url, clean_text, first, load_json, rating, safe_time

STORE = "huawei"
_PATH = "/uowap/index?method=internal.getTabDetail&serviceType=20"


def detail_url(base: str, appid: str) -> str:
    return (f"{base}{_PATH}&reqPageNum=1&maxResults=25&uri=app%7C{quote(appid)}"
            f"&appid={quote(appid)}&zone=&locale=zh")


def search_url(base: str, keyword: str, page: int = 1) -> str:
    return (f"{base}{_PATH}&reqPageNum={page}&maxResults=25&uri=searchApp%7C{quote(keyword)}"
            f"&zone=&locale=zh")


def store_page_url(appid: str) -> str:
    """The public AppGallery page of an app (a JS shell; the data comes from the API)."""
    return f"https://appgallery.huawei.com/app/{appid}"


def _cards(data: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    out = []
    layouts = data.get("layoutData")
    for layout in layouts if isinstance(layouts, list) else []:
        if isinstance(layout, dict):
            rows = layout.get("dataList")
            rows = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
            out.append((str(layout.get("layoutName") or "").lower(), rows))
    return out


def _envelope(inp: ParseInput) -> tuple[dict[str, Any] | None, ParseResult | None]:
    data, error = load_json(inp)
    if error is not None:
        return None, error
    if not isinstance(data, dict):
        return None, ParseResult.error(MALFORMED, "expected a JSON object")
    code = data.get("rtnCode")
    if code not in (None, 0, "0"):
        return None, ParseResult.error(BLOCKED, f"rtnCode {code} {data.get('rtnDesc') or ''}".strip())
    return data, None


def _query(url: str, key: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(key) if url else None
    return values[0] if values else None


def _downloads(*values: Any) -> int | None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and any(w in value for w in ("安装", "下载")):
            return parse_count(value)
        if isinstance(value, str) and value.strip()[:1].isdigit():
            return parse_count(value)
    return None


def parse_detail(inp: ParseInput) -> ParseResult:
    """``uri=app|C…`` JSON -> one App item assembled from the cards."""
    data, error = _envelope(inp)
    if error is not None:
        return error
    assert data is not None
    cards = _cards(data)
    if not cards or not any(rows for _, rows in cards):
        return ParseResult(outcome=NOT_FOUND, message="empty layoutData")
    by_name: dict[str, dict[str, Any]] = {}
    texts: dict[str, str] = {}
    comment: dict[str, Any] = {}
    for name, rows in cards:
        if not rows:
            continue
        if name == "textlistcard":
            for row in rows:
                entries = row.get("list")
                for entry in entries if isinstance(entries, list) else []:
                    if isinstance(entry, dict) and entry.get("name"):
                        texts[str(entry["name"]).strip().lower()] = str(entry.get("text") or "")
        elif "comment" in name:
            comment = rows[0]
        else:
            by_name.setdefault(name, rows[0])
    head = by_name.get("detailheadcard", {})
    hidden = by_name.get("detailhiddencard", {})
    info = by_name.get("detailappinfocard", {})
    intro = by_name.get("detailappintrocard", {})
    desc = by_name.get("detaildesccard", {})
    appid = as_str(first(hidden, "appid", "appId")) or as_str(first(head, "appid")) \
        or _query(inp.url, "appid")
    if not appid:
        uri = _query(inp.url, "uri") or ""
        appid = uri.split("|", 1)[1] if uri.startswith("app|") else None
    name = first(hidden, "name") or first(head, "name") or first(info, "name")
    if not appid or not name:
        return ParseResult(outcome=NOT_FOUND, message="no app card in layoutData")
    developer = first(info, "developer", "developerName") or texts.get("developer") \
        or texts.get("开发者") or first(head, "developer")
    return ParseResult(outcome=OK, items=[App(
        _id=app_id(STORE, appid), platform=STORE, platform_id=appid, name=str(name).strip(),
        package=as_str(first(hidden, "package", "packageName") or first(info, "package")),
        developer=as_str(developer),
        version=as_str(first(hidden, "versionName") or first(info, "version", "versionName")),
        updated_at=safe_time(first(info, "releaseDate", "updateTime"), inp.now),
        rating=rating(first(head, "stars", "score") or first(comment, "score", "stars")),
        rating_count=parse_count(first(comment, "commentCount", "ratingCount", "scoredBy")
                                 or first(head, "ratingCount", "scoredBy")),
        downloads=_downloads(first(hidden, "downCountDesc", "downCount"), head.get("intro"),
                             texts.get("下载") or texts.get("installs")),
        category=as_str(first(head, "tagName", "kindName") or first(hidden, "kindName")),
        description=clean_text(first(intro, "appIntro", "intro") or first(desc, "content", "desc")),
        icon_url=http_url(absolute_url(as_str(first(head, "icoUri", "icon") or first(hidden, "icon")))),
        url=store_page_url(appid),
    )])


def _summary(row: dict[str, Any]) -> App | None:
    appid = as_str(first(row, "appid", "appId"))
    detail = as_str(row.get("detailId")) or ""
    if not appid and detail.startswith("app|"):
        appid = detail.split("|", 1)[1]
    name = first(row, "name")
    if not appid or not name:
        return None
    return App(
        _id=app_id(STORE, appid), platform=STORE, platform_id=appid, name=str(name).strip(),
        package=as_str(first(row, "package", "packageName")),
        developer=as_str(first(row, "developer", "developerName")),
        version=as_str(first(row, "appVersionName", "versionName")),
        rating=rating(first(row, "score", "stars")),
        downloads=_downloads(first(row, "downCountDesc", "downCount")),
        category=as_str(first(row, "kindName", "tagName")),
        icon_url=http_url(absolute_url(as_str(first(row, "icon", "icoUri")))),
        url=store_page_url(appid),
    )


def parse_search(inp: ParseInput) -> ParseResult:
    """``uri=searchApp|kw`` JSON -> App summaries plus their detail URLs; next page when
    ``hasNextPage`` is set."""
    data, error = _envelope(inp)
    if error is not None:
        return error
    assert data is not None
    rows = [r for _, rs in _cards(data) for r in rs]
    rows += [r for r in data.get("dataList") or [] if isinstance(r, dict)]
    items: list[App] = []
    for row in rows:
        app = _summary(row)
        if app is not None and app._id not in {i._id for i in items}:
            items.append(app)
    page = int(_query(inp.url, "reqPageNum") or 1)
    if not items:
        if page > 1:
            return ParseResult(outcome=END_OF_LIST)
        return ParseResult(outcome=NOT_FOUND, message="no search results")
    base = base_url(inp, STORE)
    has_next = str(data.get("hasNextPage") or 0) == "1"
    return ParseResult(outcome=OK, items=items,
                       next={"reqPageNum": page + 1} if has_next else None,
                       requests=[detail_url(base, i.platform_id) for i in items])
