"""Weibo JSON objects (``userInfo``, ``mblog``, comment) -> govspider items.

Pure functions, no Scrapy. Field formats follow ``docs/platforms.md`` §1: ids may come as
ints or strings (always stored as strings), counts as ints or display strings (``"2.3万"``),
text as HTML with emoji images, topic and mention anchors and ``sinaurl`` wrapped links.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from govspider.items import Account, AccountMetrics, Comment, Post
from govspider.processors import (
    absolute_url,
    html_to_text,
    parse_count,
    parse_html,
    parse_time,
    strip_prefix,
)

from .urls import account_url, post_url

PLATFORM = "weibo"
#: Base for resolving relative anchors in Weibo markup (``/n/name``, ``/status/mid``).
MARKUP_BASE = "https://m.weibo.cn"

#: The ``…全文`` link that ends a truncated text.
_FULLTEXT_RE = re.compile(
    r"(?:\.\.\.|…)?\s*<a[^>]*href=['\"]?[^'\">]*/status/[^'\">]*['\"]?[^>]*>\s*全文\s*</a>\s*$",
    re.S)
#: Placeholder texts of deleted or hidden posts (retweeted originals, statuses/show).
DELETED_MARKERS = ("已被作者删除", "已被删除", "不存在", "查看权限", "无法查看", "已删除",
                   "根据《微博社区管理规定》", "暂无查看权限")
_HELP_RE = re.compile(r"\s*查看帮助[:：].*$", re.S)
#: ``<a href='/n/NAME'>@NAME</a>`` (also ``/n/`` on an absolute m.weibo.cn URL).
_MENTION_A_RE = re.compile(r"<a\b[^>]*href=['\"]?[^'\">]*/n/[^>]*>\s*@([^<]+?)\s*</a>", re.S)
_PLAIN_MENTION_RE = re.compile(r"@([\w\u4e00-\u9fff\-]{1,30}?)(?=[\s:：,，。.!！?？@)）]|$)")
_TOPIC_SPAN_RE = re.compile(r"<span[^>]*class=['\"]surl-text['\"][^>]*>\s*#([^#<]+)#\s*</span>")


def sid(value: Any) -> str | None:
    """An id as a string (ints beyond 2^53 included); ``None`` when empty."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value)
    return str(value).strip() or None


def _plain(value: Any) -> str | None:
    """A short text field; a list, object or boolean where text belongs is ``None``."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return None
    return str(value).strip() or None


def mblog_id(mblog: dict[str, Any]) -> str | None:
    """The post id of an ``mblog`` (``idstr`` first: an int ``id`` may have lost precision)."""
    return sid(mblog.get("idstr")) or sid(mblog.get("id")) or sid(mblog.get("mid"))


def time_or_none(value: Any, now: datetime | None) -> datetime | None:
    """``parse_time`` that gives ``None`` instead of raising on an unreadable value."""
    try:
        return parse_time(value, now)
    except ValueError:
        return None


def is_pinned(mblog: dict[str, Any]) -> bool:
    """Pinned markers: ``mblogtype == 2``, ``isTop``, ``title.text == "置顶"``."""
    if parse_count(mblog.get("mblogtype")) == 2 or mblog.get("isTop") in (1, True, "1"):
        return True
    title = mblog.get("title")
    return isinstance(title, dict) and "置顶" in str(title.get("text") or "")


def is_deleted(mblog: dict[str, Any]) -> bool:
    """A placeholder for a deleted or hidden post (retweets of deleted originals)."""
    if str(mblog.get("deleted") or "") == "1":
        return True
    if mblog.get("user") is None and not mblog.get("created_at"):
        text = str(mblog.get("text") or "")
        return any(marker in text for marker in DELETED_MARKERS)
    return False


def deleted_reason(text: str | None) -> str:
    """The placeholder text of a deleted post, without the help link."""
    plain = parse_html(text).text if text else ""
    plain = _HELP_RE.sub("", plain).strip()
    return plain or "deleted"


def strip_fulltext_link(markup: str) -> str:
    """Drop the trailing ``…全文`` link of a truncated text."""
    return _FULLTEXT_RE.sub("", markup if isinstance(markup, str) else "")


def convert_text(markup: str | None) -> dict[str, Any]:
    """Plain text plus topics, mentions and outbound links of Weibo markup.

    Mentions come from the ``<a href='/n/NAME'>@NAME</a>`` anchors (a plain-text ``@`` is
    read up to the next space or punctuation only when there is no anchor), topics from the
    ``surl-text`` spans and ``#...#`` in the text.
    """
    markup = markup if isinstance(markup, str) else ""
    parsed = parse_html(markup, MARKUP_BASE)
    anchors = _MENTION_A_RE.findall(markup)
    mentions = [html.unescape(name).strip() for name in anchors] if anchors \
        else _PLAIN_MENTION_RE.findall(parsed.text)
    topics = [html.unescape(t).strip() for t in _TOPIC_SPAN_RE.findall(markup)]
    topics += parsed.topics
    return {"text": parsed.text, "topics": _uniq(topics) or None,
            "mentions": _uniq(mentions) or None, "links": parsed.links or None}


def _uniq(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def metrics_of(obj: dict[str, Any]) -> dict[str, int] | None:
    """``likes``/``comments``/``reposts`` from ``attitudes_count`` etc. (ints or ``"2.3万"``)."""
    out = {}
    for name, key in (("likes", "attitudes_count"), ("comments", "comments_count"),
                      ("reposts", "reposts_count")):
        value = parse_count(obj.get(key))
        if value is not None:
            out[name] = value
    return out or None


def media_of(mblog: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Images (original size) and videos of a post."""
    media: list[dict[str, Any]] = []
    pics = mblog.get("pics")
    for pic in pics if isinstance(pics, list) else []:
        if not isinstance(pic, dict):
            continue
        if pic.get("type") == "video" and pic.get("videoSrc"):
            media.append({"type": "video", "url": absolute_url(pic["videoSrc"])})
            continue
        large = pic.get("large") if isinstance(pic.get("large"), dict) else {}
        url = large.get("url") or pic.get("url")
        if url:
            media.append({"type": "image", "url": absolute_url(url)})
    page = mblog.get("page_info")
    if isinstance(page, dict) and page.get("type") == "video":
        urls = page.get("urls") if isinstance(page.get("urls"), dict) else {}
        info = page.get("media_info") if isinstance(page.get("media_info"), dict) else {}
        url = (urls.get("mp4_720p_mp4") or urls.get("mp4_hd_mp4") or urls.get("mp4_ld_mp4")
               or info.get("stream_url_hd") or info.get("stream_url") or page.get("page_url"))
        if url:
            media.append({"type": "video", "url": absolute_url(url)})
    return media or None


def account_from_user(user: dict[str, Any], now: datetime | None) -> Account:
    """An ``accounts`` document from ``userInfo`` (or the ``user`` of an mblog)."""
    uid = sid(user.get("idstr")) or sid(user.get("id"))
    if uid is None:
        raise ValueError("userInfo without id")
    reason = user.get("verified_reason")
    avatar = user.get("avatar_hd") or user.get("profile_image_url")
    extra = {k: user[k] for k in ("verified_type_ext", "urank", "mbrank", "gender")
             if user.get(k) is not None}
    verified = user.get("verified")
    return Account(
        _id=f"{PLATFORM}:{uid}", platform=PLATFORM, platform_id=uid,
        name=user.get("screen_name") or None,
        verified=bool(verified) if verified is not None else None,
        verified_reason=reason.strip(" \u3000") or None if isinstance(reason, str) else None,
        verified_type=parse_count(user.get("verified_type")) if user.get("verified_type") is not None
        and str(user.get("verified_type")).lstrip("-").isdigit() else None,
        description=_plain(user.get("description")),
        avatar_url=absolute_url(avatar),
        url=account_url(uid),
        followers=parse_count(user.get("followers_count_str") or user.get("followers_count")),
        following=parse_count(user.get("follow_count")),
        posts_count=parse_count(user.get("statuses_count")),
        extra=extra or None,
    )


def metrics_from_account(account: Account, at: datetime) -> AccountMetrics:
    """The time-series point of an account at crawl time."""
    return AccountMetrics(account_id=account._id, at=at, followers=account.followers,
                          following=account.following, posts_count=account.posts_count)


def post_from_mblog(mblog: dict[str, Any], now: datetime | None,
                    account_hint: str | None = None) -> Post:
    """A ``posts`` document from an ``mblog`` (the retweeted original is a separate call).

    A truncated text (``isLongText``) keeps the visible part without the ``全文`` link and is
    marked ``extra.truncated``; the spider completes it from ``statuses/extend``.
    """
    mid = mblog_id(mblog)
    if mid is None:
        raise ValueError("mblog without id")
    if is_deleted(mblog):
        return Post(_id=f"{PLATFORM}:{mid}", platform=PLATFORM, platform_id=mid,
                    deleted=True, deleted_reason=deleted_reason(mblog.get("text")))
    user = mblog.get("user") if isinstance(mblog.get("user"), dict) else None
    uid = sid(user.get("id")) if user else None
    long_text = mblog.get("longText") if isinstance(mblog.get("longText"), dict) else None
    full = long_text.get("longTextContent") if long_text else None
    truncated = bool(mblog.get("isLongText")) and not full
    markup = full or mblog.get("text") or ""
    if truncated:
        markup = strip_fulltext_link(markup)
    text = convert_text(markup)
    retweeted = mblog.get("retweeted_status")
    original_id = mblog_id(retweeted) if isinstance(retweeted, dict) else None
    extra: dict[str, Any] = {}
    if mblog.get("bid") or mblog.get("mblogid"):
        extra["bid"] = mblog.get("bid") or mblog.get("mblogid")
    edit_count = parse_count(mblog.get("edit_count"))
    if edit_count:
        extra["edit_count"] = edit_count
    visible = mblog.get("visible")
    if isinstance(visible, dict) and parse_count(visible.get("type")):
        extra["visible_type"] = parse_count(visible.get("type"))
    if truncated:
        extra["truncated"] = True
    return Post(
        _id=f"{PLATFORM}:{mid}", platform=PLATFORM, platform_id=mid,
        account_id=f"{PLATFORM}:{uid}" if uid else account_hint,
        url=post_url(mid),
        text=text["text"], raw_html=markup or None,
        published_at=time_or_none(mblog.get("created_at"), now),
        metrics=metrics_of(mblog),
        is_repost=original_id is not None,
        repost_of=f"{PLATFORM}:{original_id}" if original_id else None,
        is_pinned=is_pinned(mblog),
        is_long_text=bool(full),  # completed later when the listing truncated it
        topics=text["topics"], mentions=text["mentions"], links=text["links"],
        media=media_of(mblog),
        source=_plain(mblog.get("source")),
        ip_region=strip_prefix(mblog.get("region_name"), "发布于", "IP属地"),
        extra=extra or None,
    )


def complete_long_text(post: Post, markup: str, counts: dict[str, Any] | None = None) -> Post:
    """Put the full text (``longTextContent``) into a truncated post, with fresher counts."""
    text = convert_text(markup)
    post.text = text["text"]
    post.raw_html = markup
    post.topics, post.mentions, post.links = text["topics"], text["mentions"], text["links"]
    post.is_long_text = True
    post.content_hash = None
    if post.extra:
        post.extra.pop("truncated", None)
        post.extra = post.extra or None
    fresh = metrics_of(counts or {})
    if fresh:
        post.metrics = {**(post.metrics or {}), **fresh}
    return post


def comment_id(obj: dict[str, Any]) -> str | None:
    """The id of a comment object, ``None`` when it has none."""
    return sid(obj.get("idstr")) or sid(obj.get("id")) or sid(obj.get("mid"))


def comment_from_json(obj: dict[str, Any], post_id: str | None, owner_uid: str | None,
                      now: datetime | None, reply_to: str | None = None) -> Comment:
    """A ``comments`` document; ``is_official`` when the author is the post's owner."""
    cid = comment_id(obj)
    if cid is None:
        raise ValueError("comment without id")
    user = obj.get("user") if isinstance(obj.get("user"), dict) else {}
    author = sid(user.get("idstr")) or sid(user.get("id"))
    parent = obj.get("reply_comment")
    if isinstance(parent, dict) and (sid(parent.get("idstr")) or sid(parent.get("id"))):
        reply_to = f"{PLATFORM}:{sid(parent.get('idstr')) or sid(parent.get('id'))}"
    if post_id is None:
        status = obj.get("status")
        if isinstance(status, dict) and mblog_id(status):
            post_id = mblog_id(status)
    return Comment(
        _id=f"{PLATFORM}:{cid}", platform=PLATFORM, platform_id=cid,
        post_id=f"{PLATFORM}:{post_id}" if post_id else "",
        account_id=f"{PLATFORM}:{owner_uid}" if owner_uid else None,
        author_id=author,
        author_name=user.get("screen_name") or None,
        is_official=(author == owner_uid) if owner_uid and author else None,
        reply_to=reply_to,
        text=html_to_text(obj.get("text")),  # a comment keeps only its text
        published_at=time_or_none(obj.get("created_at"), now),
        likes=parse_count(obj.get("like_count", obj.get("like_counts"))),
        reply_count=parse_count(obj.get("total_number")),
        ip_region=strip_prefix(obj.get("source"), "来自", "IP属地"),
    )


def merge_long_text(post: Post, full: Post) -> Post:
    """Complete a truncated post with what ``statuses/extend`` returned (see ``parse_longtext``)."""
    post.text, post.raw_html = full.text, full.raw_html
    post.topics, post.mentions, post.links = full.topics, full.mentions, full.links
    post.is_long_text = True
    post.content_hash = None
    if post.extra:
        post.extra.pop("truncated", None)
        post.extra = post.extra or None
    if full.metrics:
        post.metrics = {**(post.metrics or {}), **full.metrics}
    return post
