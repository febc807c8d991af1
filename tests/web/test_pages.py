"""The ``web`` page parser against saved pages in ``tests/fixtures/web/page/<case>/`` (body,
request and expected output per case), and the hidden-element rules as a table."""

from __future__ import annotations

import hashlib

import lxml.html
import pytest

from govspider_plugins.web.hidden import HiddenIndex, style_hides
from tests.fixturecases import FixtureCase, cases

CASES = cases("web")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(case: FixtureCase) -> None:
    result = case.parse()
    assert case.output() == case.expected
    for page in result.items:
        assert page._id == "page:" + hashlib.sha1(case.url.encode()).hexdigest()
        assert page.raw_html and "<" in page.raw_html


STYLES = [
    ("display:none", True), ("DISPLAY: NONE !important", True), ("display:block", False),
    ("visibility:hidden", True), ("visibility: visible", False),
    ("font-size:0", True), ("font-size:0px", True), ("font-size: 0pt", True), ("font-size:12px", False),
    ("position:absolute;left:-9999px", True), ("top:-3000px", True), ("text-indent:-999em", True),
    ("margin-left:-20px", False), ("left:10px", False),
    ("height:1px;overflow:hidden", True), ("width:0;overflow:hidden", True), ("height:1px", False),
    ("opacity:0", True), ("opacity:0.8", False), ("clip: rect(0 0 0 0)", True), ("", False),
]


@pytest.mark.parametrize("style,hidden", STYLES)
def test_style_hides(style: str, hidden: bool) -> None:
    from govspider_plugins.web.hidden import parse_style

    assert (style_hides(parse_style(style)) is not None) is hidden


MARKUP = [
    ('<marquee height="1" width="1"><a id="x" href="/">x</a></marquee>', True),
    ('<marquee scrollamount="3"><a id="x" href="/">x</a></marquee>', False),
    ('<style>.h{display:none}</style><div class="h"><p><a id="x" href="/">x</a></p></div>', True),
    ('<style>#box a:hover{display:none}</style><div id="box"><a id="x" href="/">x</a></div>', False),
    ('<div hidden><a id="x" href="/">x</a></div>', True),
    ('<div style="color:red"><a id="x" style="display:none" href="/">x</a></div>', True),
    ('<div><a id="x" href="/">x</a></div>', False),
]


@pytest.mark.parametrize("markup,hidden", MARKUP)
def test_hidden_index(markup: str, hidden: bool) -> None:
    root = lxml.html.document_fromstring(f"<html><body>{markup}</body></html>")
    index = HiddenIndex(root)
    assert (index.reason(root.get_element_by_id("x")) is not None) is hidden
