"""What a platform plugin provides, and the result of parsing one response offline."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from govspider.items import Item, jsonable

#: Outcomes of parsing one response (see docs/cli.md).
OK = "ok"
END_OF_LIST = "end_of_list"
NOT_FOUND = "not_found"
GONE = "gone"
ERROR = "error"
OUTCOMES = (OK, END_OF_LIST, NOT_FOUND, GONE, ERROR)

#: Classes of transient errors; each is retried with backoff, never "ok with zero items".
LOGIN_REQUIRED = "login_required"
RATE_LIMITED = "rate_limited"
CAPTCHA = "captcha"
BLOCKED = "blocked"
MALFORMED = "malformed"
ERROR_KINDS = (LOGIN_REQUIRED, RATE_LIMITED, CAPTCHA, BLOCKED, MALFORMED)


@dataclass
class ParseInput:
    """One saved or live response, as a parser sees it (no Scrapy objects, testable offline)."""

    body: bytes
    url: str = ""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The fetch time; relative times (``3分钟前``) resolve against it.
    now: datetime | None = None
    #: Context the spider passes along (account id, cursor...); empty offline.
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Decode the body as JSON; raises ``ValueError`` on a malformed body."""
        return loads_json(self.body)

    @classmethod
    def from_response(cls, response: Any, now: datetime | None = None) -> ParseInput:
        """Build from a Scrapy response."""
        headers = {
            k.decode("latin-1").lower(): v[0].decode("latin-1") if v else ""
            for k, v in response.headers.items()
        }
        return cls(body=response.body, url=response.url, status=response.status,
                   headers=headers, now=now, meta=dict(response.meta))


@dataclass
class ParseResult:
    """What a parser found in one response; printed by ``govspider parse``."""

    outcome: str = OK
    error_kind: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    #: Cursor or page parameters of the next page; ``None`` at the end.
    next: dict[str, Any] | None = None
    #: Follow-up URLs needed for this page to be complete (long texts, comments, details).
    requests: list[str] = field(default_factory=list)
    #: Human-readable detail for logs (never printed with credentials).
    message: str | None = None
    #: What a list says it holds in all, by what it counts (``{"articles": 120}``): a drop
    #: between crawls tells of deletions. Empty when the list does not say.
    totals: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.outcome == ERROR and self.error_kind not in ERROR_KINDS:
            raise ValueError(f"an error needs an error_kind from {ERROR_KINDS}")

    @classmethod
    def error(cls, kind: str, message: str | None = None) -> ParseResult:
        return cls(outcome=ERROR, error_kind=kind, message=message)

    def to_dict(self) -> dict[str, Any]:
        out = {"outcome": self.outcome, "error_kind": self.error_kind, "items": self.items,
               "next": self.next, "requests": self.requests}
        return out | {"totals": self.totals} if self.totals else out

    def to_json(self) -> dict[str, Any]:
        """The object ``govspider parse`` prints, as JSON values (see ``docs/cli.md``).

        :meth:`to_dict` with every item as :meth:`Item.to_json <govspider.items.Item.to_json>`
        (a plain dict item as it is), datetimes as ISO 8601 strings in +08:00 and tuples as
        lists; keys in print order: ``outcome``, ``error_kind``, ``items``, ``next``,
        ``requests``, then ``totals`` when the list says them.
        """
        out = self.to_dict()
        out["items"] = [item.to_json() if isinstance(item, Item) else item for item in self.items]
        return jsonable(out)

    def dumps(self) -> str:
        """The one line ``govspider parse`` prints (no newline): :meth:`to_json` as compact
        JSON, Chinese text unescaped."""
        return json.dumps(self.to_json(), ensure_ascii=False)


Parser = Callable[[ParseInput], ParseResult]


class MissingInput(ValueError):
    """A parser needs something the response does not say (``govspider parse ... --url``).

    The only exception a registered parser lets through; everything else a hostile or broken
    response could provoke becomes an ``error`` outcome (see :func:`guard_parser`).
    """


def guard_parser(parser: Parser, name: str = "") -> Parser:
    """``parser`` made safe for any body: it never raises (but :class:`MissingInput`) and
    never answers ``ok`` with nothing in it.

    A crash on a hostile body (deeply nested JSON, wrong types, binary garbage) becomes
    ``error``/``malformed`` with the exception named in the message, so the crawl counts it,
    retries it and reports it instead of losing the page in a traceback; an ``ok`` without
    items, follow-up requests or a next page (an all-null answer) becomes ``malformed`` too.
    Every parser a platform registers is wrapped (:class:`Platform`); the original is
    ``guarded.__wrapped__``.
    """
    if getattr(parser, "__govspider_guarded__", False):
        return parser
    label = name or getattr(parser, "__name__", "parser")

    @functools.wraps(parser)
    def guarded(inp: ParseInput) -> ParseResult:
        try:
            result = parser(inp)
        except MissingInput:
            raise
        except RecursionError:
            return ParseResult.error(MALFORMED, f"{label}: the response is nested too deeply")
        except Exception as exc:  # noqa: BLE001 - any crash on a body is a malformed body
            detail = " ".join(str(exc).split())[:160]
            return ParseResult.error(MALFORMED, f"{label} failed on this response: "
                                                f"{type(exc).__name__}: {detail}")
        if not isinstance(result, ParseResult):
            return ParseResult.error(MALFORMED, f"{label} returned {type(result).__name__}")
        if result.outcome == OK and not result.items and not result.requests and not result.next:
            return ParseResult.error(MALFORMED, f"{label}: an ok answer with nothing in it "
                                                f"({result.message or 'no items'})")
        return result

    guarded.__govspider_guarded__ = True  # type: ignore[attr-defined]
    return guarded


@dataclass
class Platform:
    """A platform as a plugin declares it."""

    #: Stable platform name, used in ``_id`` prefixes and the ``platform`` field.
    name: str
    version: str
    #: Offline parsers by kind (``profile``, ``timeline``...): ``govspider parse NAME KIND FILE``.
    parsers: dict[str, Parser] = field(default_factory=dict)
    #: Scrapy spider classes this platform contributes to ``scrapy list``.
    spiders: list[type] = field(default_factory=list)
    description: str = ""
    #: The fields documents of this platform carry, by collection (``accounts``, ``posts``...):
    #: field name -> what it holds on this platform (``""`` when the item class's description
    #: says it all). Keys inside ``extra`` and ``metrics`` are named with a dot (``extra.bid``,
    #: ``metrics.likes``). Fields every document of the collection carries need not be listed.
    #: The data dictionary (``docs/data-dictionary.md``) is generated from these, and
    #: ``govspider db check`` (and the tests) check stored documents against them.
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The platform's name for supervisors, in Chinese (``微博``, ``应用宝``): the report shows
    #: it wherever it names the platform. Empty: the report shows :attr:`name`.
    label: str = ""

    def __post_init__(self) -> None:
        self.parsers = {kind: guard_parser(fn, f"{self.name} {kind} parser")
                        for kind, fn in self.parsers.items()}


def loads_json(body: bytes | str) -> Any:
    """``json.loads`` at orjson's speed (parsing was the crawl's largest cost after Scrapy's own).

    What orjson refuses or reads differently and the standard library reads (integers beyond
    64 bits, which orjson would turn into floats; ``NaN``; lone surrogates; UTF-16 bodies) goes
    to ``json.loads``, so the two agree on every input; a body neither can read raises
    ``json.JSONDecodeError`` (a ``ValueError``), and so does one nested too deeply for either
    (``[[[[...`` many thousand levels deep: a ``RecursionError`` in ``json.loads``).
    """
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    if _TWENTY_DIGITS in raw.translate(_DIGITS_ONLY):  # ~1 GB/s, where a regex crawls
        return _std_loads(body)  # a number orjson would turn into a float (ids must stay exact)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _std_loads(body)


def _std_loads(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        doc = body if isinstance(body, str) else body.decode("utf-8", "replace")
        raise json.JSONDecodeError("JSON nested too deeply", doc[:64], 0) from None


#: 20 digits in a row may be an integer beyond 64 bits (orjson reads those as floats): every
#: digit becomes "0" and everything else "x", then one substring search finds such a run
_DIGITS_ONLY = bytes(0x30 if 0x30 <= i <= 0x39 else 0x78 for i in range(256))
_TWENTY_DIGITS = b"0" * 20
