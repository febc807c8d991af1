"""Pure parsers of Douyin web API responses (platforms.md §3).

Each parser takes a :class:`~govspider.platform.ParseInput` (a saved or live body) and returns a
:class:`~govspider.platform.ParseResult`; nothing here touches the network or the clock.

Error shapes (§3.6) are never "ok with zero items":

* HTTP 200 with an empty body -> ``error``/``blocked`` (signature rejected or risk control);
* the literal body ``blocked`` -> ``error``/``blocked``;
* an HTML page (slider-captcha "verify" page) -> ``error``/``captcha``;
* ``{"status_code": <non-zero>}`` -> ``error`` (``captcha`` for the verify codes, else ``blocked``);
* a body that is not JSON (truncated...) -> ``error``/``malformed``.

``aweme_list: null`` (or ``[]``) with ``has_more: 0`` is the end of the list.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from govspider.items import Account, AccountMetrics, Comment, Post
from govspider.platform import (
    BLOCKED,
    CAPTCHA,
    END_OF_LIST,
    MALFORMED,
    NOT_FOUND,
    OK,
    RATE_LIMITED,
    ParseInput,
    ParseResult,
)
from govspider.processors import absolute_url, parse_count, parse_time, strip_prefix

PLATFORM = "douyin"
#: Canonical public URLs of the real site (item URLs never point at a mirror or the sandbox).
SITE = "https://www.douyin.com"
#: ``status_code`` values that mean a captcha / verification step [U: platforms.md §3.6].
CAPTCHA_CODES = frozenset({1105, 2483, 8})
#: ``aweme_type`` values of image posts (图文).
IMAGE_AWEME_TYPES = frozenset({2, 68, 150})
#: ``label_text`` Douyin shows next to a comment written by the video's author.
AUTHOR_LABEL = "作者"

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_HASHTAG_RE = re.compile(r"#([^\s#@]{1,64})")


class DouyinBodyError(Exception):
    """The body is one of the error shapes; carries the :class:`ParseResult` to return."""

    def __init__(self, result: ParseResult):
        super().__init__(result.message)
        self.result = result


# --------------------------------------------------------------------------- envelope


def load_envelope(inp: ParseInput) -> dict[str, Any]:
    """The decoded JSON object of an API response, or raise :class:`DouyinBodyError`."""
    body = inp.body or b""
    stripped = body.strip()
    if not stripped:
        raise DouyinBodyError(ParseResult.error(
            BLOCKED, f"empty body (HTTP {inp.status}): signature rejected or risk control"))
    if stripped == b"blocked":
        raise DouyinBodyError(ParseResult.error(BLOCKED, "body 'blocked': account blocked"))
    if stripped[:1] == b"<":
        text = stripped[:4000].decode("utf-8", errors="replace")
        kind = CAPTCHA if ("verify" in text or "验证" in text or "captcha" in text) else BLOCKED
        raise DouyinBodyError(ParseResult.error(kind, "HTML page instead of JSON (verify page?)"))
    try:
        data = inp.json()
    except ValueError as exc:
        raise DouyinBodyError(ParseResult.error(
            MALFORMED, f"body is not JSON ({len(body)} bytes): {exc}")) from None
    if not isinstance(data, dict):
        raise DouyinBodyError(ParseResult.error(MALFORMED, "JSON body is not an object"))
    code = data.get("status_code")
    if code not in (0, "0", None):
        try:
            number = int(code)
        except (TypeError, ValueError):
            number = -1
        msg = str(data.get("status_msg") or data.get("message") or "")
        if number in CAPTCHA_CODES or "验证" in msg or "verify" in msg.lower():
            kind = CAPTCHA
        elif "频繁" in msg or "too many" in msg.lower() or "rate limit" in msg.lower():
            kind = RATE_LIMITED
        else:
            kind = BLOCKED
        raise DouyinBodyError(ParseResult.error(kind, f"status_code {code}: {msg}".strip()))
    return data


def _now(inp: ParseInput, data: dict[str, Any]) -> datetime | None:
    """The fetch time: the injected one, else the server's ``extra.now``."""
    if inp.now is not None:
        return inp.now
    extra = data.get("extra")
    if isinstance(extra, dict) and extra.get("now"):
        try:
            return parse_time(extra["now"])
        except ValueError:
            return None
    return None


def _api_base(url: str) -> str:
    """``scheme://host[/prefix]`` of an API URL (everything before ``/aweme/``)."""
    if url and "/aweme/" in url:
        return url.split("/aweme/", 1)[0]
    if url:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return SITE


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _str_id(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value)


def _first_url(obj: Any) -> str | None:
    """The first URL of a ``{uri, url_list[]}`` object."""
    if isinstance(obj, dict):
        urls = obj.get("url_list")
        if isinstance(urls, list) and urls and isinstance(urls[0], str):
            return absolute_url(urls[0])
    return None


def _clean(text: Any) -> str | None:
    if text is None:
        return None
    return str(text).translate(_ZERO_WIDTH).strip()


def _count(value: Any) -> int | None:
    count = parse_count(value)
    return count if count is None or count >= 0 else None


# --------------------------------------------------------------------------- profile


def parse_profile(inp: ParseInput) -> ParseResult:
    """``/aweme/v1/web/user/profile/other/`` -> an ``account`` and an ``account_metrics`` item."""
    try:
        data = load_envelope(inp)
    except DouyinBodyError as exc:
        return exc.result
    user = data.get("user")
    if not isinstance(user, dict) or not (user.get("sec_uid") or inp.meta.get("sec_uid")):
        return ParseResult(outcome=NOT_FOUND, message="no user in the profile response")
    sec_uid = str(user.get("sec_uid") or inp.meta.get("sec_uid"))
    account_id = f"{PLATFORM}:{sec_uid}"
    org_reason = _clean(user.get("enterprise_verify_reason")) or None
    personal_reason = _clean(user.get("custom_verify")) or None
    vtype = user.get("verification_type")
    try:
        vtype = int(vtype) if vtype is not None and vtype != "" else None
    except (TypeError, ValueError):
        vtype = None
    verified = bool(org_reason or personal_reason) or bool(vtype and vtype > 0)
    avatar = None
    for key in ("avatar_larger", "avatar_300x300", "avatar_medium", "avatar_thumb"):
        avatar = _first_url(user.get(key))
        if avatar:
            break
    followers = _count(user.get("follower_count"))
    following = _count(user.get("following_count"))
    posts_count = _count(user.get("aweme_count"))
    likes = _count(user.get("total_favorited"))
    extra = {
        "uid": _str_id(user.get("uid")),
        "unique_id": _clean(user.get("unique_id")) or None,
        "short_id": _str_id(user.get("short_id")) if str(user.get("short_id")) != "0" else None,
        "total_favorited": likes,
        "favoriting_count": _count(user.get("favoriting_count")),
        "mplatform_followers_count": _count(user.get("mplatform_followers_count")),
        "is_gov_media_vip": user.get("is_gov_media_vip"),
        "enterprise_verify_reason": org_reason,
        "custom_verify": personal_reason,
        "province": _clean(user.get("province")) or None,
        "city": _clean(user.get("city")) or None,
        "is_ban": user.get("is_ban"),
        "secret": user.get("secret"),
    }
    account = Account(
        _id=account_id, platform=PLATFORM, platform_id=sec_uid,
        name=_clean(user.get("nickname")) or None,
        verified=verified,
        verified_reason=org_reason or personal_reason,
        verified_type=vtype,
        description=_clean(user.get("signature")),
        avatar_url=avatar,
        url=f"{SITE}/user/{sec_uid}",
        followers=followers, following=following, posts_count=posts_count,
        ip_region=strip_prefix(user.get("ip_location"), "IP属地：", "IP属地:", "IP属地"),
        extra={k: v for k, v in extra.items() if v is not None} or None,
    )
    items: list[Any] = [account]
    at = _now(inp, data)
    if at is not None:
        items.append(AccountMetrics(account_id=account_id, at=at, followers=followers,
                                    following=following, posts_count=posts_count,
                                    likes_total=likes))
    return ParseResult(outcome=OK, items=items)


# --------------------------------------------------------------------------- posts


def comment_list_url(base: str, aweme_id: str, cursor: int = 0, count: int = 20) -> str:
    """URL of one page of a post's top-level comments (unsigned)."""
    query = urlencode({"aweme_id": aweme_id, "cursor": cursor, "count": count, "item_type": 0})
    return f"{base}/aweme/v1/web/comment/list/?{query}"


def reply_list_url(base: str, aweme_id: str, comment_id: str, cursor: int = 0,
                   count: int = 20) -> str:
    """URL of one page of the replies to a comment (unsigned)."""
    query = urlencode({"item_id": aweme_id, "comment_id": comment_id, "cursor": cursor,
                       "count": count, "item_type": 0})
    return f"{base}/aweme/v1/web/comment/list/reply/?{query}"


def _text_extra(desc: str, entries: Any) -> tuple[list[str], list[str], list[str]]:
    """Hashtags, mentions and hashtag ids of a post's ``text_extra``."""
    topics: list[str] = []
    mentions: list[str] = []
    tag_ids: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if kind in (1, "1") and entry.get("hashtag_name"):
            topics.append(str(entry["hashtag_name"]).strip())
            if entry.get("hashtag_id") not in (None, ""):
                tag_ids.append(str(entry["hashtag_id"]))
        elif kind in (0, "0"):
            name = entry.get("user_name") or entry.get("nickname")
            if not name:
                try:
                    start, end = int(entry["start"]), int(entry["end"])
                except (KeyError, TypeError, ValueError):
                    continue
                name = desc[start:end]  # code-point offsets: Python slices code points
            name = str(name).strip().lstrip("@").strip()
            if name:
                mentions.append(name)
    return list(dict.fromkeys(topics)), list(dict.fromkeys(mentions)), tag_ids


def _media(aweme: dict[str, Any], is_image: bool) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = []
    if is_image:
        images = aweme.get("images")
        for image in images if isinstance(images, list) else []:
            if not isinstance(image, dict):
                continue
            url = _first_url(image)
            if url:
                entry: dict[str, Any] = {"type": "image", "url": url}
                if image.get("uri"):
                    entry["uri"] = str(image["uri"])
                media.append(entry)
        return media
    video = aweme.get("video")
    if isinstance(video, dict):
        play = video.get("play_addr") if isinstance(video.get("play_addr"), dict) else {}
        listed = play.get("url_list")
        urls = [u for u in listed if isinstance(u, str)] if isinstance(listed, list) else []
        # the /aweme/v1/play/?video_id= form outlives the signed CDN URLs
        stable = [u for u in urls if "/aweme/v1/play/" in u]
        url = absolute_url(stable[0] if stable else (urls[0] if urls else None))
        if url or play.get("uri"):
            entry = {"type": "video", "url": url}
            if play.get("uri"):
                entry["uri"] = str(play["uri"])
            cover = _first_url(video.get("cover"))
            if cover:
                entry["cover"] = cover
            media.append({k: v for k, v in entry.items() if v is not None})
    return media


def parse_aweme(aweme: dict[str, Any], meta: dict[str, Any] | None = None) -> Post | None:
    """One ``aweme_list`` entry as a :class:`Post` (``None`` without an ``aweme_id``)."""
    meta = meta or {}
    aweme_id = _str_id(aweme.get("aweme_id"))
    if not aweme_id:
        return None
    author = aweme.get("author") if isinstance(aweme.get("author"), dict) else {}
    sec_uid = author.get("sec_uid") or meta.get("sec_uid")
    desc = _clean(aweme.get("desc") if aweme.get("desc") is not None else aweme.get("caption"))
    aweme_type = aweme.get("aweme_type")
    try:
        aweme_type = int(aweme_type) if aweme_type is not None else None
    except (TypeError, ValueError):
        aweme_type = None
    is_image = aweme_type in IMAGE_AWEME_TYPES or bool(aweme.get("images"))
    text_extra = aweme.get("text_extra")
    topics, mentions, tag_ids = _text_extra(desc or "", text_extra)
    if text_extra is None and desc:
        topics = list(dict.fromkeys(_HASHTAG_RE.findall(desc)))
    stats = aweme.get("statistics") if isinstance(aweme.get("statistics"), dict) else {}
    metrics = {
        "likes": _count(stats.get("digg_count")),
        "comments": _count(stats.get("comment_count")),
        "reposts": _count(stats.get("share_count")),
        "favorites": _count(stats.get("collect_count")),
        # the web API always sends play_count 0: not exposed, i.e. unknown
        "views": _count(stats.get("play_count")) or None,
    }
    status = aweme.get("status") if isinstance(aweme.get("status"), dict) else {}
    deleted = _flag(status.get("is_delete")) or _flag(status.get("is_prohibited"))
    reason = None
    if _flag(status.get("is_delete")):
        reason = "deleted"
    elif _flag(status.get("is_prohibited")):
        reason = "prohibited"
    video = aweme.get("video") if isinstance(aweme.get("video"), dict) else {}
    duration = aweme.get("duration") or video.get("duration")
    music = aweme.get("music") if isinstance(aweme.get("music"), dict) else {}
    extra = {
        "aweme_type": aweme_type,
        "media_type": aweme.get("media_type"),
        "duration_ms": _count(duration) if not is_image else None,
        "hashtag_ids": tag_ids or None,
        "music_title": _clean(music.get("title")) or None,
        "private_status": status.get("private_status") or None,
        "share_url": absolute_url(aweme.get("share_url")) or None,
    }
    try:
        published = parse_time(aweme.get("create_time"))
    except ValueError:
        published = None
    return Post(
        _id=f"{PLATFORM}:{aweme_id}", platform=PLATFORM, platform_id=aweme_id,
        account_id=f"{PLATFORM}:{sec_uid}" if sec_uid else None,
        url=f"{SITE}/{'note' if is_image else 'video'}/{aweme_id}",
        text=desc,
        published_at=published,
        metrics={k: v for k, v in metrics.items() if v is not None} or None,
        is_pinned=_flag(aweme.get("is_top")),
        topics=topics, mentions=mentions,
        media=_media(aweme, is_image),
        ip_region=strip_prefix(aweme.get("ip_label"), "IP属地：", "IP属地:") if aweme.get(
            "ip_label") else None,
        deleted=True if deleted else None,
        deleted_reason=reason,
        extra={k: v for k, v in extra.items() if v is not None} or None,
    )


def _list_page(inp: ParseInput, key: str, what: str,
               ) -> ParseResult | tuple[dict[str, Any], list[Any], bool]:
    """The envelope, the list under ``key`` and ``has_more`` of a paged response, or the
    result that ends parsing: an error for a bad body or an empty page that claims more (a soft
    block, not an empty account), ``end_of_list`` for an empty last page."""
    try:
        data = load_envelope(inp)
    except DouyinBodyError as exc:
        return exc.result
    if key not in data and "has_more" not in data:
        return ParseResult.error(MALFORMED, f"no {key} in the {what} response")
    rows = data.get(key) or []
    if not isinstance(rows, list):
        return ParseResult.error(MALFORMED, f"{key} is not a list in the {what} response")
    has_more = _flag(data.get("has_more"))
    if not rows:
        if has_more:
            return ParseResult.error(BLOCKED, f"empty {key} with has_more 1")
        return ParseResult(outcome=END_OF_LIST, message=f"{key} empty, has_more 0")
    return data, rows, has_more


def parse_posts(inp: ParseInput) -> ParseResult:
    """``/aweme/v1/web/aweme/post/`` -> ``post`` items; ``next`` = ``{"max_cursor": ...}``.

    ``requests`` lists the first comment page of every post that has comments.
    """
    page = _list_page(inp, "aweme_list", "posts")
    if isinstance(page, ParseResult):
        return page
    data, awemes, has_more = page
    meta = dict(inp.meta)
    base = _api_base(inp.url)
    posts: list[Any] = []
    follow: list[str] = []
    for aweme in awemes:
        if not isinstance(aweme, dict):
            continue
        post = parse_aweme(aweme, meta)
        if post is None:
            continue
        posts.append(post)
        if post.metrics and post.metrics.get("comments"):
            follow.append(comment_list_url(base, post.platform_id))
    if not posts:  # an all-null or reshaped answer: never "ok" with nothing stored
        return ParseResult.error(MALFORMED, f"{len(awemes)} posts in aweme_list, none with an id")
    cursor = _cursor(data.get("max_cursor"))
    nxt = {"max_cursor": cursor} if has_more and cursor else None
    return ParseResult(outcome=OK, items=posts, next=nxt, requests=follow)


def _cursor(value: Any) -> int | None:
    """A paging cursor (an integer, possibly sent as a string); ``None`` when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


# --------------------------------------------------------------------------- comments


def parse_comment(raw: dict[str, Any], meta: dict[str, Any] | None = None,
                  aweme_id: str | None = None) -> Comment | None:
    """One comment (or reply) object as a :class:`Comment`."""
    meta = meta or {}
    cid = _str_id(raw.get("cid"))
    aweme_id = _str_id(raw.get("aweme_id")) or aweme_id or _str_id(meta.get("aweme_id"))
    if not cid or not aweme_id:
        return None
    user = raw.get("user") if isinstance(raw.get("user"), dict) else {}
    author_sec = _str_id(user.get("sec_uid"))
    author_uid = _str_id(user.get("uid"))
    owner_sec = _str_id(meta.get("sec_uid"))
    owner_uid = _str_id(meta.get("uid"))
    if (owner_sec and author_sec == owner_sec) or (owner_uid and author_uid == owner_uid):
        official: bool | None = True
    elif str(raw.get("label_text") or "").strip() == AUTHOR_LABEL:
        official = True
    elif owner_sec or owner_uid:
        official = False
    else:
        official = None  # offline, without knowing the post's owner
    reply_to = None
    for key in ("reply_to_reply_id", "reply_id"):
        target = _str_id(raw.get(key))
        if target and target != "0":
            reply_to = f"{PLATFORM}:{target}"
            break
    try:
        published = parse_time(raw.get("create_time"))
    except ValueError:
        published = None
    return Comment(
        _id=f"{PLATFORM}:{cid}", platform=PLATFORM, platform_id=cid,
        post_id=f"{PLATFORM}:{aweme_id}",
        account_id=f"{PLATFORM}:{owner_sec}" if owner_sec else None,
        author_id=author_sec or author_uid,
        author_name=_clean(user.get("nickname")) or None,
        is_official=official,
        reply_to=reply_to,
        text=_clean(raw.get("text")),
        published_at=published,
        likes=_count(raw.get("digg_count")),
        reply_count=_count(raw.get("reply_comment_total")),
        ip_region=strip_prefix(raw.get("ip_label"), "IP属地：", "IP属地:") if raw.get(
            "ip_label") else None,
    )


def parse_comments(inp: ParseInput) -> ParseResult:
    """``/aweme/v1/web/comment/list/`` (and ``.../reply/``) -> ``comment`` items.

    ``next`` = ``{"cursor": ...}`` while ``has_more``; ``requests`` lists the reply pages of
    comments whose replies are not all inline. ``meta`` may carry ``sec_uid``/``uid`` of the
    post's owner (marks official replies) and ``aweme_id``.
    """
    page = _list_page(inp, "comments", "comments")
    if isinstance(page, ParseResult):
        return page
    data, raws, has_more = page
    meta = dict(inp.meta)
    base = _api_base(inp.url)
    comments: list[Any] = []
    follow: list[str] = []
    is_reply_page = "/comment/list/reply" in (inp.url or "")
    for raw in raws:
        if not isinstance(raw, dict):
            continue
        comment = parse_comment(raw, meta)
        if comment is None:
            continue
        comments.append(comment)
        inline = raw.get("reply_comment")
        inline = inline if isinstance(inline, list) else []
        for sub in inline:
            if isinstance(sub, dict):
                reply = parse_comment(sub, meta, aweme_id=comment.post_id.split(":", 1)[1])
                if reply is not None:
                    if reply.reply_to is None:
                        reply.reply_to = comment._id
                    comments.append(reply)
        total = _count(raw.get("reply_comment_total")) or 0
        if total > len(inline) and not is_reply_page:
            follow.append(reply_list_url(base, comment.post_id.split(":", 1)[1],
                                         comment.platform_id))
    if not comments:  # an all-null or reshaped answer: never "ok" with nothing stored
        return ParseResult.error(MALFORMED, f"{len(raws)} comments in the list, none with an id")
    cursor = _cursor(data.get("cursor"))
    nxt = {"cursor": cursor} if has_more and cursor is not None else None
    return ParseResult(outcome=OK, items=comments, next=nxt, requests=follow)


PARSERS = {"profile": parse_profile, "posts": parse_posts, "comments": parse_comments}
