"""WeChat article URLs: identity keys, canonical form, ids (platforms.md §2.1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from govspider.processors import absolute_url

PLATFORM = "wechat"
#: The real host of article pages; canonical URLs always use it (sandbox or not).
MP_HOST = "mp.weixin.qq.com"
CANONICAL_BASE = f"https://{MP_HOST}/s"
MP_BASE = f"https://{MP_HOST}/"
#: WeChat hosts that serve https: their ``http://`` URLs are upgraded.
HTTPS_HOSTS = ("mp.weixin.qq.com", "qpic.cn", "qlogo.cn", "res.wx.qq.com")
_SHORT_RE = re.compile(r"/s/([A-Za-z0-9_-]{10,})/?$")


@dataclass(frozen=True)
class ArticleKey:
    """The identity of an article: (``biz``, ``mid``, ``idx``), plus ``sn`` when known."""

    biz: str
    mid: str
    idx: str
    sn: str = ""

    @property
    def platform_id(self) -> str:
        return f"{self.mid}_{self.idx}"

    @property
    def post_id(self) -> str:
        return post_id(self.biz, self.mid, self.idx)

    @property
    def account_id(self) -> str:
        return account_id(self.biz)

    @property
    def url(self) -> str:
        return canonical_url(self.biz, self.mid, self.idx, self.sn)


def account_id(biz: str) -> str:
    """``wechat:<__biz>``."""
    return f"{PLATFORM}:{biz}"


def post_id(biz: str, mid: str | int, idx: str | int) -> str:
    """``wechat:<__biz>:<mid>_<idx>``."""
    return f"{PLATFORM}:{biz}:{mid}_{idx}"


def canonical_url(biz: str, mid: str | int, idx: str | int, sn: str = "") -> str:
    """``https://mp.weixin.qq.com/s?__biz=…&mid=…&idx=…&sn=…`` (no chksm, scene, fragment)."""
    params = [("__biz", biz), ("mid", str(mid)), ("idx", str(idx))]
    if sn:
        params.append(("sn", sn))
    return f"{CANONICAL_BASE}?{urlencode(params, safe='=')}"


def clean_url(url: str | None) -> str:
    """Undo the escapes article URLs carry in pages and JSON (``\\x26``, ``&amp;``, ``\\/``)."""
    return absolute_url(url) or ""


def absolute(url: str | None, base: str) -> str | None:
    """:func:`clean_url`, then joined to ``base``; ``None`` for an empty URL."""
    url = clean_url(url)
    if not url:
        return None
    url = urljoin(base, url)
    if url.startswith("http://") and (urlsplit(url).hostname or "").endswith(HTTPS_HOSTS):
        url = "https://" + url[len("http://"):]
    return url


def article_key(url: str | None) -> ArticleKey | None:
    """The identity key of a long-form article URL; ``None`` for a short link or another URL."""
    url = clean_url(url)
    if not url:
        return None
    query = parse_qs(urlsplit(url).query)

    def one(*names: str) -> str:
        for name in names:
            values = query.get(name)
            if values and values[0].strip():
                return values[0].strip()
        return ""

    biz, mid, idx = one("__biz", "biz"), one("mid", "appmsgid"), one("idx", "itemidx")
    if not (biz and mid.isdigit() and idx.isdigit()):
        return None
    return ArticleKey(biz=biz, mid=mid, idx=idx, sn=one("sn", "signature"))


def short_token(url: str | None) -> str | None:
    """The token of a short link ``https://mp.weixin.qq.com/s/{token}``."""
    match = _SHORT_RE.search(urlsplit(clean_url(url)).path) if url else None
    return match.group(1) if match else None


def is_article_url(url: str | None) -> bool:
    """A long or short article URL (on any host: the sandbox serves them under a prefix)."""
    path = urlsplit(clean_url(url)).path if url else ""
    return bool(article_key(url)) and path.endswith("/s") or short_token(url) is not None


def rebase(url: str, base_url: str) -> str:
    """Point a ``mp.weixin.qq.com`` URL at ``base_url`` (the sandbox), keeping path and query.

    Other URLs (and URLs already on ``base_url``) are returned unchanged.
    """
    url = clean_url(url)
    parts = urlsplit(url)
    if parts.hostname != MP_HOST or not base_url or urlsplit(base_url).hostname == MP_HOST:
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{base_url.rstrip('/')}{parts.path}{query}"
