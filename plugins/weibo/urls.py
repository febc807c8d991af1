"""URLs of the Weibo mobile API (``m.weibo.cn``), built on a base that may be the sandbox.

A base is ``scheme://host[/prefix]``: ``https://m.weibo.cn`` on the real site,
``http://127.0.0.1:PORT/weibo`` in the sandbox. :func:`base_of` recovers it from any API URL,
so follow-up requests built while parsing a sandbox response point at the sandbox too.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

DEFAULT_BASE = "https://m.weibo.cn"
#: Timeline containers are ``107603`` + uid (``tabsInfo`` may name another one).
TIMELINE_PREFIX = "107603"
PROFILE_PREFIX = "100505"

_ENDPOINT_RE = re.compile(r"/(?:api/|statuses/|comments/|detail/|status/|u/|profile/)")


def base_of(url: str | None) -> str:
    """The base (``scheme://host[/prefix]``) of an API URL; the real site when unknown."""
    if not url or not url.startswith(("http://", "https://")):
        return DEFAULT_BASE
    parts = urlsplit(url)
    match = _ENDPOINT_RE.search(parts.path)
    prefix = parts.path[: match.start()] if match else parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{prefix}"


def query_param(url: str | None, name: str) -> str | None:
    """The first value of a query parameter of ``url``, or ``None``."""
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def _join(base: str, path: str, params: dict[str, object]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None and v != ""})
    return f"{base.rstrip('/')}{path}?{query}"


def profile_url(base: str, uid: str) -> str:
    """``getIndex?type=uid&value=UID``: ``data.userInfo`` and ``tabsInfo``."""
    return _join(base, "/api/container/getIndex", {"type": "uid", "value": uid})


def timeline_url(base: str, uid: str, containerid: str | None = None,
                 since_id: str | None = None, page: int | None = None) -> str:
    """One timeline page; ``since_id`` comes from the previous page's ``cardlistInfo``. Old,
    page-numbered containers take ``page`` instead (``cardlistInfo.page`` names the next)."""
    return _join(base, "/api/container/getIndex",
                 {"type": "uid", "value": uid,
                  "containerid": containerid or f"{TIMELINE_PREFIX}{uid}",
                  "since_id": since_id, "page": page if page and page > 1 else None})


def extend_url(base: str, mid: str) -> str:
    """The full text of a truncated (``isLongText``) post."""
    return _join(base, "/statuses/extend", {"id": mid})


def show_url(base: str, mid: str) -> str:
    """One status as JSON (re-visits: edits and deletions)."""
    return _join(base, "/statuses/show", {"id": mid})


def comments_url(base: str, mid: str, max_id: str | int | None = None,
                 max_id_type: str | int | None = 0) -> str:
    """A page of ``comments/hotflow``; the next page passes ``max_id`` and ``max_id_type``."""
    params: dict[str, object] = {"id": mid, "mid": mid}
    if max_id not in (None, "", 0, "0"):
        params["max_id"] = max_id
    params["max_id_type"] = 0 if max_id_type in (None, "") else max_id_type
    return _join(base, "/comments/hotflow", params)


def detail_url(base: str, mid: str) -> str:
    """The status page, sent as ``Referer`` of comment requests."""
    return f"{base.rstrip('/')}/detail/{mid}"


def post_url(mid: str) -> str:
    """The canonical public URL of a post (stored in ``posts.url``)."""
    return f"{DEFAULT_BASE}/detail/{mid}"


def account_url(uid: str) -> str:
    """The canonical public URL of an account (stored in ``accounts.url``)."""
    return f"{DEFAULT_BASE}/u/{uid}"
