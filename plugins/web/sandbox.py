"""Sandbox routes of the government websites: ``/web/gov/<unit code>/...`` from the world's pages.

``GET /web/`` lists every site (an index of links, for discovery); ``GET /web/gov/<code>/``
redirects to the site's ``index.html``; any page path answers the page's HTML, or HTTP 404 with
a plain government "page not found" page. Troubles: ``captcha`` (a WAF challenge page, HTTP 200)
and ``rate_limit`` (HTTP 429), plus the generic ``truncated`` and ``slow``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from aiohttp import web

from govspider.sandbox.core import Route, html_response

if TYPE_CHECKING:
    from govspider.sandbox.world import World

PREFIX = "/web"
SETTING = "WEB_BASE_URL"

_NOT_FOUND = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head>"
              "<body><div class=\"error\"><h1>抱歉，您访问的页面不存在或已被删除</h1>"
              "<p><a href=\"/\">返回首页</a></p></div></body></html>")
_CAPTCHA = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head><body>"
            "<div class=\"waf\"><h2>访问验证</h2><p>您的访问过于频繁，请完成验证后继续访问。</p>"
            "<form method=\"post\"><input name=\"captcha\" placeholder=\"请输入验证码\"><img src=\"/web/_captcha.png\">"
            "<button>提交</button></form></div></body></html>")


def routes(world: World) -> list[Route]:
    """The ``/web`` routes over ``world.pages()``."""

    async def site_list(request: web.Request) -> web.StreamResponse:
        units = {p.unit.code: p.unit for p in world.pages()}
        items = "".join(f'<li><a href="{PREFIX}/gov/{code}/index.html">{html.escape(u.name)}</a></li>'
                        for code, u in units.items())
        return html_response("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>政府网站导航</title>"
                             f"</head><body><h1>政府网站导航</h1><ul>{items}</ul></body></html>")

    async def page(request: web.Request) -> web.StreamResponse:
        path = "/gov/" + request.match_info["tail"]
        if path.endswith("/"):
            if world.page(path + "index.html") is not None:
                raise web.HTTPFound(PREFIX + path + "index.html")
        found = world.page(path)
        if found is None:
            return html_response(_NOT_FOUND, status=404)
        return html_response(found.html)

    troubles = {
        "captcha": lambda request: html_response(_CAPTCHA),
        "rate_limit": lambda request: html_response(
            "<html><body><h1>429 Too Many Requests</h1></body></html>", status=429,
            headers={"Retry-After": "2"}),
    }
    return [
        Route("GET", f"{PREFIX}/", site_list, SETTING, PREFIX, name="web-sites"),
        Route("GET", PREFIX + "/gov/{tail:.*}", page, SETTING, PREFIX, troubles=troubles, name="web-page"),
    ]
