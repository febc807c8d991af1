"""Reading the JavaScript variables WeChat pages carry (``var biz = "…" || "";``...)."""

from __future__ import annotations

import html
import re
from functools import lru_cache

_STR = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@lru_cache(maxsize=128)
def _pattern(name: str, loose: bool) -> re.Pattern[str]:
    # var NAME = "a" || "b";   window.NAME = 'x';   var NAME = htmlDecode("x");
    # var NAME = 'x'.html(false);   var NAME = "1" * 1;   var NAME = 0;
    # loose: also ``NAME: 'x'`` object members and ``, NAME = 'x'`` in a var list
    lead = r"(?:[{,]\s*|\b)" if loose else r"(?:\bvar\s+|\bwindow\.|\blet\s+|\bconst\s+)"
    sign = r"[=:]" if loose else r"="
    return re.compile(
        lead + re.escape(name) + r"\s*" + sign + r"\s*(?:htmlDecode\s*\(\s*)?"
        + rf"({_STR}(?:\s*\|\|\s*{_STR})*|-?\d+(?:\.\d+)?)")


def js_unescape(literal: str) -> str:
    """The value of one JavaScript string literal body (quotes removed)."""

    def repl(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] in "xu" and len(esc) > 1:
            return chr(int(esc[1:], 16))
        return _SIMPLE_ESCAPES.get(esc, esc)

    return _ESCAPE_RE.sub(repl, literal)


def js_strings(expr: str) -> list[str]:
    """Every string literal of an expression such as ``"a" || "" || "b"``, unescaped."""
    return [js_unescape(m.group(0)[1:-1]) for m in re.finditer(_STR, expr)]


def js_var(source: str, name: str, *, decode_html: bool = False) -> str | None:
    """The first non-empty value assigned to ``name`` in a page's scripts, else ``None``.

    ``var x = "" || "v"`` and ``var x = "v" || ""`` both give ``"v"``. With ``decode_html``
    HTML entities are decoded too (``htmlDecode(...)`` / ``'…'.html(false)`` values).
    """
    for loose in (False, True):
        for match in _pattern(name, loose).finditer(source):
            expr = match.group(1)
            values = js_strings(expr) if expr[0] in "\"'" else [expr]
            for value in values:
                value = value.strip()
                if value:
                    return html.unescape(value) if decode_html else value
    return None
