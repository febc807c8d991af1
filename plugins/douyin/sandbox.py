"""Douyin in the local sandbox: an account page whose JavaScript signs, and the signed web API.

Routes (prefix ``/douyin``):

* ``GET /douyin/user/{sec_uid}`` - the account page. Its script derives ``msToken`` from a
  per-page nonce and signs every API query with a key that exists only inside the obfuscated
  script (``a_bogus``), then fetches the profile, the first posts page, and more posts pages when
  the bottom of the list scrolls into view (``IntersectionObserver``). Opening (clicking) a post
  loads its comments, all pages, and the replies of every comment that has some. A call that
  fails (empty body, ``blocked``, a non-zero ``status_code``, a cut body) leaves a
  "加载失败，点击重试" button that sends the same call again.
* ``GET /douyin/aweme/v1/web/user/profile/other/``, ``.../aweme/post/``, ``.../comment/list/``
  and ``.../comment/list/reply/`` - the shapes of platforms.md §3, served ONLY when
  ``a_bogus`` verifies against the query string and the request's User-Agent; anything else
  gets HTTP 200 with an empty body (``content-length: 0``), as Douyin does.

The signature (:func:`a_bogus`) is a four-lane 32-bit multiplicative hash over
``key | query | user agent``; :data:`SIGN_JS` is the same function in JavaScript. Tests may
use :func:`a_bogus` as a stand-in signer for the direct mode.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from govspider.sandbox.core import Route

PREFIX = "/douyin"
API = f"{PREFIX}/aweme/v1/web"
#: The signing key. The page never contains it in clear: see :func:`_obfuscated_key`.
SIGN_KEY = "gs-sandbox/douyin:ab:v1:7f3c"
MIN_MSTOKEN = 100
POSTS_PAGE = 18
COMMENTS_PAGE = 20
_MASK = 0xFFFFFFFF


# --------------------------------------------------------------------------- the signature

def _imul(a: int, b: int) -> int:
    return (a * b) & _MASK


def _fmix(h: int) -> int:
    h ^= h >> 16
    h = _imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = _imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h


def digest(message: str) -> str:
    """32 hex chars of the sandbox's hash of ``message`` (UTF-8); mirrors ``SIGN_JS``."""
    h1, h2, h3, h4 = 0x811C9DC5, 0x9747B28C, 0x1B873593, 0xCC9E2D51
    for b in message.encode("utf-8"):
        h1 = _imul(h1 ^ b, 0x01000193)
        h2 = _imul(h2 ^ b, 0x5BD1E995)
        h2 ^= h2 >> 15
        h3 = (_imul((h3 + b) & _MASK, 0x85EBCA6B) ^ (h1 >> 7)) & _MASK
        h4 = (_imul(h4 ^ h2, 0xC2B2AE35) + b) & _MASK
    h1, h2, h3, h4 = _fmix(h1 ^ h4), _fmix(h2 ^ h1), _fmix(h3 ^ h2), _fmix(h4 ^ h3)
    return "".join(f"{h:08x}" for h in (h1, h2, h3, h4))


def a_bogus(query: str, user_agent: str) -> str:
    """The ``a_bogus`` of a raw query string (everything before ``&a_bogus=``)."""
    return digest(f"{SIGN_KEY}|{query}|{user_agent}")


def verify(raw_query: str, user_agent: str) -> bool:
    """Whether a raw query string ends with a valid ``a_bogus`` and carries an ``msToken``."""
    query, sep, signature = raw_query.rpartition("&a_bogus=")
    if not sep or not signature:
        return False
    token = (parse_qs(query).get("msToken") or [""])[0]
    if len(token) < MIN_MSTOKEN:
        return False
    return secrets.compare_digest(signature, a_bogus(query, user_agent))


SIGN_JS = r"""
function _h(m){var b=new TextEncoder().encode(m),a=0x811c9dc5,c=0x9747b28c,d=0x1b873593,e=0xcc9e2d51;
for(var i=0;i<b.length;i++){var x=b[i];a=Math.imul(a^x,0x01000193)>>>0;c=Math.imul(c^x,0x5bd1e995)>>>0;
c=(c^(c>>>15))>>>0;d=(Math.imul((d+x)>>>0,0x85ebca6b)^(a>>>7))>>>0;e=(Math.imul(e^c,0xc2b2ae35)+x)>>>0;}
function f(h){h=(h^(h>>>16))>>>0;h=Math.imul(h,0x85ebca6b)>>>0;h=(h^(h>>>13))>>>0;
h=Math.imul(h,0xc2b2ae35)>>>0;return (h^(h>>>16))>>>0;}
var o=[f(a^e),f(c^a),f(d^c),f(e^d)],s="";for(var j=0;j<4;j++){s+=("0000000"+o[j].toString(16)).slice(-8);}return s;}
"""


def _obfuscated_key(nonce: str) -> tuple[list[int], int]:
    """The key as numbers the page's script decodes at run time (mask varies per page)."""
    mask = int(hashlib.sha1(nonce.encode()).hexdigest()[:2], 16) | 1
    return [ord(ch) ^ ((mask + 7 * i) & 0xFF) for i, ch in enumerate(SIGN_KEY)], mask


# --------------------------------------------------------------------------- JSON shapes

def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _envelope(world: Any, **fields: Any) -> dict[str, Any]:
    logid = secrets.token_hex(12).upper()
    return {"status_code": 0, "status_msg": None, **fields,
            "extra": {"now": _ms(world.now), "logid": logid, "fatal_item_ids": None},
            "log_pb": {"impr_id": logid}}


def _user_json(acc: Any, world: Any = None) -> dict[str, Any]:
    """The account as the profile shows it (``aweme_count``: the posts still shown, as
    ``World.shown_post_count``; the same as ``post_count`` in generation 0)."""
    avatar = {"uri": f"aweme-avatar/{acc.uid}", "url_list": [acc.avatar_url]}
    return {
        "uid": acc.uid, "sec_uid": acc.platform_id, "unique_id": acc.unique_id, "short_id": "0",
        "nickname": acc.name, "signature": acc.description,
        "avatar_thumb": avatar, "avatar_medium": avatar, "avatar_larger": avatar,
        "follower_count": acc.followers, "following_count": acc.following,
        "aweme_count": world.shown_post_count(acc) if world is not None else acc.post_count,
        "total_favorited": acc.total_likes, "favoriting_count": 0,
        "mplatform_followers_count": acc.followers,
        "custom_verify": "", "enterprise_verify_reason": acc.verified_reason,
        "verification_type": acc.verified_type, "is_gov_media_vip": bool(acc.verified),
        "ip_location": f"IP属地：{acc.ip_region}", "country": "中国",
        "province": acc.ip_region, "city": "", "gender": 0, "is_star": False, "live_status": 0,
        "mix_count": 0, "secret": 0, "is_ban": False, "is_block": False, "is_blocked": False,
        "share_info": {"share_url": f"https://www.iesdouyin.com/share/user/{acc.platform_id}"},
    }


def _desc_and_extra(post: Any) -> tuple[str, list[dict[str, Any]]]:
    """The post's ``desc`` and its ``text_extra`` (code-point offsets of #tags and @names)."""
    desc = ""
    extra: list[dict[str, Any]] = []
    for seg in post.segments:
        if seg.kind == "topic":
            piece = f"#{seg.value}"
            tag_id = str(1_590_000_000_000_000 + int(hashlib.md5(seg.value.encode())
                                                     .hexdigest()[:10], 16) % 10**12)
            extra.append({"start": len(desc), "end": len(desc) + len(piece), "type": 1,
                          "hashtag_name": seg.value, "hashtag_id": tag_id, "is_commerce": False})
        elif seg.kind == "mention":
            piece = f"@{seg.value}"
            uid = str(int(hashlib.md5(seg.value.encode()).hexdigest()[:10], 16))
            extra.append({"start": len(desc), "end": len(desc) + len(piece), "type": 0,
                          "user_id": uid, "sec_uid": ""})
        elif seg.kind == "link":
            piece = seg.extra or seg.value
        else:
            piece = seg.value
        desc += piece
    return desc, extra


def _aweme_json(world: Any, post: Any) -> dict[str, Any]:
    acc = post.account
    desc, text_extra = _desc_and_extra(post)
    if post.text != desc:  # an edit (generation >= 1) appends text the segments carry
        desc = post.text
    images = [(kind, url) for kind, url in post.media if kind == "image"]
    video = next((url for kind, url in post.media if kind == "video"), None)
    vid = video.rsplit("video_id=", 1)[-1] if video else ""
    cover = {"uri": f"cover-{post.post_id}",
             "url_list": [f"https://p3-pc-sign.douyinpic.com/obj/cover-{post.post_id}.jpeg"]}
    aweme: dict[str, Any] = {
        "aweme_id": post.post_id, "desc": desc, "caption": desc.split(" #", 1)[0],
        "create_time": int(post.created_at.timestamp()),
        "aweme_type": 68 if images else 0, "media_type": 2 if images else 4,
        "is_top": 1 if post.pinned else 0,
        "duration": 0 if images else (post.video_ms or 0),
        # the author as Douyin's list shows it: the profile's fields and counts
        "author": _user_json(acc, world),
        "statistics": {"aweme_id": post.post_id, "digg_count": post.likes,
                       "comment_count": post.comments_count, "share_count": post.reposts,
                       "collect_count": post.favorites or 0, "play_count": 0, "admire_count": 0},
        "text_extra": text_extra,
        "music": {"id": int("6" + post.post_id[1:]), "title": f"@{acc.name}创作的原声",
                  "author": acc.name, "duration": (post.video_ms or 15000) // 1000},
        "share_url": f"https://www.iesdouyin.com/share/"
                     f"{'note' if images else 'video'}/{post.post_id}/?region=CN",
        "status": {"is_delete": False, "private_status": 0, "is_prohibited": False,
                   "part_see": 0, "in_reviewing": False},
    }
    if images:
        aweme["images"] = [{"uri": url.rsplit("/", 1)[-1].split("~", 1)[0], "url_list": [url],
                            "download_url_list": [url.replace("~tplv", "~wm~tplv")],
                            "width": 1080, "height": 1440} for _, url in images]
        aweme["video"] = {"play_addr": {"uri": "", "url_list": []}, "cover": cover, "duration": 0}
    else:
        aweme["images"] = None
        aweme["video"] = {
            "play_addr": {"uri": vid, "width": 1080, "height": 1920, "url_list": [
                f"https://v26-web.douyinvod.com/{vid}/?x-expires={_ms(world.now) // 1000 + 7200}",
                video or ""]},
            "cover": cover, "duration": post.video_ms or 0, "ratio": "1080p"}
    return aweme


def _comment_json(c: Any, reply_total: int | None = None) -> dict[str, Any]:
    parent = c.reply_to
    return {
        "cid": c.comment_id, "text": c.text, "aweme_id": c.post.post_id,
        "create_time": int(c.created_at.timestamp()), "digg_count": c.likes, "status": 1,
        "user": {"uid": c.author_id, "sec_uid": c.author_sec_uid, "nickname": c.author_name,
                 "avatar_thumb": {"url_list": [f"https://p3.douyinpic.com/aweme/100x100/"
                                               f"u{c.author_id}.jpeg"]}},
        "reply_id": parent.comment_id if parent is not None else "0",
        "reply_to_reply_id": "0",
        "reply_comment_total": reply_total if reply_total is not None else 0,
        "reply_comment": None, "text_extra": [], "ip_label": c.ip_region,
        "is_author_digged": False, "is_hot": False,
        "label_text": "作者" if c.is_official else "", "image_list": None,
        "level": 2 if parent is not None else 1,
    }


def posts_page(world: Any, acc: Any, max_cursor: int, count: int) -> dict[str, Any]:
    """One ``aweme/post`` page: posts older than ``max_cursor`` (ms; 0 = newest first)."""
    n = world.post_count(acc)
    start = 0
    if max_cursor:  # posts are newest first: bisect for the first one older than the cursor
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if _ms(world.post_at(acc, mid).created_at) < max_cursor:
                hi = mid
            else:
                lo = mid + 1
        start = lo
    page: list[Any] = []
    index = start
    while index < n and len(page) < count:
        post = world.post_at(acc, index)
        index += 1
        if not post.deleted:  # a deleted post is simply gone from the list
            page.append(post)
    has_more = 1 if any(not world.post_at(acc, i).deleted for i in range(index, n)) else 0
    awemes = [_aweme_json(world, p) for p in page]
    if not max_cursor:  # pinned posts lead the first page
        awemes = [_aweme_json(world, p) for p in world.pinned(acc) if not p.deleted] + awemes
    if not awemes:
        return _envelope(world, min_cursor=0, max_cursor=0, has_more=0, aweme_list=None,
                         time_list=None)
    if not page:  # only a pinned post
        return _envelope(world, min_cursor=0, max_cursor=0, has_more=0, aweme_list=awemes,
                         time_list=[])
    return _envelope(world, min_cursor=_ms(page[0].created_at),
                     max_cursor=_ms(page[-1].created_at), has_more=has_more,
                     aweme_list=awemes, time_list=[])


# --------------------------------------------------------------------------- the page

PAGE_JS = r"""
(function(){
var N=window.__ac_nonce,KC=window.__ac_k,M=window.__ac_m,P=location.pathname,
BASE=P.slice(0,P.indexOf('/user/')),SEC=decodeURIComponent(P.slice(P.indexOf('/user/')+6).split('/')[0]);
function kk(){var s='';for(var i=0;i<KC.length;i++){s+=String.fromCharCode(KC[i]^((M+7*i)&255));}return s;}
var T='';for(var i=0;T.length<128;i++){T+=_h(N+':'+i);}
function common(){return [['device_platform','webapp'],['aid','6383'],['channel','channel_pc_web'],
['version_code','190600'],['version_name','19.6.0'],['update_version_code','170400'],['pc_client_type','1'],
['cookie_enabled',String(navigator.cookieEnabled)],['browser_language',navigator.language||'zh-CN'],
['browser_platform',navigator.platform||'Linux'],['browser_name','Chrome'],['engine_name','Blink'],
['platform','PC'],['screen_width',String(screen.width)],['screen_height',String(screen.height)],
['webid',String(N.length*1000003)]];}
function api(path,params){var q=new URLSearchParams();params.forEach(function(p){q.append(p[0],String(p[1]));});
common().forEach(function(p){q.append(p[0],p[1]);});q.append('msToken',T);var qs=q.toString();
var sig=_h(kk()+'|'+qs+'|'+navigator.userAgent);
return fetch(BASE+'/aweme/v1/web'+path+'?'+qs+'&a_bogus='+sig,{credentials:'include'}).then(function(r){return r.text();})
.then(function(t){if(!t){throw new Error('empty body');}var d=JSON.parse(t);if(d.status_code!==0){throw new Error('status '+d.status_code);}return d;});}
var errs=document.getElementById('errors'),posts=document.getElementById('posts');
function retryButton(again,e){var b=document.createElement('button');b.className='retry';
b.setAttribute('data-error',String(e&&e.message||e));b.textContent='\u52a0\u8f7d\u5931\u8d25\uff0c\u70b9\u51fb\u91cd\u8bd5';
b.addEventListener('click',function(){b.remove();again();});errs.appendChild(b);}
function attempt(job,done){job().then(done,function(e){retryButton(function(){attempt(job,done);},e);});}
var cq=[],cbusy=false;
function q(job){cq.push(job);pump();}
function pump(){if(cbusy||!cq.length){return;}cbusy=true;var job=cq.shift();attempt(job,function(){cbusy=false;pump();});}
function comments(aid,cursor){return function(){return api('/comment/list/',[['aweme_id',aid],['cursor',cursor],['count',20],['item_type',0]])
.then(function(d){(d.comments||[]).forEach(function(c){if(c.reply_comment_total>0){cq.push(replies(aid,c.cid,0));}});
if(d.has_more){cq.unshift(comments(aid,d.cursor));}});};}
function replies(aid,cid,cursor){return function(){return api('/comment/list/reply/',[['item_id',aid],['comment_id',cid],['cursor',cursor],['count',20],['item_type',0]])
.then(function(d){if(d.has_more){cq.unshift(replies(aid,cid,d.cursor));}});};}
function render(list){(list||[]).forEach(function(a){var li=document.createElement('li');li.className='post';
li.setAttribute('data-aweme-id',a.aweme_id);li.textContent=(a.is_top?'[\u7f6e\u9876] ':'')+a.desc;
li.addEventListener('click',function(){q(comments(a.aweme_id,0));});posts.appendChild(li);});}
var st={cursor:0,more:true,loading:false};
function more(){if(st.loading||!st.more){return;}st.loading=true;
attempt(function(){return api('/aweme/post/',[['sec_user_id',SEC],['max_cursor',st.cursor],['locate_query','false'],['show_live_replay_strategy','1'],
['need_time_list',st.cursor?0:1],['time_list_query','0'],['whale_cut_token',''],['cut_version','1'],['count',18],['publish_video_strategy_type','2']])
.then(function(d){st.more=!!d.has_more;st.cursor=d.max_cursor;render(d.aweme_list);});},function(){st.loading=false;});}
attempt(function(){return api('/user/profile/other/',[['publish_video_strategy_type','2'],['sec_user_id',SEC],['personal_center_strategy','1']])
.then(function(d){var u=d.user||{};document.getElementById('nickname').textContent=u.nickname||'';});},function(){});
new IntersectionObserver(function(es){es.forEach(function(e){if(e.isIntersecting){more();}});})
.observe(document.getElementById('sentinel'));
})();
"""


def user_page(sec_uid: str, nonce: str) -> str:
    """The account page: empty shell plus the signing script (everything comes from the API)."""
    codes, mask = _obfuscated_key(nonce)
    return (
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>抖音</title><meta name=\"sec-uid\" content=\"{html.escape(sec_uid)}\">"
        "<style>body{margin:0;font-family:sans-serif}.post{min-height:240px;"
        "border-bottom:1px solid #ddd;padding:8px}#sentinel{height:4px}</style></head><body>"
        "<header><h1 id=\"nickname\"></h1></header><div id=\"errors\"></div><ul id=\"posts\"></ul>"
        "<div id=\"sentinel\"></div>"
        f"<script>window.__ac_nonce={json.dumps(nonce)};window.__ac_k={json.dumps(codes)};"
        f"window.__ac_m={mask};</script>"
        f"<script>{SIGN_JS}{PAGE_JS}</script></body></html>")


# --------------------------------------------------------------------------- handlers

def _empty() -> web.Response:
    """What Douyin answers to an unsigned or rejected request: 200, zero bytes."""
    return web.Response(status=200, body=b"", content_type="application/json")


def _json(data: dict[str, Any]) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False),
                        content_type="application/json", charset="utf-8")


def _signed(handler: Callable[[web.Request], Any]) -> Callable[[web.Request], Any]:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not verify(request.rel_url.raw_query_string, request.headers.get("User-Agent", "")):
            return _empty()
        return await handler(request)
    return guarded


def _int(request: web.Request, name: str, default: int = 0) -> int:
    try:
        return max(0, int(request.query.get(name, default)))
    except ValueError:
        return default


def make_handlers(world: Any) -> dict[str, Callable[[web.Request], Any]]:
    """The route handlers over ``world`` (path suffix -> coroutine function)."""

    async def page(request: web.Request) -> web.StreamResponse:
        sec_uid = request.match_info["sec_uid"]
        return web.Response(text=user_page(sec_uid, secrets.token_hex(16)),
                            content_type="text/html", charset="utf-8")

    async def profile(request: web.Request) -> web.StreamResponse:
        acc = world.account("douyin", request.query.get("sec_user_id", ""))
        if acc is None:
            return _json(_envelope(world, user=None))
        return _json(_envelope(world, user=_user_json(acc, world)))

    async def posts(request: web.Request) -> web.StreamResponse:
        acc = world.account("douyin", request.query.get("sec_user_id", ""))
        count = min(max(_int(request, "count", POSTS_PAGE), 1), 35)
        if acc is None:
            return _json(_envelope(world, min_cursor=0, max_cursor=0, has_more=0,
                                   aweme_list=None, time_list=None))
        return _json(posts_page(world, acc, _int(request, "max_cursor"), count))

    async def comments(request: web.Request) -> web.StreamResponse:
        post = world.post("douyin", request.query.get("aweme_id", ""))
        cursor = _int(request, "cursor")
        count = min(max(_int(request, "count", COMMENTS_PAGE), 1), 50)
        if post is None:
            return _json(_envelope(world, comments=None, cursor=0, has_more=0, total=0))
        total = world.comment_count(post)
        page = world.comments(post, cursor, count)
        return _json(_envelope(
            world, comments=[_comment_json(c, len(c.replies)) for c in page] or None,
            cursor=cursor + len(page), has_more=1 if cursor + len(page) < total else 0,
            total=total))

    async def replies(request: web.Request) -> web.StreamResponse:
        parent = world.comment("douyin", request.query.get("comment_id", ""))
        cursor = _int(request, "cursor")
        count = min(max(_int(request, "count", COMMENTS_PAGE), 1), 50)
        if parent is None or parent.post.post_id != request.query.get("item_id"):
            return _json(_envelope(world, comments=None, cursor=0, has_more=0, total=0))
        items = parent.replies[cursor:cursor + count]
        total = len(parent.replies)
        return _json(_envelope(
            world, comments=[_comment_json(c) for c in items] or None,
            cursor=cursor + len(items), has_more=1 if cursor + len(items) < total else 0,
            total=total))

    return {"/user/{sec_uid}": page,
            "/aweme/v1/web/user/profile/other/": _signed(profile),
            "/aweme/v1/web/aweme/post/": _signed(posts),
            "/aweme/v1/web/comment/list/": _signed(comments),
            "/aweme/v1/web/comment/list/reply/": _signed(replies)}


# --------------------------------------------------------------------------- troubles

def _trouble_empty(request: web.Request) -> web.StreamResponse:
    return _empty()


def _trouble_blocked(request: web.Request) -> web.StreamResponse:
    return web.Response(status=200, text="blocked", content_type="text/plain")


def _trouble_captcha(request: web.Request) -> web.StreamResponse:
    return _json({"status_code": 1105, "status_msg": "请完成验证",
                  "extra": {"now": 0, "logid": secrets.token_hex(12).upper()}})


#: Douyin's shapes of the troubles. No ``rate_limit``: Douyin answers a too-fast client with
#: an empty body or a verify step, not with a distinct rate-limit response.
TROUBLES = {"empty_body": _trouble_empty, "blocked": _trouble_blocked,
            "captcha": _trouble_captcha}


def routes(world: Any) -> list[Any]:
    """The sandbox routes of Douyin (see the module docstring)."""
    out = []
    for suffix, handler in make_handlers(world).items():
        is_api = suffix.startswith("/aweme/")
        out.append(Route(method="GET", path=PREFIX + suffix, handler=handler,
                         base_setting="DOUYIN_BASE_URL", prefix=PREFIX,
                         troubles=dict(TROUBLES) if is_api else {},
                         generic_troubles=("truncated", "slow") if is_api else ()))
    return out
