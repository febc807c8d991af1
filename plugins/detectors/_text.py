"""Text helpers shared by the content detectors: cached normalization, fields, quotes,
sentences, evidence records, masking and domains."""

from __future__ import annotations

import re
from itertools import repeat
from typing import Any
from urllib.parse import urlsplit

from tldextract import TLDExtract

from govspider.textnorm import HAN_RE, Normalized, normalize

from ._matcher import Hit

_NORM_CACHE: dict[str, Normalized] = {}
#: detectors look at the same item one after another: a small cache covers that, and keeps
#: memory flat over a crawl of millions of texts
_NORM_CACHE_MAX = 2_048

#: which fields of an item hold text an account published
TEXT_FIELDS: dict[str, tuple[str, ...]] = {"post": ("title", "text"), "comment": ("text",),
                                          "page": ("title", "text")}

_QUOTE_RE = re.compile(r"“[^”\n]{0,300}”|「[^」\n]{0,300}」|『[^』\n]{0,300}』|\"[^\"\n]{0,300}\""
                       r"|‘[^’\n]{0,300}’|《[^》\n]{0,100}》|'[^'\n]{0,100}'")
_SENTENCE_END = "。!?;\n…"
_SENTENCE_RE = re.compile(r"[。!?;\n…]")
_ZEROS = (0,) * len(_SENTENCE_END)


def norm(text: str | None) -> Normalized:
    """:func:`govspider.textnorm.normalize`, memoised per text (detectors share the work)."""
    if not text:
        return normalize("")
    cached = _NORM_CACHE.get(text)
    if cached is None:
        if len(_NORM_CACHE) >= _NORM_CACHE_MAX:
            _NORM_CACHE.clear()
        cached = _NORM_CACHE[text] = normalize(text)
    return cached


def fields(item: dict[str, Any]) -> list[tuple[str, Normalized]]:
    """``(field name, normalized text)`` for each non-empty text field of the item."""
    out = []
    for name in TEXT_FIELDS.get(item.get("item_type", ""), ("text",)):
        value = item.get(name)
        if value and isinstance(value, str):
            n = _NORM_CACHE.get(value)  # norm()'s memo read here: every detector asks
            out.append((name, n if n is not None else norm(value)))
    return out


def is_account_speech(item: dict[str, Any]) -> bool:
    """Posts are the account's speech; comments only when they are official replies."""
    kind = item.get("item_type")
    if kind == "comment":
        return item.get("is_official") is True
    return kind == "post"


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quoted passages (“...”, 「...」, "...", 《...》...) in normalized text."""
    if not any(q in text for q in "“「『\"‘《'"):
        return []
    return [(m.start(), m.end()) for m in _QUOTE_RE.finditer(text)]


def inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence holding ``[start, end)``."""
    left = max(map(text.rfind, _SENTENCE_END, _ZEROS, repeat(start, len(_SENTENCE_END)))) + 1
    m = _SENTENCE_RE.search(text, end)
    return left, (m.start() if m else len(text))


def match_record(n: Normalized, hit: Hit, field: str, **extra: Any) -> dict[str, Any]:
    """The evidence of one hit: the ORIGINAL text and span, the entry and its category."""
    s, e = n.span_to_original(hit.start, hit.end)
    rec = {"text": n.original[s:e], "span": [s, e], "field": field, "entry": hit.entry.term,
           "category": hit.entry.category}
    rec.update(extra)
    return rec


def span_record(n: Normalized, start: int, end: int, field: str, **extra: Any) -> dict[str, Any]:
    s, e = n.span_to_original(start, end)
    rec = {"text": n.original[s:e], "span": [s, e], "field": field}
    rec.update(extra)
    return rec


def mask_digits(value: str, keep_head: int, keep_tail: int) -> str:
    """``440301199003071234`` -> ``4403**********1234``."""
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


#: the Chinese characters a text needs before the detectors that read Chinese (their lexicons
#: and text models) can judge it: an English or Japanese post is not theirs to read
MIN_HAN = 4


def reads_chinese(text: str) -> bool:
    """Has ``text`` (its first 400 characters) at least :data:`MIN_HAN` Chinese characters?"""
    return len(HAN_RE.findall(text, 0, 400)) >= MIN_HAN


#: runs of letters outside Chinese characters (Latin, Hangul, kana, Cyrillic...)
FOREIGN_LETTERS = re.compile(r"(?:(?![\u3400-\u9fff\uf900-\ufaff])[^\W\d_])+")
#: what is not words of a language: URLs and @names
NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|@\w+")
#: the letters a text in another language needs (``hahahaha`` has eight; 早安 and OK none)
MIN_FOREIGN_LETTERS = 6


def other_language(text: str, min_letters: int = MIN_FOREIGN_LETTERS) -> bool:
    """Is ``text`` written in a language other than Chinese: it does not :func:`reads_chinese`
    and has at least ``min_letters`` letters outside URLs and @names? (谁理他 is short Chinese,
    not another language.)"""
    if reads_chinese(text):
        return False
    return sum(len(w) for w in FOREIGN_LETTERS.findall(NOT_WORDS.sub(" ", text))) >= min_letters


def host_of(url: str) -> str:
    try:
        return (urlsplit(url if "//" in url else "//" + url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


#: the public suffix list tldextract ships (``suffix_list_urls=()``: never downloaded)
_SUFFIXES = TLDExtract(suffix_list_urls=())


def registrable_domain(host: str, default: str | None = None) -> str:
    """The domain a registrant holds: ``a.b.example.gov.cn`` -> ``example.gov.cn``,
    ``x.net.cn`` -> ``x.net.cn``, ``www.foo.co.uk`` -> ``foo.co.uk`` (public suffix list);
    ``default`` (the host itself unless given) when it has none (an IP address, ``localhost``)."""
    return _SUFFIXES(host).top_domain_under_public_suffix or (host if default is None else default)


def domain_matches(host: str, domains: list[str] | tuple[str, ...] | set[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one (``a.b.gov.cn`` ~ ``gov.cn``)."""
    host = host.lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def quote_short(text: str, limit: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
