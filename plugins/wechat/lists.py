"""Article lists: the mp backend ``cgi-bin/appmsg`` / ``appmsgpublish`` JSON (platforms.md §2.4)
and the in-app history ``mp/profile_ext?action=getmsg`` JSON (§2.5)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from govspider.items import Post
from govspider.platform import (
    BLOCKED,
    END_OF_LIST,
    LOGIN_REQUIRED,
    MALFORMED,
    NOT_FOUND,
    OK,
    RATE_LIMITED,
    ParseInput,
    ParseResult,
    loads_json,
)
from govspider.processors import parse_time
from govspider_plugins.wechat.urls import (
    MP_BASE,
    PLATFORM,
    ArticleKey,
    absolute,
    article_key,
    clean_url,
)

#: ``base_resp.ret`` of the mp backend -> error kind.
BACKEND_ERRORS = {200013: RATE_LIMITED, 200003: LOGIN_REQUIRED, 200040: LOGIN_REQUIRED}
#: ``base_resp.ret`` meaning the request cannot succeed as made (``200002 invalid args``: an
#: unknown fakeid, or another account's list refused).
BACKEND_NOT_FOUND = {200002}
#: ``profile_ext`` ``ret`` -> error kind (``-3 no session``: expired key / appmsg_token).
PROFILE_ERRORS = {-3: LOGIN_REQUIRED}
PROFILE_ORIGINAL = 11
PROFILE_NOT_ORIGINAL = {100, 101}


def _load(inp: ParseInput) -> tuple[Any, ParseResult | None]:
    if not inp.body.strip():
        return None, ParseResult.error(MALFORMED, "empty body")
    try:
        return inp.json(), None
    except ValueError:
        return None, ParseResult.error(MALFORMED, "body is not valid JSON (truncated?)")


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items() if v}


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _time(epoch: int | None) -> Any:
    """An epoch time; ``None`` when absent or out of range."""
    try:
        return parse_time(epoch) if epoch else None
    except ValueError:
        return None


def _fail(kind: str, ret: Any, message: Any) -> ParseResult:
    return ParseResult.error(kind, f"ret={ret} {message or ''}".strip())


# --------------------------------------------------------------------------- cgi-bin/appmsg

def parse_appmsg_list(inp: ParseInput) -> ParseResult:
    """``cgi-bin/appmsg?action=list_ex`` (``app_msg_list``) or ``cgi-bin/appmsgpublish``
    (``publish_page`` -> ``publish_list[].publish_info`` -> ``appmsgex``)."""
    data, failed = _load(inp)
    if failed:
        return failed
    if not isinstance(data, dict):
        return ParseResult.error(MALFORMED, "expected a JSON object")
    base = data.get("base_resp") if isinstance(data.get("base_resp"), dict) else {}
    ret = _int(base.get("ret"), 0)
    if ret in BACKEND_NOT_FOUND:
        return ParseResult(outcome=NOT_FOUND, message=f"ret={ret} {base.get('err_msg') or ''}")
    if ret:
        kind = BACKEND_ERRORS.get(ret, BLOCKED)
        return _fail(kind, ret, base.get("err_msg"))
    params = _query(inp.url)
    fakeid = params.get("fakeid") or str(inp.meta.get("biz") or "")
    begin = _int(params.get("begin"), 0) or 0
    if "app_msg_list" in data:
        entries = data.get("app_msg_list") or []
        total = _int(data.get("app_msg_cnt"))
        step = len(entries) if isinstance(entries, list) else 0
        unit = "articles"  # begin moves by list entries, one an article, up to app_msg_cnt
    elif "publish_page" in data:
        try:
            entries, total, step = _publish_entries(data["publish_page"])
        except (ValueError, TypeError, AttributeError) as exc:
            return ParseResult.error(MALFORMED, f"publish_page: {exc}")
        unit = "publishes"  # total_count counts pushes, one of several articles perhaps
    else:
        return ParseResult.error(MALFORMED, "neither app_msg_list nor publish_page in the body")
    if not isinstance(entries, list):
        return ParseResult.error(MALFORMED, "the article list is not a list")
    # a count lower than what the list has shown up to here counts something else: not given
    totals = {unit: total} if total is not None and total >= begin + step else {}
    if not entries:
        return ParseResult(outcome=END_OF_LIST, message=f"no articles at begin={begin}",
                           totals=totals)
    items: list[Post] = []
    for entry in entries:
        post = _backend_post(entry, fakeid) if isinstance(entry, dict) else None
        if post is not None:
            items.append(post)
    if not items:  # an all-null or reshaped answer: never "ok" with nothing stored
        return ParseResult.error(MALFORMED, f"{len(entries)} articles, none with an id")
    # the offset moves by what the page held (articles; publishes on the newer endpoint), not
    # by the count asked for: the platform answers short pages, and begin + count skips
    new_begin = begin + step
    more = step > 0 and (total is None or new_begin < total)
    return ParseResult(
        outcome=OK, items=items, next={"begin": new_begin} if more else None,
        requests=[p.url for p in items if p.url and not p.deleted], totals=totals)


def _publish_entries(page: Any) -> tuple[list[dict[str, Any]], int | None, int]:
    """``(articles, total publishes, publishes on this page)`` of a ``publish_page``: its
    ``begin`` and ``total_count`` count publishes (a push of several articles is one)."""
    page = loads_json(page) if isinstance(page, str) else page
    entries: list[dict[str, Any]] = []
    publishes = page.get("publish_list")
    for publish in publishes if isinstance(publishes, list) else []:
        info = publish.get("publish_info") if isinstance(publish, dict) else None
        if not info:
            continue
        info = loads_json(info) if isinstance(info, str) else info
        articles = info.get("appmsgex")
        for article in articles if isinstance(articles, list) else []:
            if isinstance(article, dict):
                entries.append(article | {"_msgid": info.get("msgid")})
    return entries, _int(page.get("total_count")), len(publishes) if isinstance(publishes, list) else 0


def _backend_post(entry: dict[str, Any], fakeid: str) -> Post | None:
    link = clean_url(entry.get("link") or entry.get("content_url"))
    key = article_key(link)
    if key is None:
        mid, _, idx = str(entry.get("aid") or "").partition("_")
        mid = mid or str(entry.get("appmsgid") or entry.get("_msgid") or "")
        idx = idx or str(entry.get("itemidx") or "")
        if not (fakeid and mid.isdigit() and idx.isdigit()):
            return None
        key = ArticleKey(biz=fakeid, mid=mid, idx=idx)
    created = _int(entry.get("create_time")) or _int(entry.get("update_time"))
    copyright_type = _int(entry.get("copyright_type"))
    deleted = bool(entry.get("is_deleted"))
    extra = {k: v for k, v in {
        "digest": entry.get("digest") or None,
        "cover": absolute(entry.get("cover") or entry.get("cover_img"), MP_BASE),
        "author": entry.get("author_name") or entry.get("author") or None,
        "item_show_type": entry.get("item_show_type"),
        "sn": key.sn or None,
    }.items() if v is not None}
    return Post(
        _id=key.post_id, platform=PLATFORM, platform_id=key.platform_id,
        account_id=key.account_id, url=key.url, title=entry.get("title") or None,
        published_at=_time(created),
        is_original=None if copyright_type is None else copyright_type == 1,
        deleted=True if deleted else None,
        deleted_reason="deleted" if deleted else None, extra=extra or None)


# --------------------------------------------------------------------------- mp/profile_ext

def parse_profile_msg(inp: ParseInput) -> ParseResult:
    """``mp/profile_ext?action=getmsg``: ``general_msg_list`` is a JSON string of pushes."""
    data, failed = _load(inp)
    if failed:
        return failed
    if not isinstance(data, dict):
        return ParseResult.error(MALFORMED, "expected a JSON object")
    base_resp = data.get("base_resp") if isinstance(data.get("base_resp"), dict) else {}
    ret = _int(data.get("ret"), None)
    if ret is None:
        ret = _int(base_resp.get("ret"), 0)
    if ret:
        errmsg = data.get("errmsg") or base_resp.get("errmsg")
        kind = PROFILE_ERRORS.get(ret, LOGIN_REQUIRED if errmsg == "no session" else BLOCKED)
        return _fail(kind, ret, errmsg)
    raw = data.get("general_msg_list")
    if raw is None:
        return ParseResult.error(MALFORMED, "no general_msg_list in the body")
    try:
        pushes = (loads_json(raw) if isinstance(raw, str) else raw).get("list") or []
    except (ValueError, AttributeError) as exc:
        return ParseResult.error(MALFORMED, f"general_msg_list: {exc}")
    biz = _query(inp.url).get("__biz") or str(inp.meta.get("biz") or "")
    items: list[Post] = []
    if not isinstance(pushes, list):
        return ParseResult.error(MALFORMED, "general_msg_list.list is not a list")
    for push in pushes:
        if isinstance(push, dict):
            items.extend(_push_posts(push, biz))
    more = _int(data.get("can_msg_continue"), 0) == 1
    next_offset = _int(data.get("next_offset"))
    nxt = {"offset": next_offset} if more and next_offset is not None else None
    if not pushes or (not items and nxt is None):  # (a last page of text or image pushes)
        return ParseResult(outcome=END_OF_LIST, next=nxt)
    return ParseResult(outcome=OK, items=items, next=nxt,
                       requests=[p.url for p in items if p.url and not p.deleted])


def _push_posts(push: dict[str, Any], biz: str) -> list[Post]:
    info = push.get("comm_msg_info") or {}
    if not isinstance(info, dict) or _int(info.get("type")) != 49:
        return []  # text, image, voice pushes are not articles
    main = push.get("app_msg_ext_info") or {}
    if not isinstance(main, dict):
        return []
    entries = [main]
    more = main.get("multi_app_msg_item_list")
    if _int(main.get("is_multi")) == 1 or more:
        entries += list(more) if isinstance(more, list) else []
    created = _int(info.get("datetime"))
    posts = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            continue
        post = _profile_post(entry, biz, info, position, created)
        if post is not None:
            posts.append(post)
    return posts


def _profile_post(entry: dict[str, Any], biz: str, info: dict[str, Any], position: int,
                  created: int | None) -> Post | None:
    key = article_key(entry.get("content_url"))
    if key is None:
        mid = str(info.get("id") or "")  # a deleted article has no content_url
        if not (biz and mid.isdigit()):
            return None
        key = ArticleKey(biz=biz, mid=mid, idx=str(position))
    stat = _int(entry.get("copyright_stat"))
    del_flag = _int(entry.get("del_flag"), 1)
    deleted = del_flag != 1 or not entry.get("content_url")
    original = True if stat == PROFILE_ORIGINAL else False if stat in PROFILE_NOT_ORIGINAL else None
    extra = {k: v for k, v in {
        "digest": entry.get("digest") or None,
        "cover": absolute(entry.get("cover"), MP_BASE),
        "author": entry.get("author") or None,
        "item_show_type": entry.get("item_show_type"),
        "copyright_stat": stat,
        "del_flag": del_flag if deleted else None,
        "sn": key.sn or None,
    }.items() if v is not None}
    return Post(
        _id=key.post_id, platform=PLATFORM, platform_id=key.platform_id,
        account_id=key.account_id, url=key.url, title=entry.get("title") or None,
        published_at=_time(created), is_original=original,
        deleted=True if deleted else None, deleted_reason="deleted" if deleted else None,
        extra=extra or None)
