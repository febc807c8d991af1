"""Shared normalizers: counts, times, HTML -> text, URLs (see ``docs/data-model.md``).

Every function is pure. Relative times resolve against an injected ``now``; nothing here reads
the clock.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import lxml.html

#: China Standard Time; every printed time carries this offset.
CST = timezone(timedelta(hours=8), "Asia/Shanghai")

# --------------------------------------------------------------------------- counts

_UNITS = {"万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000, "千": 1_000,
          "k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000, "百": 100}
_COUNT_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万|亿|千|百|[wWkKmM](?![a-zA-Z]))?")


def parse_count(value: Any) -> int | None:
    """A platform count as an int: ``"1.2万"`` -> 12000, ``"10万+"`` -> 100000,
    ``"1.2亿"``, ``"3,456"``, ``"125万次安装"``, ``"( 876次评分 )"``. Unknown -> ``None``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(round(value))
    text = str(value).strip()
    if not text:
        return None
    m = _COUNT_RE.search(text)
    if not m:
        return None
    number = float(m.group(1).replace(",", ""))
    unit = _UNITS.get(m.group(2) or "", 1)
    return int(round(number * unit))


def parse_float(value: Any) -> float | None:
    """A rating or size as a float (``"4.30"`` -> 4.3); unknown -> ``None``."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        m = re.search(r"\d+(?:\.\d+)?", str(value))
        return float(m.group(0)) if m else None


# --------------------------------------------------------------------------- times

_CTIME_FMT = "%a %b %d %H:%M:%S %z %Y"
#: ``Sat Nov 20 10:00:00 +0800 2021`` (strptime is slow and locale-bound: this is the hot path)
_CTIME_RE = re.compile(r"^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$")
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_OFFSETS: dict[str, timezone] = {}
_REL_RE = re.compile(r"^(\d+)\s*(秒|分钟|小时|天)前$")
_DAY_HM_RE = re.compile(r"^(今天|昨天|前天)\s*(\d{1,2}):(\d{2})$")
_MD_RE = re.compile(r"^(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")
_CN_MD_RE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2}):(\d{2}))?$")
_YMD_RE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DAY_OFFSET = {"今天": 0, "昨天": 1, "前天": 2}
_REL_UNIT = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days"}


class RelativeTimeError(ValueError):
    """A relative time (``3分钟前``) was given without a ``now`` to resolve it against."""


def parse_time(value: Any, now: datetime | None = None) -> datetime | None:
    """Any platform time as an aware datetime in +08:00; ``None`` when empty.

    Accepts epoch seconds or milliseconds (int or digit string), the ctime-like
    ``Sat Nov 20 10:00:00 +0800 2021``, ISO 8601 (``...Z`` included), ``YYYY-MM-DD[ HH:MM[:SS]]``,
    ``YYYY/M/D``, ``MM-DD``, ``MM月DD日 HH:MM``, ``刚刚``, ``N分钟前``, ``N小时前``,
    ``今天 HH:MM``, ``昨天 HH:MM``. Naive values are read as China time. Relative forms need
    ``now``. Raises ``ValueError`` on anything else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=CST) if value.tzinfo is None else value.astimezone(CST)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return _from_epoch(float(text))
    if text[0].isalpha() and text[0].isascii():
        m = _CTIME_RE.match(text)
        if m and m.group(1) in _MONTHS:
            mon, day, hh, mi, ss, sign, oh, om, year = m.groups()
            tz = _OFFSETS.get(sign + oh + om)
            if tz is None:
                delta = timedelta(hours=int(oh), minutes=int(om))
                tz = _OFFSETS.setdefault(sign + oh + om, timezone(-delta if sign == "-" else delta))
            try:
                return datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mi), int(ss),
                                tzinfo=tz).astimezone(CST)
            except ValueError:
                raise ValueError(f"unrecognised time {text!r}") from None
        try:
            return datetime.strptime(text, _CTIME_FMT).astimezone(CST)
        except ValueError:
            pass
    if text == "刚刚":
        return _need(now)
    m = _REL_RE.match(text)
    if m:
        return _need(now) - timedelta(**{_REL_UNIT[m.group(2)]: int(m.group(1))})
    m = _DAY_HM_RE.match(text)
    if m:
        day = _need(now).astimezone(CST) - timedelta(days=_DAY_OFFSET[m.group(1)])
        return day.replace(hour=int(m.group(2)), minute=int(m.group(3)), second=0, microsecond=0)
    m = _YMD_RE.match(text)
    if m:
        y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
        return datetime(y, mo, d, hh, mm, ss, tzinfo=CST)
    m = _MD_RE.match(text)
    if m:
        return _month_day(_need(now), *(int(g) if g else 0 for g in m.groups()))
    m = _CN_MD_RE.match(text)
    if m:
        year, mo, d, hh, mm = (int(g) if g else None for g in m.groups())
        if year:
            return datetime(year, mo, d, hh or 0, mm or 0, tzinfo=CST)  # type: ignore[arg-type]
        return _month_day(_need(now), mo, d, hh or 0, mm or 0)  # type: ignore[arg-type]
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"unrecognised time {text!r}") from None
    return parsed.replace(tzinfo=CST) if parsed.tzinfo is None else parsed.astimezone(CST)


def _from_epoch(number: float) -> datetime:
    if number > 1e11:  # milliseconds
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, CST)
    except (OverflowError, OSError, ValueError):  # beyond year 9999, or NaN
        raise ValueError(f"epoch time out of range: {number!r}") from None


def _need(now: datetime | None) -> datetime:
    if now is None:
        raise RelativeTimeError("a relative time needs 'now' (the fetch time)")
    return now.replace(tzinfo=CST) if now.tzinfo is None else now.astimezone(CST)


def _month_day(now: datetime, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    now = now.astimezone(CST)
    candidate = datetime(now.year, month, day, hour, minute, tzinfo=CST)
    if candidate.date() > now.date():  # an MM-DD after the fetch date is last year's
        candidate = candidate.replace(year=now.year - 1)
    return candidate


def isoformat(value: datetime) -> str:
    """ISO 8601 with the China offset: ``2024-03-05T10:00:00+08:00``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(CST).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- URLs

_AMP_RE = re.compile(r"&(?:amp|#0*38|#x0*26);", re.I)
#: Redirect wrappers whose real target sits in a query parameter: ``(host, path) -> param``.
#: Platform plugins add their own with :func:`add_link_wrappers` when they are imported.
LINK_WRAPPERS: dict[tuple[str, str], str] = {("link.zhihu.com", "/"): "target"}


def add_link_wrappers(wrappers: dict[tuple[str, str], str]) -> None:
    """Declare a platform's redirect wrappers (``{("t.example.com", "/go"): "u"}``): links
    through them are recorded as their real target (:func:`unwrap_url`)."""
    LINK_WRAPPERS.update(wrappers)


def absolute_url(url: str | None, base: str = "https://") -> str | None:
    """An absolute ``https://`` URL: ``//host/x`` gets ``https:``; ``&amp;`` and ``\\x26``
    are unescaped; a path is joined to ``base``. Anything but a string is ``None``."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip().replace("\\x26", "&").replace("\\/", "/")
    # only the escapes of "&": html.unescape would also turn "&times" in "&timestamp=" into "×"
    while True:  # "&amp;amp;" in doubly escaped JSON
        unescaped = _AMP_RE.sub("&", url)
        if unescaped == url:
            break
        url = unescaped
    if url.startswith("//"):
        return "https:" + url
    if url.startswith("/"):
        parts = urlsplit(base)
        if parts.scheme.startswith("http") and parts.netloc:  # else: a path, left as it is
            return f"{parts.scheme}://{parts.netloc}{url}"
    return url


#: What a browser drops from a URL before reading its scheme: C0 controls and spaces at either
#: end, and tabs and newlines anywhere (``java\tscript:`` is ``javascript:``).
_URL_STRIP = "".join(map(chr, range(0x21)))
_URL_DROP = dict.fromkeys(map(ord, "\t\n\r"), None)


def http_url(value: Any) -> str | None:
    """``value`` if it is an ``http(s)://`` URL with a host (as a browser would read it), else
    ``None``: ``javascript:``, ``data:``, ``file:``... never become links or fetched URLs."""
    if not isinstance(value, str):
        return None
    url = value.strip(_URL_STRIP).translate(_URL_DROP)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def unwrap_url(url: str | None) -> str | None:
    """The real target of a redirect wrapper (:data:`LINK_WRAPPERS`), else the URL."""
    url = absolute_url(url)
    if not url:
        return None
    parts = urlsplit(url)
    param = LINK_WRAPPERS.get((parts.hostname or "", parts.path.rstrip("/") or "/"))
    if param:
        values = parse_qs(parts.query).get(param)
        if values:
            return unquote(values[0])
    return url


# --------------------------------------------------------------------------- HTML -> text

_BLOCK_TAGS = {"p", "div", "section", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "blockquote", "article", "header", "footer", "ul", "ol", "table", "pre"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "mp-style-type"}
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_TOPIC_RE = re.compile(r"#([^#\n]{1,64})#")
_MENTION_RE = re.compile(r"@([\w\u4e00-\u9fff·\-]{1,30})")


@dataclass
class HtmlText:
    """Plain text of an HTML fragment, with what it links to."""

    text: str
    links: list[str] = field(default_factory=list)  #: unwrapped outbound URLs, in order
    topics: list[str] = field(default_factory=list)  #: ``#话题#`` names, without the hashes
    mentions: list[str] = field(default_factory=list)  #: ``@name`` names, without the ``@``


def html_to_text(markup: str | None) -> str:
    """Plain text of HTML as the data model says: tags removed, ``<br>`` -> newline, entities
    decoded, emoji ``<img alt=[X]>`` -> ``[X]``, links -> their visible text, no zero-width
    characters."""
    if not markup:
        return ""
    if not isinstance(markup, str):
        return parse_html(markup).text
    if _is_plain(markup):  # most comments: no parser, no mentions or topics to find
        return _tidy(markup.translate(_ZERO_WIDTH))
    return parse_html(markup).text


def _is_plain(markup: str) -> bool:
    """No tags and no entities: the text is the markup."""
    return "<" not in markup and "&" not in markup


def parse_html(markup: str | None, base_url: str = "https://") -> HtmlText:
    """:func:`html_to_text` plus the unwrapped links, topics and mentions of the fragment.

    A number is read as its text; a list, an object or a boolean (a reshaped answer) as empty.
    """
    if not isinstance(markup, str):
        markup = str(markup) if isinstance(markup, (int, float)) and not isinstance(
            markup, bool) else ""
    if not markup:
        return HtmlText("")
    if _is_plain(markup):
        text = _tidy(markup.translate(_ZERO_WIDTH))
        return HtmlText(text, [], _uniq(_TOPIC_RE.findall(text)), _uniq(_MENTION_RE.findall(text)))
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except Exception:  # lxml rejects some broken fragments: fall back to tag stripping
        text = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "\n", markup)))
        text = _tidy(text.translate(_ZERO_WIDTH))
        return HtmlText(text, [], _uniq(_TOPIC_RE.findall(text)), _uniq(_MENTION_RE.findall(text)))
    parts: list[str] = []
    links: list[str] = []
    anchored: list[str] = []
    _walk(root, parts, links, base_url, anchored)
    text = _tidy("".join(parts).translate(_ZERO_WIDTH))
    # a mention inside its own <a> ends with the anchor; in plain text it ends at a delimiter
    mentions = anchored or _MENTION_RE.findall(text)
    return HtmlText(text, _uniq(links), _uniq(_TOPIC_RE.findall(text)), _uniq(mentions))


def _walk(el: Any, parts: list[str], links: list[str], base_url: str,
          anchored: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP_TAGS:
        if el.tail:
            parts.append(el.tail)
        return
    if tag == "br":
        parts.append("\n")
    elif tag == "img":
        alt = el.get("alt")
        if alt:
            parts.append(alt)
    else:
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if tag == "a":
            href = el.get("href")
            target = _outbound(href, base_url)
            if target:
                links.append(target)
            label = el.text_content().strip()
            if label.startswith("@") and len(label) > 1:
                anchored.append(label[1:].strip())
        if el.text:
            parts.append(el.text)
        for child in el:
            _walk(child, parts, links, base_url, anchored)
        if block:
            parts.append("\n")
    if el.tail:
        parts.append(el.tail)


def _outbound(href: str | None, base_url: str) -> str | None:
    """An anchor's real target when it leaves the platform (topics and mentions are not links)."""
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = unwrap_url(absolute_url(href, base_url))
    if not url or not url.startswith("http"):
        return None
    if url != absolute_url(href, base_url):  # a wrapper pointed elsewhere: that's the link
        return url
    host = urlsplit(url).hostname or ""
    base_host = urlsplit(base_url).hostname or ""
    if base_host and (host == base_host or host.endswith("." + base_host)):
        return None
    return url


def _tidy(text: str) -> str:
    if "\n" not in text:  # one line: the same result without the line loop and the regex
        return " ".join(text.split())
    lines = [" ".join(line.split()) if line.strip() else "" for line in text.split("\n")]
    out = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", out)


def _uniq(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


# --------------------------------------------------------------------------- misc

def content_hash(title: str | None, text: str | None) -> str:
    """A stable hash of what a post says, for change detection."""
    return hashlib.sha1(f"{title or ''}\n{text or ''}".encode()).hexdigest()


def strip_prefix(value: str | None, *prefixes: str) -> str | None:
    """``"发布于 北京"`` -> ``"北京"``; ``"IP属地：四川"`` -> ``"四川"``; ``None`` stays."""
    if value is None or not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return None
    value = str(value).strip()
    for prefix in prefixes:
        if value.startswith(prefix):
            value = value[len(prefix):].strip(" ：:")
    return value or None
