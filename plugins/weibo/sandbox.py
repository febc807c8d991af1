"""Sandbox endpoints of ``m.weibo.cn``, rendered from the generated world (``/weibo`` prefix).

Same paths, parameters and body shapes as the real mobile API (``docs/platforms.md`` §1):

- ``/api/container/getIndex?type=uid&value=UID``: ``data.userInfo`` + ``tabsInfo``;
  with ``containerid=107603UID[&since_id=MID]``: a timeline page of ``card_type 9`` cards (some
  wrapped in ``card_type 11`` groups), the pinned post (``mblogtype 2``) on top of page 1,
  ``cardlistInfo.since_id`` = the id of the next post, absent on the last page;
- ``/statuses/extend?id=MID``: ``longTextContent``; ``/statuses/show?id=MID``: the mblog;
- ``/comments/hotflow?id=MID&mid=MID[&max_id=..&max_id_type=..]``: comments with nested
  replies (``comments: false`` when none), ``max_id == 0`` on the last page.

Ids are strings in mblogs and ints in comments; counts of 10,000 and more are display strings
(``"2.3万"``) as the real site sometimes sends them; ``created_at`` within the last hour is
relative (``N分钟前``). Deleted posts (world generation 1) vanish from the timeline and answer
``ok: 0`` on ``extend``/``show``.
"""

from __future__ import annotations

import hashlib
import html
from datetime import datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from govspider.processors import CST
from govspider.sandbox.core import Route, empty_response, html_response
from govspider.sandbox.core import json_response as reply

PREFIX = "/weibo"
TIMELINE_PAGE = 10
COMMENTS_PAGE = 10
#: Plain-text length shown before ``…全文`` in a truncated (``isLongText``) post.
TRUNCATE_AT = 120
_WEIBO_TIME = "%a %b %d %H:%M:%S +0800 %Y"
_EMOJI_FILES = "https://face.t.sinajs.cn/t4/appstyle/expression/ext/normal/{}.png"
_WEB_ICON = "https://h5.sinaimg.cn/upload/2015/09/25/3/timeline_card_small_web_default.png"
DELETED_MSG = "抱歉，此微博已被作者删除。"


# --------------------------------------------------------------------------- rendering

def display_count(n: int | None, as_text: bool = True) -> int | str:
    """Counts of 10,000 and more as the site's display strings (``"2.3万"``, ``"1.2亿"``)
    when ``as_text`` (the real site mixes ints and display strings)."""
    if n is None:
        return 0
    if not as_text:
        return n
    if n >= 100_000_000:
        return f"{n / 100_000_000:.1f}亿".replace(".0亿", "亿")
    if n >= 10_000:
        return f"{n / 10_000:.1f}万".replace(".0万", "万")
    return n


def weibo_time(t: datetime, now: datetime) -> str:
    """``Sat Nov 20 10:00:00 +0800 2021``; ``N分钟前`` within the last hour, ``刚刚`` under one."""
    age = (now - t).total_seconds()
    if 0 <= age < 60:
        return "刚刚"
    if 0 <= age < 3600:
        return f"{int(age // 60)}分钟前"
    return t.astimezone(CST).strftime(_WEIBO_TIME)


def _short(value: str) -> str:
    """A stable fake ``t.cn`` code for a URL."""
    return hashlib.blake2b(value.encode("utf-8"), digest_size=4).hexdigest()


def _emoji(value: str) -> str:
    name = quote(value.strip("[]"))
    return (f'<span class="url-icon"><img alt={value} src="{_EMOJI_FILES.format(name)}" '
            f'style="width:1em; height:1em;" /></span>')


def _text(value: str) -> str:
    return html.escape(value, quote=False).replace("\n", "<br />")


def segment_markup(seg: Any, containerid: str = "") -> str:
    """One world segment as Weibo markup (topic anchors, ``/n/`` mentions, sinaurl links)."""
    kind, value, extra = seg[0], seg[1], seg[2] if len(seg) > 2 else None
    if kind == "topic":
        q = quote(f"#{value}#")
        return (f'<a  href="https://m.weibo.cn/search?containerid=231522type%3D1%26t%3D10%26q%3D{q}'
                f'&extparam={q}&luicode=10000011&lfid={containerid}" data-hide="">'
                f'<span class="surl-text">#{html.escape(value)}#</span></a>')
    if kind == "mention":
        return f"<a href='/n/{html.escape(value)}'>@{html.escape(value)}</a>"
    if kind == "link":
        wrapped = "https://weibo.cn/sinaurl?u=" + quote(value, safe="")
        return (f'<a data-url="http://t.cn/A6{_short(value)}" href="{wrapped}" '
                f'data-hide=""><span class=\'url-icon\'><img style=\'width: 1rem;height: 1rem\' '
                f'src=\'{_WEB_ICON}\'></span><span class="surl-text">{html.escape(extra or "网页链接")}'
                f'</span></a>')
    if kind == "emoji":
        return _emoji(value)
    return _text(value)


def render_markup(segments: list[Any], containerid: str = "",
                  limit: int | None = None) -> tuple[str, bool]:
    """Markup of segments; with ``limit``, cut after that many plain characters (truncated?)."""
    parts: list[str] = []
    shown = 0
    for seg in segments:
        kind, value = seg[0], seg[1]
        plain = len(value) + (2 if kind == "topic" else 1 if kind == "mention" else 0)
        if limit is not None and shown + plain > limit:
            if kind == "text":
                parts.append(_text(value[: max(0, limit - shown)]))
            return "".join(parts), True
        parts.append(segment_markup(seg, containerid))
        shown += plain
    return "".join(parts), False


def user_json(acc: Any, world: Any = None) -> dict[str, Any]:
    """``userInfo`` / ``mblog.user`` of a world account (ids as ints, as the site sends them);
    with the ``world``, ``statuses_count`` counts what it shows (deletions of generation 1)."""
    uid = str(getattr(acc, "uid", "") or getattr(acc, "platform_id", ""))
    followers = getattr(acc, "followers", 0) or 0
    reason = getattr(acc, "verified_reason", "") or ""
    return {
        "id": int(uid) if uid.isdigit() else uid,
        "screen_name": getattr(acc, "name", ""),
        "profile_image_url": getattr(acc, "avatar_url", ""),
        "profile_url": f"https://m.weibo.cn/u/{uid}?uid={uid}&luicode=10000011&lfid=107603{uid}",
        "statuses_count": (world.shown_post_count(acc) if world is not None
                           else getattr(acc, "post_count", 0) or 0),
        "verified": bool(getattr(acc, "verified", False)),
        "verified_type": getattr(acc, "verified_type", -1),
        "verified_type_ext": 0 if getattr(acc, "verified", False) else None,
        "verified_reason": (reason + "\u3000") if reason else "",
        "close_blue_v": False,
        "description": getattr(acc, "description", "") or "",
        "gender": "m", "mbtype": 0, "urank": 9, "mbrank": 0, "svip": 0,
        "follow_me": False, "following": False,
        "follow_count": getattr(acc, "following", 0) or 0,
        "followers_count": display_count(followers, getattr(acc, "index", 0) % 2 == 1),
        "avatar_hd": (getattr(acc, "avatar_url", "") or "").replace("crop.0.0.512.512.180", "orj480"),
        "like": False, "like_me": False,
    }


def mblog_json(world: Any, post: Any, *, full: bool = False) -> dict[str, Any]:
    """A post as an ``mblog`` (``full``: with ``longText`` as ``statuses/show`` gives it)."""
    acc = post.account
    uid = str(getattr(acc, "uid", "") or acc.platform_id)
    containerid = f"107603{uid}"
    mid = post.post_id
    if getattr(post, "deleted", False) and getattr(post, "kind", "") == "original":
        return {"created_at": "", "id": mid, "idstr": mid, "mid": mid, "deleted": "1",
                "text": (post.deleted_reason or DELETED_MSG) + '查看帮助：<a data-url="http://t.cn/A6help" '
                "href=\"https://weibo.cn/sinaurl?u=https%3A%2F%2Fkefu.weibo.com%2F\">http://t.cn/A6help</a>",
                "visible": {"type": 0, "list_id": 0}}
    as_text = getattr(post, "ordinal", 0) % 3 == 0  # some posts carry display strings
    whole, _ = render_markup(post.segments, containerid)
    text = whole
    if post.is_long and not full:
        cut, _ = render_markup(post.segments, containerid, TRUNCATE_AT)
        text = f'{cut} ...<a href="/status/{mid}">全文</a>'
    mblog: dict[str, Any] = {
        "visible": {"type": 0, "list_id": 0},
        "created_at": weibo_time(post.created_at, world.now),
        "id": mid, "mid": mid, "bid": post.bid or "",
        "can_edit": False, "show_additional_indication": 0,
        "text": text, "textLength": len(post.text.encode("gbk", "ignore")),
        "source": post.source or "", "favorited": False,
        "pic_num": 0, "isLongText": bool(post.is_long),
        "user": user_json(acc, world),
        "reposts_count": display_count(post.reposts, as_text),
        "comments_count": display_count(post.comments_count, as_text),
        "attitudes_count": display_count(post.likes, as_text),
        "pending_approval_count": 0, "mblogtype": 2 if post.pinned else 0,
        "region_name": f"发布于 {post.ip_region}" if post.ip_region else "",
        "number_display_strategy": {"apply_scenario_flag": 3, "display_text_min_number": 1000000,
                                    "display_text": "100万+"},
    }
    if post.pinned:
        mblog["isTop"] = 1
        mblog["title"] = {"text": "置顶", "base_color": 1}
    if getattr(post, "edited_text", None):
        mblog["edit_count"] = 1
        mblog["edit_at"] = weibo_time(world.now, world.now)
        mblog["edit_config"] = {"edited": True}
    images = [url for kind, url in post.media if kind == "image"]
    if images:
        mblog["pic_num"] = len(images)
        mblog["pic_ids"] = [u.rsplit("/", 1)[-1].split(".")[0] for u in images]
        mblog["pics"] = [{"pid": u.rsplit("/", 1)[-1].split(".")[0],
                          "url": u.replace("/large/", "/orj360/"), "size": "orj360",
                          "geo": {"width": 360, "height": 240, "croped": False},
                          "large": {"size": "large", "url": u,
                                    "geo": {"width": "1080", "height": "720", "croped": False}}}
                         for u in images]
    videos = [url for kind, url in post.media if kind == "video"]
    if videos:
        mblog["page_info"] = {
            "type": "video", "object_type": 11,
            "page_pic": {"url": videos[0].replace(".mp4", ".jpg")},
            "page_url": f"https://video.weibo.com/show?fid=1034:{mid}",
            "object_id": f"1034:{mid}", "page_title": f"{acc.name}的微博视频",
            "title": f"{acc.name}的微博视频", "play_count": f"{display_count(post.likes * 7)}次播放",
            "media_info": {"stream_url": videos[0], "stream_url_hd": videos[0], "duration": 61.2},
            "urls": {"mp4_720p_mp4": videos[0], "mp4_hd_mp4": videos[0]},
        }
    if full and post.is_long:
        mblog["longText"] = {"longTextContent": whole, "url_objects": []}
    if post.repost_of is not None:
        mblog["retweeted_status"] = mblog_json(world, post.repost_of)
    return mblog


def _card(mblog: dict[str, Any], containerid: str) -> dict[str, Any]:
    return {"card_type": 9, "itemid": f"{containerid}_-_{mblog['id']}",
            "scheme": f"https://m.weibo.cn/status/{mblog.get('bid')}?mblogid={mblog.get('bid')}"
                      f"&luicode=10000011&lfid={containerid}",
            "mblog": mblog, "show_type": 0}


def profile_json(acc: Any, world: Any = None) -> dict[str, Any]:
    uid = str(acc.uid)
    return {"ok": 1, "data": {
        "avatar_guide": [], "isStarStyle": 0, "userInfo": user_json(acc, world),
        "fans_scheme": f"https://m.weibo.cn/p/index?containerid=231051_-_fans_intimacy_-_{uid}",
        "follow_scheme": f"https://m.weibo.cn/p/index?containerid=231051_-_followersrecomm_-_{uid}",
        "tabsInfo": {"selectedTab": 1, "tabs": [
            {"id": 1, "tabKey": "profile", "must_show": 1, "hidden": 0, "title": "主页",
             "tab_type": "profile", "containerid": f"230283{uid}"},
            {"id": 2, "tabKey": "weibo", "must_show": 1, "hidden": 0, "title": "微博",
             "tab_type": "weibo", "containerid": f"107603{uid}", "apipath": "/profile/statuses",
             "url": "/index/my"}]},
        "showAppTips": 0, "scheme": f"sinaweibo://userinfo?uid={uid}"}}


def timeline_json(world: Any, acc: Any, since_id: str | None, page: int | None = None) -> dict[str, Any]:
    """One timeline page; ``since_id`` is the id of the first post of the page. With ``page``
    (the old ``230413`` container) pages are numbered and ``cardlistInfo.page`` names the next."""
    uid = str(acc.uid)
    containerid = f"{'230413' if page else '107603'}{uid}"
    start = 0
    if page:
        start = (page - 1) * TIMELINE_PAGE
    elif since_id:
        post = world.post("weibo", since_id)
        if post is None or post.account is not acc or post.index < 0:
            return {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
        start = post.index
    total = world.post_count(acc)
    batch = world.posts(acc, start, TIMELINE_PAGE)
    if not batch and start == 0 and not world.pinned(acc):
        return {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
    cards: list[dict[str, Any]] = []
    if start == 0:
        cards += [_card(mblog_json(world, p), containerid) for p in world.pinned(acc)
                  if not p.deleted]
    for i, post in enumerate(batch):
        if post.deleted:
            continue
        card = _card(mblog_json(world, post), containerid)
        if (start + i) % 7 == 3:  # some posts come wrapped in a card_type 11 group
            card = {"card_type": 11, "card_group": [card], "show_type": 0}
        cards.append(card)
    if start == 0 and len(cards) > 2:
        cards.insert(2, {"card_type": 58, "card_group": [], "desc": "以下为博主最近的微博"})
    info: dict[str, Any] = {"containerid": containerid, "v_p": 42, "show_style": 1,
                            "total": world.shown_post_count(acc)}
    if start + TIMELINE_PAGE < total:
        if page:
            info["page"] = page + 1
        else:
            info["since_id"] = int(world.posts(acc, start + TIMELINE_PAGE, 1)[0].post_id)
    return {"ok": 1, "data": {"cardlistInfo": info, "cards": cards,
                              "scheme": f"sinaweibo://cardlist?containerid={containerid}&v_p=42",
                              "showAppTips": 0}}


def comment_json(world: Any, c: Any, *, nested: bool = True) -> dict[str, Any]:
    root = c.reply_to.comment_id if getattr(c, "reply_to", None) is not None else c.comment_id
    user = {"id": int(c.author_id) if str(c.author_id).isdigit() else c.author_id,
            "screen_name": c.author_name, "verified": bool(c.is_official),
            "verified_type": 1 if c.is_official else -1}
    if c.is_official:
        user = user_json(c.post.account)
    out: dict[str, Any] = {
        "created_at": c.created_at.astimezone(world.now.tzinfo).strftime(_WEIBO_TIME),
        "id": int(c.comment_id), "rootid": root, "rootidstr": root,
        "floor_number": int(str(c.comment_id)[11:14]) + 1 if len(str(c.comment_id)) == 16 else 0,
        "text": render_markup([("text", c.text)])[0], "disable_reply": 0, "user": user,
        "mid": c.comment_id, "readtimetype": "comment", "bid": "", "liked": False,
        "source": f"来自{c.ip_region}" if c.ip_region else "",
        "like_count": display_count(c.likes), "isLikedByMblogAuthor": False,
    }
    if nested:
        replies = [comment_json(world, r, nested=False) for r in c.replies]
        out.update({"comments": replies or False, "max_id": 0, "total_number": len(replies)})
    return out


def comments_json(world: Any, post: Any, max_id: str | None, max_id_type: str | None
                  ) -> dict[str, Any]:
    """A page of hot comments; ``max_id`` is the id of the first comment of the next page."""
    start = 0
    if max_id and max_id != "0":
        start = int(str(max_id)[11:14]) if len(str(max_id)) == 16 else 0
    total = world.comment_count(post)
    if total == 0:
        return {"ok": 0, "msg": "快来发表你的评论吧"}
    page = world.comments(post, start, COMMENTS_PAGE)
    nxt = 0
    if start + COMMENTS_PAGE < total:
        nxt = int(world.comments(post, start + COMMENTS_PAGE, 1)[0].comment_id)
    page_no = start // COMMENTS_PAGE + 1
    return {"ok": 1, "data": {"data": [comment_json(world, c) for c in page],
                              "total_number": total, "max_id": nxt,
                              "max_id_type": 1 if page_no >= 2 else 0}}


# --------------------------------------------------------------------------- aiohttp glue

def routes(world: Any) -> list[Any]:
    """The Weibo routes of the sandbox (``govspider_sandbox_routes``)."""
    async def get_index(request: web.Request) -> web.Response:
        q = request.query
        uid = q.get("value") or ""
        containerid = q.get("containerid") or ""
        if not uid and containerid[:6] in ("107603", "100505"):
            uid = containerid[6:]
        acc = world.account("weibo", uid)
        if containerid.startswith("107603"):
            if acc is None:
                return reply({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
            return reply(timeline_json(world, acc, q.get("since_id")))
        if containerid.startswith("230413"):  # the old container, numbered by page
            if not uid:
                uid = containerid[6:]
                acc = world.account("weibo", uid)
            if acc is None:
                return reply({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
            number = q.get("page") or "1"
            return reply(timeline_json(world, acc, None, int(number) if number.isdigit() else 1))
        if containerid and not containerid.startswith("100505"):
            return reply({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
        if acc is None:
            return reply({"ok": 0, "msg": "用户不存在", "errno": "20003"})
        return reply(profile_json(acc, world))

    def _post(request: web.Request) -> Any:
        post = world.post("weibo", request.query.get("id", ""))
        return post if post is not None and post.platform == "weibo" else None

    async def extend(request: web.Request) -> web.Response:
        post = _post(request)
        if post is None or post.deleted:
            return reply({"ok": 0, "msg": (post.deleted_reason if post is not None and
                                          "删除" in (post.deleted_reason or "") else DELETED_MSG),
                          "errno": "20101"})
        markup, _ = render_markup(post.segments, f"107603{post.account.uid}")
        return reply({"ok": 1, "data": {"ok": 1, "longTextContent": markup,
                                        "reposts_count": display_count(post.reposts),
                                        "comments_count": display_count(post.comments_count),
                                        "attitudes_count": display_count(post.likes)}})

    async def show(request: web.Request) -> web.Response:
        post = _post(request)
        if post is None or post.deleted:
            return reply({"ok": 0, "msg": DELETED_MSG, "errno": "20101"})
        return reply({"ok": 1, "data": mblog_json(world, post, full=True)})

    async def hotflow(request: web.Request) -> web.Response:
        post = _post(request) or world.post("weibo", request.query.get("mid", ""))
        if post is None or post.deleted:
            return reply({"ok": 0, "msg": "快来发表你的评论吧"})
        return reply(comments_json(world, post, request.query.get("max_id"),
                                   request.query.get("max_id_type")))

    troubles = {
        "login_wall": lambda request: reply({
            "ok": -100,
            "url": "https://passport.weibo.cn/signin/welcome?entry=mweibo&r="
                   + quote(str(request.url), safe="")}),
        "rate_limit": lambda request: html_response(
            "<html><body><h1>418 I'm a teapot</h1></body></html>", status=418),
        "captcha": lambda request: reply({
            "ok": 0, "url": "https://security.weibo.com/captcha/geetest?type=2&c=sandbox"}),
        "blocked": lambda request: html_response(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sina Visitor System"
            "</title></head><body><script>location.replace('https://passport.weibo.com/"
            "visitor/visitor');</script></body></html>"),
        "empty_body": lambda request: empty_response(),
    }
    handlers = (("/api/container/getIndex", get_index), ("/statuses/extend", extend),
                ("/statuses/show", show), ("/comments/hotflow", hotflow))
    return [Route(method="GET", path=PREFIX + path, handler=handler, base_setting="WEIBO_BASE_URL",
                  prefix=PREFIX, troubles=dict(troubles))
            for path, handler in handlers]
