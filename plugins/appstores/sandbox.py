"""Sandbox endpoints of the four app stores, in the shapes of platforms.md §4.

Paths keep the real stores' paths below a prefix per store: ``/itunes/search``,
``/itunes/lookup``, ``/myapp/appdetail/{package}``, ``/myapp/search`` (the [U] shape documented
in :mod:`govspider_plugins.appstores.pages.myapp`), ``/huawei/uowap/index``, ``/xiaomi/details``,
``/xiaomi/searchAll``, ``/xiaomi/suggestionApi``. Icons are served by the sandbox core at the
world's ``icon_url`` (``/icons/<store>/<app_id>.png``); the pages link them absolutely. The renderers are pure functions of the world
(``render_*`` -> :class:`Answer`), so they are testable without a server.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from govspider.sandbox.core import Route

CST_FMT = "%Y-%m-%d"


@dataclass
class Answer:
    """What an endpoint answers: status, content type, body."""

    status: int
    content_type: str
    body: bytes

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Answer:
        return cls(status, "application/json",
                   json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    @classmethod
    def html(cls, markup: str, status: int = 200) -> Answer:
        return cls(status, "text/html", markup.encode("utf-8"))


# ---------------------------------------------------------------------------- helpers
def _utc_z(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _icon(origin: str, app: Any) -> str:
    return f"{origin}{app.icon_url}" if app.icon_url.startswith("/") else app.icon_url


def _install_text(n: int | None) -> str | None:
    """``1250000`` -> ``"125万次安装"`` (the stores' display form)."""
    if n is None:
        return None
    if n >= 100_000_000:
        value, unit = n / 100_000_000, "亿"
    elif n >= 10_000:
        value, unit = n / 10_000, "万"
    else:
        return f"{n}次安装"
    shown = f"{value:.0f}" if value >= 100 else f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{shown}{unit}次安装"


def _variant(app: Any, n: int) -> int:
    """A stable per-app choice among ``n`` page variants."""
    return int(hashlib.sha1(f"{app.store}:{app.app_id}".encode()).hexdigest(), 16) % n


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _search(world: Any, store: str, term: str) -> list[Any]:
    return list(world.search_apps(store, term)) if term.strip() else []


# ---------------------------------------------------------------------------- iTunes
def itunes_record(app: Any, origin: str) -> dict[str, Any]:
    """A Search/Lookup ``software`` record of a world app."""
    track = int(app.app_id)
    icon = _icon(origin, app)
    record: dict[str, Any] = {
        "wrapperType": "software", "kind": "software", "trackId": track,
        "trackName": app.name, "trackCensoredName": app.name, "bundleId": app.package,
        "sellerName": app.developer, "artistName": app.developer,
        "artistId": int(app.developer_id) if str(app.developer_id).isdigit() else app.developer_id,
        "artistViewUrl": f"https://apps.apple.com/cn/developer/id{app.developer_id}?uo=4",
        "description": app.description, "releaseNotes": "修复已知问题，提升稳定性。",
        "version": app.version,
        "currentVersionReleaseDate": _utc_z(app.updated_at), "releaseDate": _utc_z(app.released_at),
        "averageUserRating": app.rating if app.rating is not None else 0,
        "averageUserRatingForCurrentVersion": app.rating if app.rating is not None else 0,
        "userRatingCount": app.rating_count or 0,
        "userRatingCountForCurrentVersion": app.rating_count or 0,
        "artworkUrl60": icon, "artworkUrl100": icon, "artworkUrl512": icon,
        "genres": [app.category], "genreIds": ["6000"], "primaryGenreName": "Utilities",
        "primaryGenreId": 6002,
        "trackViewUrl": f"https://apps.apple.com/cn/app/id{track}?uo=4",
        "fileSizeBytes": str(app.size_bytes or 0), "price": 0.0, "formattedPrice": "免费",
        "currency": "CNY", "contentAdvisoryRating": "4+", "trackContentRating": "4+",
        "minimumOsVersion": "12.0", "languageCodesISO2A": ["ZH"], "screenshotUrls": [],
        "ipadScreenshotUrls": [], "supportedDevices": ["iPhone12-iPhone12"], "features": [],
        "advisories": [], "isGameCenterEnabled": False,
        "isVppDeviceBasedLicensingEnabled": True,
    }
    return record


def _itunes_bad_country(query: dict[str, str]) -> Answer | None:
    country = query.get("country", "us")
    if len(country) != 2 or not country.isalpha():
        return Answer.json({"errorMessage": "Invalid value(s) for key(s): [country]",
                            "queryParameters": dict(query)}, status=400)
    return None


def render_itunes_search(world: Any, query: dict[str, str], origin: str) -> Answer:
    bad = _itunes_bad_country(query)
    if bad:
        return bad
    try:
        limit = max(1, min(200, int(query.get("limit") or 50)))
    except ValueError:
        limit = 50
    apps = _search(world, "itunes", query.get("term", ""))[:limit]
    results = [itunes_record(a, origin) for a in apps]
    return Answer.json({"resultCount": len(results), "results": results})


def render_itunes_lookup(world: Any, query: dict[str, str], origin: str) -> Answer:
    bad = _itunes_bad_country(query)
    if bad:
        return bad
    apps = world.apps("itunes")
    results: list[dict[str, Any]] = []
    if query.get("bundleId"):
        wanted = set(query["bundleId"].split(","))
        results = [itunes_record(a, origin) for a in apps if a.package in wanted]
    elif query.get("id"):
        for wanted in query["id"].split(","):
            wanted = wanted.strip()
            hit = [a for a in apps if a.app_id == wanted]
            if hit:
                results.append(itunes_record(hit[0], origin))
                continue
            by_dev = [a for a in apps if str(a.developer_id) == wanted]
            if by_dev:  # a developer id: the artist record, then its apps with entity=software
                results.append({"wrapperType": "artist", "artistType": "Software Artist",
                                "artistName": by_dev[0].developer,
                                "artistId": int(wanted) if wanted.isdigit() else wanted})
                if query.get("entity") == "software":
                    results.extend(itunes_record(a, origin) for a in by_dev)
    return Answer.json({"resultCount": len(results), "results": results})


# ---------------------------------------------------------------------------- 应用宝
def myapp_record(app: Any, origin: str) -> dict[str, Any]:
    return {
        "pkg_name": app.package, "app_id": app.numeric_id, "name": app.name,
        "icon": _icon(origin, app),
        "download_url": f"https://imtt2.dd.qq.com/sjy.00001/{app.numeric_id}.apk",
        "version_name": app.version, "developer": app.developer, "operator": app.developer,
        "apk_size": str(app.size_bytes or 0),
        "average_rating": f"{app.rating:.2f}" if app.rating is not None else "0",
        "download_num": app.downloads if app.downloads is not None else 0,
        "md_5": hashlib.md5(app.package.encode()).hexdigest(),  # noqa: S324 - a fake checksum
        "editor_intro": app.description.split("。")[0][:30],
        "description": app.description.replace("\n", "<br/>"),
        "tags_st": json.dumps([{"tag_name": app.category}], ensure_ascii=False),
        "update_time": int(app.updated_at.timestamp()), "is_game": 0,
    }


def _next_page(title: str, components: list[dict[str, Any]], page: str,
               query: dict[str, str], params: dict[str, str]) -> str:
    data = {"props": {"pageProps": {
        "dynamicCardResponse": {"ret": 0, "msg": "success", "data": {"components": components}},
        "context": {"initialInfo": {"pageParams": params}}}},
        "page": page, "query": query, "buildId": "sandbox"}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{_esc(title)}</title></head><body><div id=\"__next\">"
            f'<div class="AppInfo_detailContent__X5bpu"></div></div>'
            f'<script id="__NEXT_DATA__" type="application/json">{payload}</script>'
            f"</body></html>")


def render_myapp_detail(world: Any, package: str, origin: str) -> Answer:
    app = next((a for a in world.apps("myapp") if a.package == package), None)
    if app is None:
        return Answer.html("<!DOCTYPE html><html><head><title>抱歉，找不到该应用-应用宝官网"
                           "</title></head><body><div id=\"__next\"></div></body></html>", 404)
    same_dev = [a for a in world.apps("myapp") if a.developer == app.developer and a is not app][:3]
    related = [a for a in _search(world, "myapp", app.name[:2]) if a is not app][:4]
    components = [
        {"cardId": "c1", "data": {"name": "SameDeveloper",
                                  "itemData": [myapp_record(a, origin) for a in same_dev]}},
        {"cardId": "c2", "data": {"name": "GameDetail", "itemData": [myapp_record(app, origin)]}},
        {"cardId": "c3", "data": {"name": "YouMayAlsoLike",
                                  "itemData": [myapp_record(a, origin) for a in related]}},
    ]
    if _variant(app, 2):  # the order of the cards changes between deployments
        components = [components[1], components[0], components[2]]
    return Answer.html(_next_page(f"{app.name}app下载-{app.name}安卓版下载-应用宝官网", components,
                                  "/appdetail/[pkgname]", {"pkgname": package},
                                  {"detail_pkgname": package}))


def render_myapp_search(world: Any, query: dict[str, str], origin: str) -> Answer:
    term = query.get("q", "")
    apps = _search(world, "myapp", term)[:20]
    hot = [a for a in world.apps("myapp") if not a.official][:2]
    components = [
        {"cardId": "s1", "data": {"name": "SearchResult",
                                  "itemData": [myapp_record(a, origin) for a in apps]}},
        {"cardId": "s2", "data": {"name": "SearchHotRecommend",
                                  "itemData": [myapp_record(a, origin) for a in hot]}},
    ]
    return Answer.html(_next_page(f"{term} - 应用宝搜索", components, "/search", {"q": term},
                                  {"search_key": term}))


# ---------------------------------------------------------------------------- Huawei
def _hw_envelope(layouts: list[dict[str, Any]], has_next: bool = False) -> dict[str, Any]:
    return {"layoutData": layouts,
            "layout": [{"layoutId": x["layoutId"], "layoutName": x["layoutName"]} for x in layouts],
            "name": "", "rtnCode": 0, "hasNextPage": 1 if has_next else 0,
            "count": len(layouts), "totalPages": 1}


def _hw_date(value: datetime) -> str:
    return f"{value.year}/{value.month}/{value.day}"


def _hw_detail(app: Any, origin: str) -> dict[str, Any]:
    icon = _icon(origin, app)
    installs = _install_text(app.downloads)
    head = {"name": app.name, "icoUri": icon, "appid": app.app_id, "tagName": app.category,
            "stars": f"{app.rating:.1f}" if app.rating is not None else "0"}
    if installs:
        head["intro"] = installs
    hidden = {"appid": app.app_id, "package": app.package, "name": app.name, "icon": icon,
              "versionName": app.version, "versionCode": app.version.replace(".", "0"),
              "sha256": hashlib.sha256(app.package.encode()).hexdigest(), "targetSDK": "33",
              "size": app.size_bytes or 0}
    if installs:
        hidden["downCountDesc"] = installs
    layouts = [
        {"layoutId": 1, "layoutName": "detailheadcard", "dataList": [head]},
        {"layoutId": 2, "layoutName": "detailhiddencard", "dataList": [hidden]},
        {"layoutId": 3, "layoutName": "detailappinfocard", "dataList": [{
            "developer": app.developer, "releaseDate": _hw_date(app.updated_at),
            "version": app.version, "sizeDesc": f"{(app.size_bytes or 0) / 1048576:.1f} MB",
            "fullSize": str(app.size_bytes or 0), "package": app.package}]},
        {"layoutId": 4, "layoutName": "detailappintrocard", "dataList": [{"appIntro": app.description}]},
    ]
    if app.rating is not None:
        layouts.append({"layoutId": 5, "layoutName": "detailcommentcard", "dataList": [{
            "score": f"{app.rating:.1f}", "commentCount": str(app.rating_count or 0), "list": []}]})
    return _hw_envelope(layouts)


def _hw_row(app: Any, origin: str) -> dict[str, Any]:
    row = {"name": app.name, "appid": app.app_id, "package": app.package,
           "kindName": app.category, "tagName": app.category,
           "memo": app.description.split("\n")[0][:40], "appVersionName": app.version,
           "sizeDesc": f"{(app.size_bytes or 0) / 1048576:.1f} MB",
           "detailId": f"app|{app.app_id}", "icon": _icon(origin, app),
           "downurl": f"https://appdlc-drcn.hispace.dbankcloud.cn/dl/{app.app_id}.apk"}
    if app.rating is not None:
        row["score"] = f"{app.rating:.1f}"
    if app.downloads is not None:
        row["downCountDesc"] = _install_text(app.downloads)
        row["intro"] = row["downCountDesc"]
    return row


def render_huawei_index(world: Any, query: dict[str, str], origin: str) -> Answer:
    uri = query.get("uri", "")
    kind, _, value = uri.partition("|")
    if kind == "app":
        app = next((a for a in world.apps("huawei") if a.app_id == value), None)
        return Answer.json(_hw_detail(app, origin) if app else _hw_envelope([]))
    if kind == "searchApp":
        try:
            page = max(1, int(query.get("reqPageNum") or 1))
            size = max(1, min(50, int(query.get("maxResults") or 25)))
        except ValueError:
            page, size = 1, 25
        apps = _search(world, "huawei", value)
        chunk = apps[(page - 1) * size: page * size]
        if not chunk:
            return Answer.json(_hw_envelope([]))
        layouts = [{"layoutId": 10, "layoutName": "searchappcard",
                    "dataList": [_hw_row(a, origin) for a in chunk]}]
        return Answer.json(_hw_envelope(layouts, has_next=len(apps) > page * size))
    return Answer.json({"rtnCode": 1, "rtnDesc": f"unsupported uri {uri!r}"})


# ---------------------------------------------------------------------------- Xiaomi
def _xm_classic(app: Any, origin: str) -> str:
    stars = round((app.rating or 0) * 2)
    comments = f"<span class=\"app-intro-comment\">( {app.rating_count}次评分 )</span>" \
        if app.rating_count is not None else ""
    desc = "<br />".join(_esc(p) for p in app.description.split("\n"))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{_esc(app.name)}-小米应用商店</title></head><body>
<div class="bread-crumb"><ul><li><a href="/">首页</a></li><li><a href="/category/5">{_esc(app.category)}</a></li><li>{_esc(app.name)}</li></ul></div>
<div class="app-intro cf"><div class="app-info">
<img class="yellow-flower" src="{_esc(_icon(origin, app))}" alt="{_esc(app.name)}">
<div class="intro-titles">
<p>{_esc(app.developer)}</p>
<h3>{_esc(app.name)}</h3>
<p class="special-font action"><b>分类：</b>{_esc(app.category)}<span>|</span><b>支持：</b>手机</p>
<div class="star1-empty"><div class="star1-hover star1-{stars}"></div></div>
{comments}
</div></div></div>
<div class="app-text"><p class="pslide">{desc}</p></div>
<div class="details preventDefault"><ul class=" cf">
<li class="weight-font">软件大小：</li><li>{(app.size_bytes or 0) / 1048576:.1f} M</li>
<li class="weight-font">版本号：</li><li>{_esc(app.version)}</li>
<li class="weight-font">更新时间：</li><li>{app.updated_at.strftime(CST_FMT)}</li>
<li class="weight-font">包名：</li><li>{_esc(app.package)}</li>
<li class="weight-font">appId：</li><li class="special-li">{_esc(app.numeric_id)}</li>
<li class="weight-font">权限详情：</li><li class="special-li"><a href="#">查看权限</a></li>
</ul></div></body></html>"""


def _xm_redesigned(app: Any, origin: str) -> str:
    stars = round((app.rating or 0) * 2)
    desc = "<br/>".join(_esc(p) for p in app.description.split("\n"))
    pairs = [("软件大小", f"{(app.size_bytes or 0) / 1048576:.2f}M"), ("版本号", app.version),
             ("开发者", app.developer), ("更新时间", app.updated_at.strftime(CST_FMT)),
             ("包名", app.package), ("appID", app.numeric_id)]
    grid = "".join(f"<div><div>{_esc(k)}</div><div>{_esc(v)}</div></div>" for k, v in pairs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{_esc(app.name)} - 小米应用商店</title></head><body><main><section>
<img class="app-icon" src="{_esc(_icon(origin, app))}"/><h1>{_esc(app.name)}</h1>
<div class="rating"><span class="star1-hover star1-{stars}"></span></div>
<div class="app-info-grid">{grid}</div>
<div class="app-text">{desc}</div></section></main></body></html>"""


_XM_MISSING = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>小米应用商店</title>"
               "</head><body><div class=\"main\"><p class=\"tip\">抱歉，您访问的应用不存在或已下架"
               "</p><a href=\"/\">返回首页</a></div></body></html>")


def render_xiaomi_detail(world: Any, query: dict[str, str], origin: str) -> Answer:
    package = query.get("id", "")
    app = next((a for a in world.apps("xiaomi") if a.package == package), None)
    if app is None:
        return Answer.html(_XM_MISSING)
    render = _xm_redesigned if _variant(app, 3) == 0 else _xm_classic
    return Answer.html(render(app, origin))


def render_xiaomi_search(world: Any, query: dict[str, str], origin: str) -> Answer:
    term = query.get("keywords", "")
    apps = _search(world, "xiaomi", term)[:30]
    lis = "".join(
        f'<li><a href="/details?id={_esc(a.package)}"><img data-src="{_esc(_icon(origin, a))}" '
        f'src="/img/loading.png" alt="{_esc(a.name)}"></a><h5><a href="/details?id='
        f'{_esc(a.package)}">{_esc(a.name)}</a></h5><p class="app-desc"><a href="/category/5">'
        f"{_esc(a.category)}</a></p></li>" for a in apps)
    empty = "" if apps else "<p>没有找到相关应用</p>"
    return Answer.html(f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>搜索：{_esc(term)}-小米应用商店</title></head><body><div class="main">
<div class="applist-wrap"><ul class="applist">{lis}</ul>{empty}</div></div></body></html>""")


def render_xiaomi_suggestions(world: Any, query: dict[str, str], origin: str) -> Answer:
    apps = _search(world, "xiaomi", query.get("keywords", ""))[:8]
    return Answer.json({"suggestion": [
        {"displayName": a.name, "packageName": a.package, "icon": _icon(origin, a)} for a in apps]})


# ---------------------------------------------------------------------------- troubles
CAPTCHA_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head>"
                "<body><div id=\"captcha\">访问验证：请拖动滑块完成验证码校验</div></body></html>")
BLOCK_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>访问受限</title></head>"
              "<body><h1>访问受限</h1><p>您的访问存在异常，请稍后再试。</p></body></html>")
APPLE_ERROR_PAGE = ("<!DOCTYPE html><html><head><title>Apple</title></head><body>"
                    "<h1>Service Unavailable</h1><p>Please try again later.</p></body></html>")


# ---------------------------------------------------------------------------- aiohttp glue
def routes(world: Any) -> list[Any]:
    """The sandbox routes of the four stores."""
    def respond(answer: Answer) -> web.Response:
        return web.Response(body=answer.body, status=answer.status,
                            content_type=answer.content_type, charset="utf-8")

    def origin(request: web.Request) -> str:
        return str(request.url.origin())

    def query(request: web.Request) -> dict[str, str]:
        return {k: v for k, v in request.query.items()}

    def page(render: Any) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            return respond(render(world, query(request), origin(request)))
        return handler

    async def myapp_detail(request: web.Request) -> web.StreamResponse:
        return respond(render_myapp_detail(world, request.match_info["package"], origin(request)))

    def status(code: int, body: str = "", ctype: str = "text/html") -> Any:
        return lambda request: web.Response(status=code, text=body, content_type=ctype)

    json_troubles = {
        "rate_limit": lambda request: web.Response(
            status=403 if "lookup" in request.path else 429, text=""),
        "blocked": status(200, APPLE_ERROR_PAGE),
        "empty_body": status(200, "", "application/json"),
    }
    huawei_troubles = {
        "rate_limit": status(403, '{"rtnCode":1002,"rtnDesc":"request too frequent"}',
                             "application/json"),
        "blocked": status(200, BLOCK_PAGE),
        "captcha": status(200, CAPTCHA_PAGE),
        "empty_body": status(200, "", "application/json"),
    }
    html_troubles = {
        "rate_limit": status(429, "<html><body>访问过于频繁，请稍后再试</body></html>"),
        "captcha": status(200, CAPTCHA_PAGE),
        "blocked": status(200, BLOCK_PAGE),
        "empty_body": status(200, ""),
    }

    def r(path: str, handler: Any, store: str, troubles: dict[str, Any]) -> Any:
        return Route(method="GET", path=path, handler=handler,
                     base_setting=f"{store.upper()}_BASE_URL", prefix=f"/{store}",
                     troubles=dict(troubles))

    return [
        r("/itunes/search", page(render_itunes_search), "itunes", json_troubles),
        r("/itunes/lookup", page(render_itunes_lookup), "itunes", json_troubles),
        r("/myapp/appdetail/{package}", myapp_detail, "myapp", html_troubles),
        r("/myapp/search", page(render_myapp_search), "myapp", html_troubles),
        r("/huawei/uowap/index", page(render_huawei_index), "huawei", huawei_troubles),
        r("/xiaomi/details", page(render_xiaomi_detail), "xiaomi", html_troubles),
        r("/xiaomi/searchAll", page(render_xiaomi_search), "xiaomi", html_troubles),
        r("/xiaomi/suggestionApi", page(render_xiaomi_suggestions), "xiaomi", html_troubles),
    ]


__all__ = ["routes", "Answer", "itunes_record", "myapp_record", "render_itunes_search",
           "render_itunes_lookup", "render_myapp_detail", "render_myapp_search",
           "render_huawei_index", "render_xiaomi_detail", "render_xiaomi_search",
           "render_xiaomi_suggestions"]
