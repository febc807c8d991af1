"""The article page of ``mp.weixin.qq.com/s…`` (platforms.md §2.2, §2.3)."""

from __future__ import annotations

import html
import re
from typing import Any

import lxml.html

from govspider.items import Account, Post
from govspider.platform import (
    BLOCKED,
    CAPTCHA,
    ERROR,
    GONE,
    MALFORMED,
    NOT_FOUND,
    OK,
    ParseInput,
    ParseResult,
)
from govspider.processors import parse_html, parse_time
from govspider_plugins.wechat.jsvars import js_var
from govspider_plugins.wechat.urls import (
    MP_BASE,
    PLATFORM,
    ArticleKey,
    absolute,
    account_id,
    article_key,
)

#: (text on the weui message page, kind of unavailability). Order matters: first match wins.
GONE_NOTICES: tuple[tuple[str, str], ...] = (
    ("已被发布者删除", "deleted_by_publisher"),
    ("因违规", "violation"),
    ("被投诉", "complaint"),
    ("已被投诉", "complaint"),
    ("已注销", "account_closed"),
    ("已被封禁", "account_banned"),
    ("已迁移", "account_migrated"),
    ("发送失败", "send_failed"),
)
CAPTCHA_NOTICES = ("环境异常", "完成验证后即可继续访问")
CLIENT_ONLY_NOTICES = ("请在微信客户端打开链接",)
BAD_PARAMS_NOTICES = ("参数错误",)
ORIGINAL_STATS = {"1", "11"}
#: ``item_show_type`` of posts without ``#js_content``: 8 image post, 10 text-only post [U].
SHORT_POST_TYPES = ("8", "10")
_NOT_BYLINE_IDS = {"post-date", "publish_time", "js_ip_wording_wrp", "copyright_logo", "profileBt"}


def parse_article(inp: ParseInput) -> ParseResult:
    """An article page: the post (and its account), or the reason it cannot be seen."""
    source = inp.text
    if inp.status == 404:
        return ParseResult(outcome=NOT_FOUND, message="HTTP 404")
    if not source.strip():
        return ParseResult.error(MALFORMED, "empty body")
    if "wappoc_appmsgcaptcha" in inp.url:
        return ParseResult.error(CAPTCHA, "redirected to the verification page")
    try:
        root = lxml.html.document_fromstring(source)
    except (ValueError, lxml.etree.ParserError):
        return ParseResult.error(MALFORMED, "not an HTML document")
    content = _first(root, "#js_content")
    if content is None:
        content = _first(root, ".rich_media_content")
    if content is None:
        return _unavailable(inp, root, source)
    if "</html>" not in source[-4096:].lower():
        return ParseResult.error(MALFORMED, "truncated page (no closing </html>)")
    return _article(inp, root, source, content)


# --------------------------------------------------------------------------- available articles

def _article(inp: ParseInput, root: Any, source: str, content: Any) -> ParseResult:
    key = _key(inp, root, source)
    if key is None:
        return ParseResult.error(MALFORMED, "article page without __biz/mid/idx")
    body = parse_html(lxml.html.tostring(content, encoding="unicode"), MP_BASE)
    published = _published_at(source, inp)
    media = _media(content)
    nickname = _nickname(root, source)
    extra = _compact({
        "nickname": nickname,
        "gh_id": js_var(source, "user_name"),
        "author": _author(root, source),
        "digest": (js_var(source, "msg_desc", decode_html=True)
                   or _meta(root, "og:description") or _meta(root, "description")),
        "cover": absolute(js_var(source, "msg_cdn_url") or _meta(root, "og:image"), MP_BASE),
        "item_show_type": js_var(source, "item_show_type"),
        "comment_id": _nonzero(js_var(source, "comment_id")),
        "sn": key.sn or None,
    })
    post = Post(
        _id=key.post_id, platform=PLATFORM, platform_id=key.platform_id,
        account_id=key.account_id, url=key.url, title=_title(root, source),
        text=body.text, published_at=published,
        topics=body.topics or None, mentions=body.mentions or None,
        links=body.links or None, media=media or None,
        ip_region=_ip_region(source), is_original=_is_original(root, source),
        deleted=False, extra=extra or None)
    items: list[Any] = [post]
    account = _account(root, source, key.biz, nickname, extra.get("gh_id"))
    if account is not None:
        items.append(account)
    return ParseResult(outcome=OK, items=items)


def _key(inp: ParseInput, root: Any, source: str) -> ArticleKey | None:
    link_key = (article_key(js_var(source, "msg_link")) or article_key(_meta(root, "og:url"))
                or article_key(inp.url))
    biz = js_var(source, "biz") or js_var(source, "appuin") or (link_key.biz if link_key else "")
    mid = js_var(source, "mid") or js_var(source, "appmsgid") or (link_key.mid if link_key else "")
    idx = js_var(source, "idx") or js_var(source, "itemidx") or (link_key.idx if link_key else "")
    sn = js_var(source, "sn") or (link_key.sn if link_key else "")
    if not (biz and mid.isdigit() and idx.isdigit()):
        return None
    return ArticleKey(biz=biz, mid=mid, idx=idx, sn=sn)


def _title(root: Any, source: str) -> str | None:
    title = js_var(source, "msg_title", decode_html=True) or _meta(root, "og:title")
    if not title:
        title = _text(_first(root, "#activity-name")) or _text(_first(root, "title"))
    return title.strip() if title else None


def _nickname(root: Any, source: str) -> str | None:
    return (js_var(source, "nickname", decode_html=True) or _text(_first(root, "#js_name"))
            or _text(_first(root, "strong.profile_nickname")) or None)


def _author(root: Any, source: str) -> str | None:
    author = (_meta(root, "author") or _meta(root, "og:article:author")
              or js_var(source, "author", decode_html=True))
    if not author:  # the byline span among the meta line (not the date, not the nickname)
        for el in root.cssselect(".rich_media_meta_list .rich_media_meta_text"):
            if el.get("id") in _NOT_BYLINE_IDS or "rich_media_meta_nickname" in (el.get("class") or ""):
                continue
            author = _text(el)
            if author:
                break
    return author or None


def _published_at(source: str, inp: ParseInput) -> Any:
    for name in ("ct", "create_time"):
        value = js_var(source, name)
        if value and value.isdigit() and int(value) > 0:
            return parse_time(int(value))
    for name in ("createTime", "publish_time"):
        value = js_var(source, name)
        if value:
            try:
                return parse_time(value, inp.now)
            except ValueError:
                continue
    return None


def _is_original(root: Any, source: str) -> bool | None:
    logo = _first(root, "#copyright_logo")
    if logo is not None and "原创" in _text(logo):
        return True
    stat = js_var(source, "copyright_stat") or js_var(source, "_copyright_stat")
    if stat is None:
        return None
    return stat in ORIGINAL_STATS


def _ip_region(source: str) -> str | None:
    match = re.search(r"provinceName\s*[:=]\s*['\"]([^'\"]+)['\"]", source)
    return match.group(1).strip() if match else None


def _media(content: Any) -> list[dict[str, str]]:
    media: list[dict[str, str]] = []
    seen: set[str] = set()
    for el in content.iter("img", "iframe", "mpvideo"):
        url = absolute(el.get("data-src") or el.get("src"), MP_BASE)
        if not url or not url.startswith("http") or url in seen:
            continue
        if el.tag == "img" and ("/emotion/" in url or (el.get("alt") or "").startswith("[")):
            continue  # an emoji: kept in the text as its alt
        seen.add(url)
        media.append({"type": "image" if el.tag == "img" else "video", "url": url})
    return media


def _account(root: Any, source: str, biz: str, nickname: str | None,
             gh_id: str | None) -> Account | None:
    profile = {}
    for p in root.cssselect("p.profile_meta"):
        label = _text(_first(p, ".profile_meta_label"))
        value = _text(_first(p, ".profile_meta_value"))
        if label and value:
            profile[label] = value
    alias = js_var(source, "alias") or profile.get("微信号")
    description = profile.get("功能介绍") or js_var(source, "profile_signature", decode_html=True)
    avatar = (js_var(source, "round_head_img") or js_var(source, "ori_head_img_url")
              or js_var(source, "hd_head_img"))
    extra = _compact({"gh_id": gh_id, "alias": alias})
    return Account(
        _id=account_id(biz), platform=PLATFORM, platform_id=biz, name=nickname,
        description=description or None,
        avatar_url=absolute(avatar, MP_BASE),
        url=f"https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz={biz}",
        extra=extra or None)


# --------------------------------------------------------------------------- unavailable pages

def _unavailable(inp: ParseInput, root: Any, source: str) -> ParseResult:
    title = " ".join(filter(None, (
        _text(el) for el in root.cssselect(".weui-msg__title, .global_error_msg"))))
    notice = " ".join(filter(None, (
        _text(el) for el in root.cssselect(".weui-msg__title, .weui-msg__desc, .global_error_msg"))))
    if not notice:
        notice = " ".join(filter(None, (_text(el) for el in root.cssselect(".weui-msg__text-area"))))
    haystack = notice or _visible_text(root)
    if any(marker in haystack for marker in CAPTCHA_NOTICES) or _first(root, "#js_verify") is not None:
        return ParseResult.error(CAPTCHA, "环境异常: verification required")
    if any(marker in haystack for marker in CLIENT_ONLY_NOTICES):
        return ParseResult.error(BLOCKED, "the page must be opened in the WeChat client")
    for marker, kind in GONE_NOTICES:
        if marker in haystack:
            key = article_key(inp.url) or article_key(inp.meta.get("article_url"))
            if key is None:
                return ParseResult(outcome=NOT_FOUND, message=f"{kind} (article id unknown)")
            # the reason is the platform's own notice, as shown to readers
            post = Post(_id=key.post_id, platform=PLATFORM, platform_id=key.platform_id,
                        account_id=key.account_id, url=key.url, deleted=True,
                        deleted_reason=title or marker,
                        extra={"unavailable": kind, "notice": notice or marker})
            return ParseResult(outcome=GONE, items=[post], message=kind)
    if any(marker in haystack for marker in BAD_PARAMS_NOTICES):
        return ParseResult(outcome=NOT_FOUND, message="参数错误: bad article URL parameters")
    if "</html>" not in source[-4096:].lower():
        return ParseResult.error(MALFORMED, "truncated page (no closing </html>)")
    if js_var(source, "item_show_type") in SHORT_POST_TYPES and _key(inp, root, source):
        return _short_post(inp, root, source)
    return ParseResult(outcome=ERROR, error_kind=MALFORMED,
                       message="no #js_content and no known notice on the page")


def _short_post(inp: ParseInput, root: Any, source: str) -> ParseResult:
    """An image post (``item_show_type`` 8) or a text-only post (10): no ``#js_content``; the
    text sits in a description block or ``msg_desc``, the images in ``picture_page_info_list``."""
    markup = None
    for selector in ("#js_image_desc", "#js_text_desc", ".share_notice", "#js_text_content"):
        el = _first(root, selector)
        if el is not None:
            markup = lxml.html.tostring(el, encoding="unicode")
            break
    if markup is None:
        markup = html.escape(js_var(source, "msg_desc", decode_html=True)
                             or _meta(root, "og:description") or "")
    body = parse_html(markup, MP_BASE)
    images = list(dict.fromkeys(
        absolute(u, MP_BASE) for u in re.findall(r"cdn_url\s*:\s*['\"]([^'\"]+)['\"]", source)))
    result = _article(inp, root, source, lxml.html.fragment_fromstring("<div></div>"))
    post = result.items[0]
    post.text, post.topics, post.mentions = body.text, body.topics or None, body.mentions or None
    post.links = body.links or None
    post.media = [{"type": "image", "url": u} for u in images if u] or None
    return result


# --------------------------------------------------------------------------- small helpers

def _first(root: Any, selector: str) -> Any:
    found = root.cssselect(selector)
    return found[0] if found else None


def _text(el: Any) -> str:
    if el is None:
        return ""
    return " ".join(el.text_content().split())


def _visible_text(root: Any) -> str:
    parts = root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")
    return " ".join(" ".join(parts).split())


def _meta(root: Any, name: str) -> str | None:
    for el in root.xpath("//meta[@property=$n or @name=$n]", n=name):
        value = (el.get("content") or "").strip()
        if value:
            return value
    return None


def _nonzero(value: str | None) -> str | None:
    return value if value and value.strip("0") else None


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}
