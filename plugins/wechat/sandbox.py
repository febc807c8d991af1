"""Sandbox endpoints of ``mp.weixin.qq.com`` (``/wechat``) and ``weixin.sogou.com`` (``/sogou``),
rendered from the generated world (same paths, parameters and body shapes as platforms.md §2).

``/wechat``:

- ``/s?__biz=&mid=&idx=&sn=``: the article page (script vars, ``#js_content``), or the weui
  notice page of a deleted article (``该内容已被发布者删除`` / ``此内容因违规无法查看``), or
  ``参数错误`` for an unknown id; ``/s/{token}``: the same article by its short link;
- ``/cgi-bin/appmsg?action=list_ex&begin=&count=&fakeid=&token=`` and
  ``/cgi-bin/appmsgpublish?sub=list&...``: the backend lists; they need ``token`` =
  :data:`SANDBOX_TOKEN` and a cookie with ``slave_sid=`` (else ``ret 200003``); from
  generation 1 on, ``list_ex`` leaves out the articles deleted since generation 0 and its
  ``app_msg_cnt`` no longer counts them (``World.shown_post_count``);
- ``/mp/profile_ext?action=getmsg&__biz=&offset=&count=&key=``: the in-app history (``ret -3
  no session`` without ``key``).

``/sogou``:

- ``/weixin?type=2&query=NAME&page=N``: ten results a page (ten pages at most) of the account
  named ``NAME`` (newest first) with one repost by another account on each page, the
  ``/link?url=`` redirects and ``#sogou_next``; sets the ``SNUID`` cookie;
- ``/link?url=...``: the script assembling the article URL (needs the ``SNUID`` cookie, else the
  antispider page); ``/antispider/``: the captcha page.

Troubles: ``rate_limit`` -> ``ret 200013 freq control`` (backend), the antispider redirect
(Sogou); ``captcha`` -> the ``环境异常`` page (articles) / antispider (Sogou); ``login_wall`` ->
``ret 200003`` / ``ret -3``; ``blocked`` -> ``请在微信客户端打开链接``; ``empty_body``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from govspider.sandbox.core import Route, empty_response, html_response, json_response

WECHAT = "/wechat"
SOGOU = "/sogou"
#: The mp backend token the sandbox accepts (``GOVSPIDER_WECHAT_TOKEN``).
SANDBOX_TOKEN = "1536974818"
#: A cookie the backend accepts must carry this (``GOVSPIDER_WECHAT_COOKIE``).
SESSION_COOKIE = "slave_sid"
SOGOU_PAGE = 10
SOGOU_MAX_PAGES = 10
PROFILE_PAGE = 10
EMOTION = "https://res.wx.qq.com/mpres/htmledition/images/icon/emotion/{}.gif"


# --------------------------------------------------------------------------- escaping helpers

def _js(value: str) -> str:
    """A value safe inside a JS string literal in a <script> (quotes, newlines, ``</``)."""
    return (value.replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "").replace("<", "\\x3c").replace(">", "\\x3e"))


def _h(value: Any) -> str:
    return html.escape(str(value), quote=True)


def epoch(post: Any) -> int:
    return int(post.created_at.timestamp())


def mp_link(post: Any, host: str = "http://mp.weixin.qq.com") -> str:
    """The article link as lists carry it (``chksm`` and the fragment included)."""
    chksm = hashlib.blake2b(f"{post.post_id}".encode(), digest_size=8).hexdigest()
    return (f"{host}/s?__biz={post.account.platform_id}&mid={post.mid}&idx={post.idx}"
            f"&sn={post.sn}&chksm={chksm}#rd")


def short_token(post: Any, seed: int) -> str:
    """A 22-character short-link token that decodes back to the post (mid, idx)."""
    check = hashlib.blake2b(f"{seed}|{post.mid}|{post.idx}".encode(), digest_size=10).digest()
    raw = int(post.mid).to_bytes(5, "big") + int(post.idx).to_bytes(1, "big") + check
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_short_token(token: str, seed: int) -> str | None:
    """``"<mid>_<idx>"`` of a short-link token, or ``None`` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != 16:
        return None
    mid, idx = int.from_bytes(raw[:5], "big"), raw[5]
    check = hashlib.blake2b(f"{seed}|{mid}|{idx}".encode(), digest_size=10).digest()
    return f"{mid}_{idx}" if check == raw[6:] else None


# --------------------------------------------------------------------------- article pages

def render_content(post: Any) -> str:
    """``#js_content`` inner markup: one ``<p>`` per line of the segments, then the media."""
    paragraphs: list[list[str]] = [[]]
    for seg in post.segments:
        kind, value, extra = seg.kind, seg.value, seg.extra
        if kind == "text":
            lines = value.split("\n")
            for i, line in enumerate(lines):
                if i:
                    paragraphs.append([])
                if line:
                    paragraphs[-1].append(f'<span leaf="">{_h(line)}</span>')
        elif kind == "topic":
            paragraphs[-1].append(f'<span leaf="">#{_h(value)}#</span>')
        elif kind == "mention":
            paragraphs[-1].append(f'<span leaf="">@{_h(value)}</span>')
        elif kind == "link":
            paragraphs[-1].append(f'<a href="{_h(value)}" target="_blank"><span leaf="">'
                                  f'{_h(extra or value)}</span></a>')
        elif kind == "emoji":
            paragraphs[-1].append(f'<img class="emoji" src="{EMOTION.format(len(value))}" '
                                  f'alt="{_h(value)}" style="width:20px;height:20px">')
    out = [f'<p style="text-align: justify;">{"".join(p)}</p>' for p in paragraphs if p]
    for kind, url in post.media:
        if kind == "video":
            out.append('<iframe class="video_iframe rich_pages" data-vidtype="2" allowfullscreen '
                       f'frameborder="0" data-src="{_h(url)}"></iframe>')
        else:
            out.append('<p style="text-align: center;"><img class="rich_pages wxw-img" '
                       f'data-ratio="0.5625" data-src="{_h(url)}&amp;from=appmsg" data-type="jpeg" '
                       'data-w="1080" style=""></p>')
    out.append('<p style="display: none;"><mp-style-type data-value="3"></mp-style-type></p>')
    return "\n          ".join(out)


def render_article(post: Any, world: Any) -> str:
    """The article page as ``mp.weixin.qq.com/s`` serves it (see platforms.md §2.2)."""
    acc = post.account
    biz = acc.platform_id
    title, digest = post.title or "", post.digest or ""
    link = mp_link(post).replace("&", "\\x26amp;")  # as the page's script carries it
    og_url = _h(mp_link(post))
    # newer pages put the value first, older ones last: alternate by account
    biz_var = f'"{biz}" || ""' if acc.index % 2 == 0 else f'"" || "{biz}"'
    original = ('<span id="copyright_logo" class="wx_tap_link js_wx_tap_highlight rich_media_meta '
                'icon_appmsg_tag appmsg_title_tag weui-wa-hotarea">原创</span>') if post.is_original else ""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1.0,maximum-scale=1.0,user-scalable=0,viewport-fit=cover">
<meta property="og:title" content="{_h(title)}" />
<meta property="og:url" content="{og_url}" />
<meta property="og:image" content="{_h(post.cover or '')}" />
<meta property="og:description" content="{_h(digest)}" />
<meta property="og:site_name" content="微信公众平台" />
<meta property="og:type" content="article" />
<meta property="og:article:author" content="{_h(post.author or '')}" />
<meta name="author" content="{_h(post.author or '')}" />
<title>{_h(title)}</title>
</head>
<body id="activity-detail" class="zh_CN wx_wap_page mm_appmsg comment_feature discuss_tab appmsg_skin_default appmsg_style_default">
<div id="js_article" class="rich_media">
  <div class="rich_media_inner">
    <div id="page-content" class="rich_media_area_primary">
      <div class="rich_media_area_primary_inner">
        <h1 class="rich_media_title " id="activity-name">
            {_h(title)}
        </h1>
        <div id="meta_content" class="rich_media_meta_list">
          {original}
          <span class="rich_media_meta rich_media_meta_text">{_h(post.author or '')}</span>
          <span class="rich_media_meta rich_media_meta_nickname" id="profileBt">
            <a href="javascript:void(0);" class="wx_tap_link js_wx_tap_highlight weui-wa-hotarea" id="js_name">
                {_h(acc.name)}
            </a>
            <div id="js_profile_qrcode" class="profile_container" style="display:none;">
              <div class="profile_inner">
                <strong class="profile_nickname">{_h(acc.name)}</strong>
                <img class="profile_avatar" id="js_profile_qrcode_img" src="" alt="">
                <p class="profile_meta">
                  <label class="profile_meta_label">微信号</label>
                  <span class="profile_meta_value">{_h(acc.alias or '')}</span>
                </p>
                <p class="profile_meta">
                  <label class="profile_meta_label">功能介绍</label>
                  <span class="profile_meta_value">{_h(acc.description)}</span>
                </p>
              </div>
            </div>
          </span>
          <em id="publish_time" class="rich_media_meta rich_media_meta_text"></em>
          <em id="js_ip_wording_wrp" class="rich_media_meta_text" style="display: none;"><span id="js_ip_wording"></span></em>
        </div>
        <div class="rich_media_content js_underline_content autoTypeSetting24psection" id="js_content" style="visibility: hidden; opacity: 0; ">
          {render_content(post)}
        </div>
      </div>
    </div>
  </div>
</div>
<script type="text/javascript" nonce="{world.seed}">
    var appmsg_type = "9";
    var msg_title = '{_js(_h(title))}'.html(false);
    var msg_desc = htmlDecode("{_js(_h(digest))}");
    var msg_cdn_url = "{_js(post.cover or '')}";
    var msg_link = "{link}";
    var user_uin = "0" * 1;
    var biz = {biz_var};
    var mid = "{post.mid}" || "" || "";
    var idx = "{post.idx}" || "" || "";
    var sn = "{post.sn}" || "" || "";
    var comment_id = "{post.mid}{post.idx}" || "0" * 1;
    var nickname = htmlDecode("{_js(_h(acc.name))}");
    var round_head_img = "{_js(acc.avatar_url)}";
    var user_name = "{acc.gh_id or ''}";
    var ct = "{epoch(post)}";
    var copyright_stat = "{1 if post.is_original else 0}" * 1;
    var read_num = "" * 1;
    var like_num = "" * 1;
    window.item_show_type = '{post.item_show_type}';
    window.ip_wording = {{ countryName: '中国', countryId: '156', provinceName: '{_js(post.ip_region or '')}', provinceId: '', cityName: '', cityId: '' }};
</script>
</body>
</html>
"""


def weui_page(title: str, desc: str = "", extra: str = "") -> str:
    """The weui message page WeChat shows instead of an article (platforms.md §2.3)."""
    desc_html = f'<p class="weui-msg__desc">{_h(desc)}</p>' if desc else ""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1.0,maximum-scale=1.0,user-scalable=0">
<title></title>
</head>
<body>
<div class="weui-msg">
  <div class="weui-msg__icon-area"><i class="weui-icon-warn weui-icon_msg"></i></div>
  <div class="weui-msg__text-area">
    <h2 class="weui-msg__title warn">{_h(title)}</h2>
    {desc_html}
    {extra}
  </div>
</div>
</body>
</html>
"""


CAPTCHA_PAGE = weui_page("环境异常", "当前环境异常，完成验证后即可继续访问。",
                         '<div class="weui-msg__opr-area"><a id="js_verify" class="weui-btn '
                         'weui-btn_primary" href="javascript:;">去验证</a></div>')
CLIENT_ONLY_PAGE = weui_page("请在微信客户端打开链接")
BAD_PARAMS_PAGE = weui_page("参数错误")


# --------------------------------------------------------------------------- lists

def appmsg_item(post: Any) -> dict[str, Any]:
    """One ``app_msg_list`` entry (platforms.md §2.4)."""
    item = {
        "aid": f"{post.mid}_{post.idx}", "album_id": "0", "appmsg_album_infos": [],
        "appmsgid": int(post.mid), "checking": 0, "copyright_type": 1 if post.is_original else 0,
        "cover": post.cover or "", "create_time": epoch(post), "digest": post.digest or "",
        "has_red_packet_cover": 0, "is_pay_subscribe": 0, "item_show_type": post.item_show_type,
        "itemidx": int(post.idx), "link": mp_link(post), "media_duration": "0:00",
        "mediaapi_publish_status": 0, "tagid": [], "title": post.title or "",
        "update_time": epoch(post) - 1,
    }
    if post.video_ms:
        seconds = post.video_ms // 1000
        item["duration"] = seconds
        item["media_duration"] = f"{seconds // 60}:{seconds % 60:02d}"
    return item


def pushes(posts: list[Any]) -> list[list[Any]]:
    """Posts (newest first) grouped by push (same ``mid``), articles in ``idx`` order."""
    groups: dict[str, list[Any]] = {}
    for post in posts:
        groups.setdefault(post.mid, []).append(post)
    return [sorted(group, key=lambda p: p.idx) for group in groups.values()]


def profile_entry(post: Any) -> dict[str, Any]:
    """An ``app_msg_ext_info`` / ``multi_app_msg_item_list`` entry (platforms.md §2.5)."""
    return {
        "title": post.title or "", "digest": post.digest or "", "content": "", "fileid": 0,
        "content_url": mp_link(post).replace("&", "&amp;").replace("#rd", "&amp;scene=27#wechat_redirect"),
        "source_url": "", "cover": post.cover or "", "author": post.author or "",
        "copyright_stat": 11 if post.is_original else 100, "duration": 0,
        "del_flag": 0 if post.deleted else 1, "item_show_type": post.item_show_type,
        "audio_fileid": 0, "play_url": "", "malicious_title_reason_id": 0,
        "malicious_content_type": 0,
    }


def profile_push(group: list[Any]) -> dict[str, Any]:
    main = profile_entry(group[0]) | {
        "subtype": 9, "is_multi": 1 if len(group) > 1 else 0,
        "multi_app_msg_item_list": [profile_entry(p) for p in group[1:]]}
    head = group[0]
    return {"comm_msg_info": {"id": int(head.mid), "type": 49, "datetime": epoch(head),
                              "fakeid": head.account.uid, "status": 2, "content": ""},
            "app_msg_ext_info": main}


# --------------------------------------------------------------------------- Sogou

def sogou_link_param(post: Any) -> str:
    raw = f"{post.account.platform_id}|{post.mid}|{post.idx}|{post.sn}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_sogou_link(value: str) -> tuple[str, str, str, str] | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    parts = raw.split("|")
    return (parts[0], parts[1], parts[2], parts[3]) if len(parts) == 4 else None


def _highlight(text: str, query: str) -> str:
    escaped = _h(text)
    q = _h(query)
    return escaped.replace(q, f"<em><!--red_beg-->{q}<!--red_end--></em>") if q else escaped


def sogou_result(i: int, post: Any, query: str, old_layout: bool, repost: bool = False) -> str:
    """One ``<li>`` of the results list (new layout, or the older ``a.account`` one)."""
    link = (f"/link?url={sogou_link_param(post)}&amp;type=2&amp;query={quote(query)}"
            f"&amp;token={hashlib.blake2b(post.post_id.encode(), digest_size=6).hexdigest().upper()}")
    title = post.title or ""
    snippet = (post.digest or "")[:60]
    if repost:
        title = f"转发！{query}：{title}"
        snippet = f"来源：{query}。{snippet}"
    ts = epoch(post)
    name = _h(post.account.name)
    if old_layout:
        meta = (f'<div class="s-p" t="{ts}"><a class="account" target="_blank" '
                f'id="sogou_vr_11002601_account_{i}" href="/gzh?openid=o{post.account.uid}">{name}</a>'
                f"<span class=\"s2\"><script>document.write(timeConvert('{ts}'))</script></span></div>")
    else:
        meta = (f'<div class="s-p"><span class="all-time-y2">{name}</span><span class="s2">'
                f"<script>document.write(timeConvert('{ts}'))</script></span></div>")
    cover = f"//img01.sogoucdn.com/net/a/04/link?appid=100520033&amp;url={_h(post.cover or '')}"
    return f"""<li id="sogou_vr_11002601_box_{i}" d="ab735a258a90e8e1-{post.mid}-{post.idx}">
<div class="img-box"><a data-z="art" target="_blank" href="{link}" id="sogou_vr_11002601_img_{i}" uigs="article_image_{i}"><img src="{cover}" onerror="errorImage(this)"></a></div>
<div class="txt-box">
<h3><a target="_blank" href="{link}" id="sogou_vr_11002601_title_{i}" uigs="article_title_{i}">{_highlight(title, query)}</a></h3>
<p class="txt-info" id="sogou_vr_11002601_summary_{i}">{_highlight(snippet, query)}</p>
{meta}
</div>
</li>"""


def sogou_page(query: str, page: int, results: list[str], has_next: bool) -> str:
    q = quote(query)
    nxt = (f'<a id="sogou_next" href="?query={q}&amp;_sug_type_=&amp;s_from=input&amp;_sug_=n'
           f'&amp;type=2&amp;page={page + 1}&amp;ie=utf8" class="np" uigs="page_next">下一页</a>'
           if has_next else "")
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{_h(query)}的相关微信公众号文章 – 搜狗微信搜索</title>
</head>
<body>
<div class="wrapper" id="wrapper">
<div class="main-left" id="main">
<div class="news-box">
<ul class="news-list">
{"".join(results)}
</ul>
</div>
<div class="p-fy" id="pagebar_container"><span>{page}</span>
{nxt}
</div>
</div>
</div>
</body>
</html>
"""


def sogou_noresult(query: str) -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>搜狗微信搜索</title></head>
<body><div class="wrapper"><div class="main-left">
<div class="no-sosuo" id="noresult_part1_container"><p class="p1">暂无与“{_h(query)}”相关的微信公众号文章</p></div>
</div></div></body></html>
"""


ANTISPIDER_PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>搜狗搜索</title></head>
<body>
<div class="content-box">
<p class="ip-time-p">用户您好，我们的系统检测到您网络中存在异常访问请求。<br>此验证码用于确认这些请求是您的正常行为而不是自动程序发出的，需要您协助验证。</p>
<div class="p2"><label for="seccodeInput">验证码：</label><input type="text" id="seccodeInput" maxlength="8">
<img id="seccodeImage" src="util/seccode.php" width="100" height="40" alt="请输入图中的验证码"></div>
<a href="javascript:void(0);" id="submit">提交</a>
</div>
</body>
</html>
"""


def link_script(url: str) -> str:
    """The redirect page of ``/link?url=``: the URL assembled in fragments, as Sogou does."""
    parts = [url[i:i + 17] for i in range(0, len(url), 17)]
    lines = "\n".join(f"    url += '{_js(p)}';" for p in parts)
    return (f'<meta content="always" name="referrer">\n<script>\n    var url = \'\';\n{lines}\n'
            f'    url.replace("@", "");\n    window.location.replace(url)\n</script>\n')


# --------------------------------------------------------------------------- routes

def routes(world: Any) -> list[Any]:
    """The WeChat and Sogou routes of the sandbox (``govspider_sandbox_routes``)."""
    def article_response(post_id: str) -> web.Response:
        post = world.post("wechat", post_id)
        if post is None:
            return html_response(BAD_PARAMS_PAGE)
        if post.deleted:
            return html_response(weui_page(post.deleted_reason or "该内容已被发布者删除"))
        return html_response(render_article(post, world))

    async def article(request: web.Request) -> web.Response:
        q = request.query
        biz, mid, idx = q.get("__biz", ""), q.get("mid", ""), q.get("idx", "")
        if not (biz and mid.isdigit() and idx.isdigit()):
            return html_response(BAD_PARAMS_PAGE)
        return article_response(f"{biz}:{mid}_{idx}")

    async def article_short(request: web.Request) -> web.Response:
        post_id = decode_short_token(request.match_info["token"], world.seed)
        if post_id is None:
            return html_response(BAD_PARAMS_PAGE)
        return article_response(post_id)

    def session_error(request: web.Request) -> web.Response | None:
        cookie = request.headers.get("Cookie", "")
        if request.query.get("token") != SANDBOX_TOKEN or f"{SESSION_COOKIE}=" not in cookie:
            return json_response({"base_resp": {"ret": 200003, "err_msg": "invalid session"}})
        return None

    def backend_account(request: web.Request) -> Any:
        acc = world.account("wechat", request.query.get("fakeid", ""))
        return acc if acc is not None and acc.platform == "wechat" else None

    async def appmsg(request: web.Request) -> web.Response:
        failed = session_error(request)
        if failed is not None:
            return failed
        acc = backend_account(request)
        if acc is None or request.query.get("action", "list_ex") != "list_ex":
            return json_response({"base_resp": {"ret": 200002, "err_msg": "invalid args"}})
        begin = max(0, _int(request.query.get("begin"), 0))
        count = min(20, max(1, _int(request.query.get("count"), 5)))
        # an article deleted since generation 0 is gone from the list and from its count
        # (generation 0's deleted articles stay listed, as the first crawl has always seen them)
        shown = [p for p in world.posts(acc, 0, world.post_count(acc)) if not p.deleted_since]
        return json_response({"app_msg_cnt": world.shown_post_count(acc),
                              "app_msg_list": [appmsg_item(p) for p in shown[begin:begin + count]],
                              "base_resp": {"err_msg": "ok", "ret": 0}})

    async def appmsgpublish(request: web.Request) -> web.Response:
        failed = session_error(request)
        if failed is not None:
            return failed
        acc = backend_account(request)
        if acc is None:
            return json_response({"base_resp": {"ret": 200002, "err_msg": "invalid args"}})
        begin = max(0, _int(request.query.get("begin"), 0))
        count = min(20, max(1, _int(request.query.get("count"), 5)))
        groups = pushes(world.posts(acc, 0, world.post_count(acc)))
        publish_list = [{"publish_type": 101, "publish_info": json.dumps({
            "type": 9, "msgid": int(group[0].mid), "sent_info": {"time": epoch(group[0])},
            "appmsgex": [appmsg_item(p) | {"author_name": p.author or "", "is_deleted": False}
                         for p in group]}, ensure_ascii=False)}
            for group in groups[begin:begin + count]]
        page = {"total_count": len(groups), "publish_count": len(groups), "masssend_count": 0,
                "publish_list": publish_list}
        return json_response({"base_resp": {"ret": 0, "err_msg": "ok"},
                              "publish_page": json.dumps(page, ensure_ascii=False)})

    async def profile_ext(request: web.Request) -> web.Response:
        q = request.query
        if not q.get("key"):
            return json_response(NO_SESSION)
        acc = world.account("wechat", q.get("__biz", ""))
        if acc is None or q.get("action", "getmsg") != "getmsg":
            return json_response({"ret": -6, "errmsg": "unknown error", "base_resp": {"ret": -6}})
        offset = max(0, _int(q.get("offset"), 0))
        count = min(10, max(1, _int(q.get("count"), PROFILE_PAGE)))
        groups = pushes(world.posts(acc, 0, world.post_count(acc)))
        page = groups[offset:offset + count]
        more = offset + count < len(groups)
        body = {"ret": 0, "errmsg": "ok", "msg_count": len(page), "can_msg_continue": int(more),
                "general_msg_list": json.dumps({"list": [profile_push(g) for g in page]},
                                               ensure_ascii=False).replace("/", "\\/"),
                "next_offset": offset + len(page), "video_count": 0, "use_video_tab": 1,
                "real_type": 0, "home_page_list": []}
        return json_response(body)

    def search_hits(query: str) -> tuple[list[Any], list[Any]]:
        """The searched account's posts (newest first) and other accounts' reposts."""
        accounts = [a for a in world.accounts("wechat") if query and query in a.name]
        accounts.sort(key=lambda a: (a.name != query, a.index))
        own = [p for a in accounts for p in world.posts(a, 0, SOGOU_PAGE * SOGOU_MAX_PAGES)]
        others = [a for a in world.accounts("wechat") if a not in accounts]
        return own, others

    async def sogou_search(request: web.Request) -> web.Response:
        query = request.query.get("query", "").strip()
        page = max(1, _int(request.query.get("page"), 1))
        own, others = search_hits(query) if request.query.get("type", "2") == "2" else ([], [])
        start = (page - 1) * SOGOU_PAGE
        chunk = own[start:start + SOGOU_PAGE] if page <= SOGOU_MAX_PAGES else []
        if not chunk:
            response = html_response(sogou_noresult(query))
        else:
            results = [sogou_result(i, p, query, old_layout=page % 2 == 0)
                       for i, p in enumerate(chunk)]
            if others:  # a repost by another account that names the searched one
                other = others[page % len(others)]
                reposted = world.posts(other, page - 1, 1)
                if reposted:
                    results.insert(min(3, len(results)), sogou_result(
                        len(results), reposted[0], query, old_layout=page % 2 == 0, repost=True))
            has_next = start + SOGOU_PAGE < len(own) and page < SOGOU_MAX_PAGES
            response = html_response(sogou_page(query, page, results, has_next))
        if "SNUID=" not in request.headers.get("Cookie", ""):
            snuid = hashlib.blake2b(f"{world.seed}|{request.remote}".encode(), digest_size=16)
            response.set_cookie("SNUID", snuid.hexdigest().upper(), path="/")
        return response

    async def sogou_link(request: web.Request) -> web.Response:
        if "SNUID=" not in request.headers.get("Cookie", ""):
            return antispider_redirect(request)
        decoded = decode_sogou_link(request.query.get("url", ""))
        if decoded is None:
            return html_response(ANTISPIDER_PAGE)
        biz, mid, idx, sn = decoded
        base = f"{request.scheme}://{request.host}{WECHAT}"
        stamp = int(world.now.timestamp())
        url = (f"{base}/s?src=11&timestamp={stamp}&ver=5633&signature=sandbox"
               f"&__biz={biz}&mid={mid}&idx={idx}&sn={sn}&mpshare=1&scene=24&srcid=&new=1")
        return html_response(link_script(url))

    async def antispider(request: web.Request) -> web.Response:
        return html_response(ANTISPIDER_PAGE)

    def antispider_redirect(request: web.Request) -> web.Response:
        target = f"{SOGOU}/antispider/?{urlencode({'from': request.path_qs})}"
        return web.Response(status=302, headers={"Location": target})

    backend_troubles = {
        "rate_limit": lambda r: json_response({"base_resp": {"ret": 200013, "err_msg": "freq control"}}),
        "login_wall": lambda r: json_response({"base_resp": {"ret": 200003, "err_msg": "invalid session"}}),
        "empty_body": lambda r: empty_response(),
    }
    article_troubles = {
        "captcha": lambda r: html_response(CAPTCHA_PAGE),
        "rate_limit": lambda r: html_response(CAPTCHA_PAGE),
        "blocked": lambda r: html_response(CLIENT_ONLY_PAGE),
        "empty_body": lambda r: empty_response(),
    }
    profile_troubles = {
        "login_wall": lambda r: json_response(NO_SESSION),
        "empty_body": lambda r: empty_response(),
    }
    sogou_troubles = {
        "captcha": antispider_redirect,
        "rate_limit": antispider_redirect,
        "empty_body": lambda r: empty_response(),
    }

    def route(prefix: str, setting: str, path: str, handler: Any, troubles: dict[str, Any],
              generic: tuple[str, ...] = ("truncated", "slow")) -> Any:
        return Route(method="GET", path=prefix + path, handler=handler, base_setting=setting,
                     prefix=prefix, troubles=dict(troubles), generic_troubles=generic,
                     name=f"{prefix}{path}")

    return [
        route(WECHAT, "WECHAT_BASE_URL", "/s", article, article_troubles),
        route(WECHAT, "WECHAT_BASE_URL", "/s/{token}", article_short, article_troubles),
        route(WECHAT, "WECHAT_BASE_URL", "/cgi-bin/appmsg", appmsg, backend_troubles),
        route(WECHAT, "WECHAT_BASE_URL", "/cgi-bin/appmsgpublish", appmsgpublish, backend_troubles),
        route(WECHAT, "WECHAT_BASE_URL", "/mp/profile_ext", profile_ext, profile_troubles),
        route(SOGOU, "SOGOU_BASE_URL", "/weixin", sogou_search, sogou_troubles),
        route(SOGOU, "SOGOU_BASE_URL", "/link", sogou_link, sogou_troubles, generic=("slow",)),
        route(SOGOU, "SOGOU_BASE_URL", "/antispider/", antispider, {}, generic=()),
    ]


NO_SESSION = {"base_resp": {"ret": -3, "errmsg": "no session", "cookie_count": 0},
              "ret": -3, "errmsg": "no session", "cookie_count": 0}


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
