"""Offline parsers of ``m.weibo.cn`` responses: one function per kind, ``ParseInput -> ParseResult``.

Kinds: ``profile`` (``getIndex?type=uid&value=UID``), ``timeline`` (``getIndex`` with the
``107603UID`` container), ``longtext`` (``statuses/extend``), ``show`` (``statuses/show``),
``comments`` (``comments/hotflow``). No Scrapy here: the spider and ``govspider parse`` share
these functions.

Every response first goes through :func:`classify`, which turns the platform's refusals into
error outcomes (never "ok with zero items"):

- HTTP 403/418/429 -> ``rate_limited``; ``{"ok": -100, "url": passport...}`` -> ``login_required``;
- JSON without ``data`` but with ``url`` -> ``captcha``; HTML or other non-JSON -> ``blocked``;
- an empty or cut JSON body -> ``malformed``;
- ``{"ok": 0, "msg": ...}`` -> the end of a list (timeline, comments) or a missing post,
  unless the message says "too frequent" or "log in".

Follow-up URLs (``requests``) are built on the base of ``input.url`` (see :func:`urls.base_of`),
so they point at the sandbox when the response came from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from govspider.items import Item, Post
from govspider.platform import (
    BLOCKED,
    CAPTCHA,
    END_OF_LIST,
    GONE,
    LOGIN_REQUIRED,
    MALFORMED,
    NOT_FOUND,
    OK,
    RATE_LIMITED,
    MissingInput,
    ParseInput,
    ParseResult,
)
from govspider.processors import CST

from . import convert
from .urls import base_of, comments_url, extend_url, query_param

#: Messages of ``ok: 0`` that mean "slow down" / "log in" rather than "nothing here".
_RATE_WORDS = ("频繁", "稍后再试", "太快", "too many", "frequent")
_LOGIN_WORDS = ("登录", "login", "Login")
_RATE_STATUSES = (403, 418, 429)


class Refused(Exception):
    """Raised by :func:`classify`: the response is an error or final outcome, not data."""

    def __init__(self, result: ParseResult):
        super().__init__(result.message or result.outcome)
        self.result = result


def _now(inp: ParseInput) -> datetime:
    return inp.now or datetime.now(CST)


def classify(inp: ParseInput) -> dict[str, Any]:
    """The decoded JSON envelope of a usable response; raises :class:`Refused` otherwise.

    The envelope is returned for ``ok: 1`` and for ``ok: 0`` (the caller decides what an
    ``ok: 0`` means for its kind: end of list, not found...).
    """
    if inp.status in _RATE_STATUSES:
        raise Refused(ParseResult.error(RATE_LIMITED, f"HTTP {inp.status}"))
    if inp.status == 404:
        raise Refused(ParseResult(outcome=NOT_FOUND, message="HTTP 404"))
    if inp.status >= 400:
        raise Refused(ParseResult.error(BLOCKED, f"HTTP {inp.status}"))
    body = inp.body.strip()
    if not body:
        raise Refused(ParseResult.error(MALFORMED, "empty body"))
    if body[:1] not in (b"{", b"["):
        what = "HTML page" if body[:1] == b"<" else "non-JSON body"
        raise Refused(ParseResult.error(BLOCKED, f"{what} instead of JSON (visitor system or block)"))
    try:
        doc = inp.json()
    except ValueError:
        raise Refused(ParseResult.error(MALFORMED, f"truncated or invalid JSON ({len(body)} bytes)")) from None
    if not isinstance(doc, dict):
        raise Refused(ParseResult.error(MALFORMED, "JSON is not an object"))
    ok = _ok_value(doc.get("ok"))
    url = str(doc.get("url") or "")
    if ok == -100 or "passport.weibo" in url:
        raise Refused(ParseResult.error(LOGIN_REQUIRED, "login wall (ok: -100)"))
    if "data" not in doc and url:
        raise Refused(ParseResult.error(CAPTCHA, "challenge: JSON without data, with url"))
    if ok == 1:
        if not isinstance(doc.get("data"), (dict, list)):
            raise Refused(ParseResult.error(MALFORMED, "ok: 1 without data"))
        return doc
    if ok == 0:
        msg = str(doc.get("msg") or "")
        if any(w in msg for w in _RATE_WORDS):
            raise Refused(ParseResult.error(RATE_LIMITED, f"ok: 0, {msg}"))
        if any(w in msg for w in _LOGIN_WORDS):
            raise Refused(ParseResult.error(LOGIN_REQUIRED, f"ok: 0, {msg}"))
        if not msg and not doc.get("data"):
            raise Refused(ParseResult.error(BLOCKED, "ok: 0 without a message or data"))
        return doc
    raise Refused(ParseResult.error(MALFORMED, f"unexpected ok value {doc.get('ok')!r}"))


def _ok_value(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _guard(parser: Any) -> Any:
    """Turn :class:`Refused` into its result, so each parser reads only the happy path."""

    def run(inp: ParseInput) -> ParseResult:
        try:
            return parser(inp)
        except Refused as refused:
            return refused.result

    run.__name__ = parser.__name__
    run.__doc__ = parser.__doc__
    run.__wrapped__ = parser  # type: ignore[attr-defined]
    return run


def _meta_uid(inp: ParseInput) -> str | None:
    return convert.sid(inp.meta.get("weibo_uid")) or query_param(inp.url, "value") \
        or query_param(inp.url, "uid")


# --------------------------------------------------------------------------- profile

@_guard
def parse_profile(inp: ParseInput) -> ParseResult:
    """``getIndex?type=uid&value=UID``: the account and its metrics point.

    ``extra.timeline_containerid`` carries ``tabsInfo.tabs[tabKey=weibo].containerid``.
    """
    doc = classify(inp)
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    if _ok_value(doc.get("ok")) == 0:
        return ParseResult(outcome=NOT_FOUND, message=str(doc.get("msg") or "no such user"))
    user = data.get("userInfo")
    if not isinstance(user, dict) or convert.sid(user.get("id")) is None:
        raise Refused(ParseResult.error(MALFORMED, "getIndex response without userInfo"))
    account = convert.account_from_user(user, inp.now)
    containerid = _timeline_container(data)
    if containerid:
        account.extra = {**(account.extra or {}), "timeline_containerid": containerid}
    items: list[Item] = [account, convert.metrics_from_account(account, _now(inp))]
    return ParseResult(outcome=OK, items=items)


def _timeline_container(data: dict[str, Any]) -> str | None:
    tabs = data.get("tabsInfo", {}).get("tabs") if isinstance(data.get("tabsInfo"), dict) else None
    if isinstance(tabs, dict):  # some responses key the tabs by index
        tabs = list(tabs.values())
    for tab in tabs if isinstance(tabs, list) else []:
        if isinstance(tab, dict) and (tab.get("tabKey") == "weibo" or tab.get("tab_type") == "weibo"):
            return convert.sid(tab.get("containerid"))
    return None


# --------------------------------------------------------------------------- timeline

def iter_mblogs(cards: Any) -> list[dict[str, Any]]:
    """The ``mblog`` of every ``card_type 9`` card, ``card_type 11`` groups unwrapped."""
    out: list[dict[str, Any]] = []
    for card in cards if isinstance(cards, list) else []:
        if not isinstance(card, dict):
            continue
        kind = convert.sid(card.get("card_type"))
        if kind == "9" and isinstance(card.get("mblog"), dict):
            out.append(card["mblog"])
        elif kind == "11":
            out.extend(iter_mblogs(card.get("card_group")))
    return out


def posts_from_mblog(mblog: dict[str, Any], now: datetime | None, base: str,
                     account_hint: str | None = None, want_comments: bool = True,
                     ) -> tuple[list[Item], list[str]]:
    """A post, its retweeted original, and the follow-up URLs they need."""
    items: list[Item] = []
    requests: list[str] = []
    post = convert.post_from_mblog(mblog, now, account_hint)
    retweeted = mblog.get("retweeted_status")
    if isinstance(retweeted, dict) and convert.mblog_id(retweeted):
        original = convert.post_from_mblog(retweeted, now)
        items.append(original)
        if original.extra and original.extra.get("truncated"):
            requests.append(extend_url(base, original.platform_id))
    items.insert(0, post)
    if post.extra and post.extra.get("truncated"):
        requests.insert(0, extend_url(base, post.platform_id))
    if want_comments and not post.deleted and (post.metrics or {}).get("comments", 0) > 0:
        requests.append(comments_url(base, post.platform_id))
    return items, requests


def _int_param(url: str | None, name: str) -> int | None:
    """An integer query parameter of ``url``."""
    value = parse_qs(urlsplit(url or "").query).get(name, [""])[0]
    return int(value) if value.isdigit() else None


@_guard
def parse_timeline(inp: ParseInput) -> ParseResult:
    """A timeline page: posts (pinned ones flagged), retweeted originals as their own posts,
    ``next = {"since_id": ...}`` (or ``{"page": N}`` on old page-numbered containers), and
    extend / comments URLs to complete the page."""
    doc = classify(inp)
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    if _ok_value(doc.get("ok")) == 0:
        return ParseResult(outcome=END_OF_LIST, message=str(doc.get("msg") or "no content"))
    cards = data.get("cards")
    if cards is None:
        raise Refused(ParseResult.error(MALFORMED, "timeline response without cards"))
    base = base_of(inp.url)
    uid = _meta_uid(inp)
    hint = f"weibo:{uid}" if uid else None
    items: list[Item] = []
    requests: list[str] = []
    for mblog in iter_mblogs(cards):
        if convert.mblog_id(mblog) is None:
            continue
        found, follow = posts_from_mblog(mblog, inp.now, base, hint)
        items.extend(found)
        requests.extend(follow)
    info = data.get("cardlistInfo") if isinstance(data.get("cardlistInfo"), dict) else {}
    since_id = convert.sid(info.get("since_id"))
    if not items:
        return ParseResult(outcome=END_OF_LIST, message="no posts on this page")
    nxt: dict[str, Any] | None = {"since_id": since_id} if since_id and since_id != "0" else None
    if nxt is None:
        # old containers page by number: cardlistInfo.page is the next page (absent, or not
        # past this one, on the last)
        this_page = _int_param(inp.url, "page") or 1
        following = info.get("page")
        if isinstance(following, str) and following.strip().isdigit():
            following = int(following)
        if isinstance(following, int) and not isinstance(following, bool) and following > this_page:
            nxt = {"page": following}
    return ParseResult(outcome=OK, items=items, next=nxt, requests=list(dict.fromkeys(requests)))


# --------------------------------------------------------------------------- long text / show

def _post_id(inp: ParseInput) -> str:
    mid = convert.sid(inp.meta.get("weibo_mid")) or query_param(inp.url, "id")
    if not mid:
        raise MissingInput("the post id comes from the request URL (…?id=MID): pass --url")
    return mid


@_guard
def parse_longtext(inp: ParseInput) -> ParseResult:
    """``statuses/extend?id=MID``: the full text of a truncated post, with fresher counts.

    The item carries only what this endpoint knows (id, text, topics, mentions, links,
    metrics); the spider merges it into the timeline's post.
    """
    mid = _post_id(inp)
    doc = classify(inp)
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    if _ok_value(doc.get("ok")) == 0 or _ok_value(data.get("ok")) == 0:
        return _missing(mid, str(doc.get("msg") or data.get("msg") or ""))
    markup = data.get("longTextContent")
    if not isinstance(markup, str) or not markup.strip():
        raise Refused(ParseResult.error(MALFORMED, "extend response without longTextContent"))
    post = Post(_id=f"weibo:{mid}", platform="weibo", platform_id=mid)
    convert.complete_long_text(post, markup, data)
    return ParseResult(outcome=OK, items=[post])


def _missing(mid: str, msg: str) -> ParseResult:
    """``ok: 0`` for one post: deleted/hidden (``gone``, a deleted item) or unknown."""
    if any(marker in msg for marker in convert.DELETED_MARKERS):
        post = Post(_id=f"weibo:{mid}", platform="weibo", platform_id=mid, deleted=True,
                    deleted_reason=convert.deleted_reason(msg))
        return ParseResult(outcome=GONE, items=[post], message=msg)
    return ParseResult(outcome=NOT_FOUND, message=msg or "no such post")


@_guard
def parse_show(inp: ParseInput) -> ParseResult:
    """``statuses/show?id=MID``: one post (re-visits record edits; a deleted post is ``gone``)."""
    mid = _post_id(inp)
    doc = classify(inp)
    if _ok_value(doc.get("ok")) == 0:
        return _missing(mid, str(doc.get("msg") or ""))
    data = doc.get("data")
    mblog = data.get("status", data) if isinstance(data, dict) else None
    if not isinstance(mblog, dict) or convert.mblog_id(mblog) is None:
        raise Refused(ParseResult.error(MALFORMED, "show response without a status"))
    items, requests = posts_from_mblog(mblog, inp.now, base_of(inp.url), want_comments=False)
    main = items[0]
    if isinstance(main, Post) and main.deleted:
        return ParseResult(outcome=GONE, items=items, message=main.deleted_reason)
    return ParseResult(outcome=OK, items=items, requests=requests)


# --------------------------------------------------------------------------- comments

@_guard
def parse_comments(inp: ParseInput) -> ParseResult:
    """``comments/hotflow``: comments with their nested replies, official ones flagged.

    The post comes from the URL (``id=``) or ``meta["weibo_mid"]``; the post's owner (for
    ``is_official``) from ``meta["weibo_uid"]``. ``next = {"max_id", "max_id_type"}``.
    """
    mid = convert.sid(inp.meta.get("weibo_mid")) or query_param(inp.url, "id") \
        or query_param(inp.url, "mid")
    owner = convert.sid(inp.meta.get("weibo_uid"))
    doc = classify(inp)
    if _ok_value(doc.get("ok")) == 0:
        return ParseResult(outcome=END_OF_LIST, message=str(doc.get("msg") or "no comments"))
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    rows = data.get("data")
    if rows is None:
        raise Refused(ParseResult.error(MALFORMED, "hotflow response without data.data"))
    if not isinstance(rows, list):
        raise Refused(ParseResult.error(MALFORMED, "hotflow data.data is not a list"))
    items: list[Item] = []
    for row in rows:
        if not isinstance(row, dict) or convert.comment_id(row) is None:
            continue
        comment = convert.comment_from_json(row, mid, owner, inp.now)
        if not comment.post_id:
            raise MissingInput("the post id comes from the request URL (…?id=MID): pass --url")
        items.append(comment)
        replies = row.get("comments")  # ``false`` when there are none
        for reply in replies if isinstance(replies, list) else []:
            if isinstance(reply, dict) and convert.comment_id(reply) is not None:
                items.append(convert.comment_from_json(
                    reply, comment.post_id.split(":", 1)[1], owner, inp.now, reply_to=comment._id))
    if not items and rows:  # an all-null or reshaped answer
        raise Refused(ParseResult.error(MALFORMED, f"{len(rows)} comments, none with an id"))
    if not items:
        return ParseResult(outcome=END_OF_LIST, message="no comments on this page")
    max_id = convert.sid(data.get("max_id"))
    nxt = None
    if max_id and max_id != "0":
        nxt = {"max_id": max_id, "max_id_type": _ok_value(data.get("max_id_type")) or 0}
    return ParseResult(outcome=OK, items=items, next=nxt)


PARSERS = {"profile": parse_profile, "timeline": parse_timeline, "longtext": parse_longtext,
           "show": parse_show, "comments": parse_comments}
