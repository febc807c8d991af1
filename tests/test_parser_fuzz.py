"""Issue 17, items 5 and 9: every registered parser against hostile bodies (hypothesis).

Each parser (its own code, not the guard :class:`govspider.platform.Platform` puts around it)
gets random bytes, real saved responses cut anywhere, deeply nested JSON, the real JSON
answers with every value (or a random part of them) replaced by ``null`` or by values of the
wrong type. It must never raise, and never answer ``ok`` with nothing in it; a cut JSON answer
or a cut store page is never ``ok`` at all (a page that lost its end may have lost apps or
posts: it is retried, not passed as complete).

Deterministic by default (CI); ``GOVSPIDER_FUZZ=1`` draws new examples and more of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govspider.platform import ERROR, OK, MissingInput, ParseInput, ParseResult, guard_parser
from govspider.plugins import installed_plugins
from tests import fixturecases
from tests.fixturecases import FROZEN_NOW

_EXPLORE = os.environ.get("GOVSPIDER_FUZZ") == "1"
settings.register_profile("govspider-ci", max_examples=40, deadline=None, derandomize=True,
                          database=None, suppress_health_check=list(HealthCheck))
settings.register_profile("govspider-explore", max_examples=1000, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
FUZZ = settings.get_profile("govspider-explore" if _EXPLORE else "govspider-ci")


@dataclass(frozen=True)
class Case:
    platform: str
    kind: str
    body: bytes
    url: str
    status: int
    outcome: str
    name: str

    def input(self, body: bytes | None = None) -> ParseInput:
        return ParseInput(body=self.body if body is None else body, url=self.url,
                          status=self.status, now=FROZEN_NOW)


def saved_responses() -> list[Case]:
    """Every saved response of the parser tests, with the URL and status it came with."""
    return [Case(c.platform, c.kind, c.body, c.url, c.status, (c.expected or {})["outcome"],
                 c.id) for c in fixturecases.cases()]


CASES = saved_responses()
PARSERS = sorted((p, k) for p, platform in installed_plugins().platforms.items() for k in platform.parsers)
#: One saved response per parser, for its URL (some parsers read ids from it).
URL_OF = {(c.platform, c.kind): c.url for c in reversed(CASES)}
OK_CASES = [c for c in CASES if c.outcome == OK]
JSON_CASES = []
for _c in CASES:
    try:
        JSON_CASES.append((_c, json.loads(_c.body)))
    except ValueError:
        pass


def raw_parser(platform: str, kind: str) -> Callable[[ParseInput], ParseResult]:
    """The plugin's own parser, without the guard that turns crashes into errors."""
    parser = installed_plugins().parser(platform, kind)
    return getattr(parser, "__wrapped__", parser)


def run(platform: str, kind: str, inp: ParseInput) -> ParseResult:
    """The parser's result; a crash fails the test with the parser and the input named."""
    try:
        result = raw_parser(platform, kind)(inp)
    except MissingInput:
        raise
    except Exception as exc:  # noqa: BLE001 - reported with the body
        pytest.fail(f"{platform} {kind} raised {type(exc).__name__}: {exc} on "
                    f"{inp.body[:200]!r}... ({len(inp.body)} bytes)")
    assert isinstance(result, ParseResult)
    if result.outcome == OK:
        assert result.items or result.requests or result.next, (
            f"{platform} {kind}: ok with nothing in it on {inp.body[:200]!r}")
    if result.outcome == ERROR:
        assert result.error_kind and not result.items
    return result


def test_there_is_a_saved_response_for_every_parser() -> None:
    assert set(PARSERS) == {(c.platform, c.kind) for c in CASES}
    assert len(PARSERS) >= 20


@FUZZ
@given(parser=st.sampled_from(PARSERS), body=st.binary(max_size=4096))
def test_random_bytes(parser: tuple[str, str], body: bytes) -> None:
    run(*parser, ParseInput(body=body, url=URL_OF[parser], now=FROZEN_NOW))


_PREFIXES = [b"", b"{", b"[", b"<html>", b"<!DOCTYPE html><html><body>", b'{"data":',
             b'{"ok":1,"data":{"cards":[', b"\xef\xbb\xbf", b"\xff\xfe"]


@FUZZ
@given(parser=st.sampled_from(PARSERS), prefix=st.sampled_from(_PREFIXES),
       body=st.one_of(st.binary(max_size=512), st.text(max_size=512).map(
           lambda t: t.encode("utf-8", "surrogatepass"))),
       status=st.sampled_from([200, 200, 200, 403, 404, 418, 429, 500]))
def test_garbage_after_a_plausible_start(parser: tuple[str, str], prefix: bytes, body: bytes,
                                         status: int) -> None:
    run(*parser, ParseInput(body=prefix + body, url=URL_OF[parser], status=status,
                            now=FROZEN_NOW))


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


#: A page may be cut after everything it holds: a fragment without <html> (web), or the
#: Sogou redirect page once its script has redirected. Every other cut answer is an error.
_CUT_MAY_BE_OK = {("web", "page", "web/page/fragment_no_html")}


@FUZZ
@given(case=st.sampled_from(OK_CASES), where=st.floats(min_value=0, max_value=1))
def test_cut_saved_responses(case: Case, where: float) -> None:
    body = case.body.rstrip()
    cut = body[: int(len(body) * where)]
    if cut == body:
        return
    result = run(case.platform, case.kind, case.input(cut))
    if _is_json(case.body) or case.platform in ("itunes", "myapp", "huawei", "xiaomi"):
        assert result.outcome != OK, f"{case.name} cut at {len(cut)}/{len(body)} passed as ok"
    elif case.platform == "wechat" and case.kind == "sogou_link":
        if result.outcome == OK:
            assert result.requests == run(case.platform, case.kind, case.input()).requests
    elif (case.platform, case.kind, case.name) not in _CUT_MAY_BE_OK:
        assert result.outcome != OK, f"{case.name} cut at {len(cut)}/{len(body)} passed as ok"


@pytest.mark.parametrize("case", OK_CASES, ids=[c.name for c in OK_CASES])
def test_saved_responses_cut_at_many_points(case: Case) -> None:
    """Not random: 40 cuts of every saved answer that parses ``ok``."""
    body = case.body.rstrip()
    for i in range(40):
        cut = body[: len(body) * i // 40]
        result = run(case.platform, case.kind, case.input(cut))
        if (case.platform, case.kind, case.name) in _CUT_MAY_BE_OK or case.kind == "sogou_link":
            continue
        assert result.outcome != OK, f"{case.name} cut at {len(cut)}/{len(body)} passed as ok"


def _nested(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"data":' * depth + b"null" + b"}" * depth
    if kind == "cards":  # what a Weibo or Douyin answer looks like at the top
        return (b'{"ok":1,"status_code":0,"data":{"cards":' + b"[" * depth + b"]" * depth
                + b"}}")
    return b'{"a":[' * depth + b"1" + b"]}" * depth  # mixed


@FUZZ
@given(parser=st.sampled_from(PARSERS),
       depth=st.one_of(st.integers(1, 50), st.integers(900, 1100), st.integers(20000, 200000)),
       kind=st.sampled_from(["list", "object", "cards", "mixed"]))
def test_deeply_nested_json(parser: tuple[str, str], depth: int, kind: str) -> None:
    result = run(*parser, ParseInput(body=_nested(depth, kind), url=URL_OF[parser],
                                     now=FROZEN_NOW))
    if depth > 50 and parser != ("web", "page"):  # (any text is a web page)
        assert result.outcome != OK


@pytest.mark.parametrize("parser", PARSERS, ids=["/".join(p) for p in PARSERS])
@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_very_deeply_nested_json_is_an_error(parser: tuple[str, str], depth: int) -> None:
    for kind in ("list", "object", "cards"):
        result = run(*parser, ParseInput(body=_nested(depth, kind), url=URL_OF[parser],
                                         now=FROZEN_NOW))
        assert result.outcome != OK or parser == ("web", "page")


def _nulled(value: Any, keep: Callable[[], bool] = lambda: False) -> Any:
    """``value`` with its scalars replaced by ``null`` (all, or where ``keep()`` says no)."""
    if isinstance(value, dict):
        return {k: _nulled(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulled(v, keep) for v in value]
    return value if keep() else None


@pytest.mark.parametrize("case,data", JSON_CASES, ids=[c.name for c, _ in JSON_CASES])
def test_all_null_json_is_never_ok_without_items(case: Case, data: Any) -> None:
    for variant in (_nulled(data), {k: None for k in data} if isinstance(data, dict) else None,
                    None):
        result = run(case.platform, case.kind, case.input(json.dumps(variant).encode()))
        assert result.outcome != OK or result.items, case.name


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                   max_size=4),
    max_leaves=12)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:5]):
            out += _paths(v, (*prefix, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


@FUZZ
@given(data=st.data())
def test_real_json_answers_with_values_of_the_wrong_type(data: st.DataObject) -> None:
    case, parsed = data.draw(st.sampled_from(JSON_CASES), label="case")
    for _ in range(data.draw(st.integers(1, 4), label="changes")):
        paths = _paths(parsed)
        path = data.draw(st.sampled_from(paths), label="path")
        parsed = _replace(parsed, path, data.draw(JSON_VALUES, label="value"))
    run(case.platform, case.kind, case.input(json.dumps(parsed).encode()))


@FUZZ
@given(data=st.data())
def test_real_json_answers_partly_nulled(data: st.DataObject) -> None:
    case, parsed = data.draw(st.sampled_from(JSON_CASES), label="case")
    keep = data.draw(st.randoms(use_true_random=False), label="random")
    run(case.platform, case.kind, case.input(json.dumps(
        _nulled(parsed, lambda: keep.random() < 0.7)).encode()))


# --------------------------------------------------------------------------- the guard


def test_registered_parsers_are_guarded() -> None:
    for platform, kind in PARSERS:
        parser = installed_plugins().parser(platform, kind)
        assert getattr(parser, "__govspider_guarded__", False), (platform, kind)


def test_the_guard_turns_a_crash_or_an_empty_ok_into_a_malformed_error() -> None:
    def crashes(inp: ParseInput) -> ParseResult:
        return {"a": 1}["b"]

    def empty_ok(inp: ParseInput) -> ParseResult:
        return ParseResult(outcome=OK)

    def needs_url(inp: ParseInput) -> ParseResult:
        raise MissingInput("pass --url")

    crashed = guard_parser(crashes, "x crash")(ParseInput(body=b"{}"))
    assert (crashed.outcome, crashed.error_kind) == (ERROR, "malformed")
    assert "KeyError" in (crashed.message or "")
    empty = guard_parser(empty_ok, "x empty")(ParseInput(body=b"{}"))
    assert (empty.outcome, empty.error_kind) == (ERROR, "malformed")
    with pytest.raises(MissingInput):
        guard_parser(needs_url)(ParseInput(body=b"{}"))
    once = guard_parser(crashes)
    assert guard_parser(once) is once  # wrapping twice changes nothing
