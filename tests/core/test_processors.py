"""Table-driven tests of the shared normalizers."""

from __future__ import annotations

from datetime import datetime

import pytest

import govspider_plugins.weibo  # noqa: F401 - declares Weibo's link wrapper (unwrap_url)
from govspider.processors import (
    CST,
    RelativeTimeError,
    absolute_url,
    content_hash,
    html_to_text,
    isoformat,
    parse_count,
    parse_html,
    parse_time,
    strip_prefix,
    unwrap_url,
)

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=CST)

COUNTS = [
    ("1.2万", 12000), ("10万+", 100000), ("1万+", 10000), ("100万+", 1000000),
    ("1.2亿", 120000000), ("3,456", 3456), ("1,046", 1046), ("125万次安装", 1250000),
    ("360万次安装", 3600000), ("100亿次安装", 10000000000), ("12.7万", 127000),
    ("1.8万次播放", 18000), ("( 876次评分 )", 876), ("2.3万", 23000), ("0", 0), (0, 0),
    (12034, 12034), (4.6, 5), ("", None), (None, None), ("暂无", None), (True, None),
]


@pytest.mark.parametrize(("raw", "expected"), COUNTS)
def test_parse_count(raw: object, expected: int | None) -> None:
    assert parse_count(raw) == expected


TIMES = [
    (1700000000, "2023-11-15T06:13:20+08:00"),
    (1700000000123, "2023-11-15T06:13:20+08:00"),
    ("1700000000", "2023-11-15T06:13:20+08:00"),
    ("Sat Nov 20 10:00:00 +0800 2021", "2021-11-20T10:00:00+08:00"),
    ("Mon Mar 04 08:15:02 +0800 2024", "2024-03-04T08:15:02+08:00"),
    ("刚刚", "2026-11-20T12:00:00+08:00"),
    ("5分钟前", "2026-11-20T11:55:00+08:00"),
    ("3小时前", "2026-11-20T09:00:00+08:00"),
    ("30秒前", "2026-11-20T11:59:30+08:00"),
    ("今天 12:00", "2026-11-20T12:00:00+08:00"),
    ("今天 08:05", "2026-11-20T08:05:00+08:00"),
    ("昨天 12:00", "2026-11-19T12:00:00+08:00"),
    ("昨天 23:59", "2026-11-19T23:59:00+08:00"),
    ("11-20", "2026-11-20T00:00:00+08:00"),
    ("06-14", "2026-06-14T00:00:00+08:00"),
    ("12-01", "2025-12-01T00:00:00+08:00"),  # after the fetch date: last year's
    ("2020-11-20", "2020-11-20T00:00:00+08:00"),
    ("2019-06-14 08:30:15", "2019-06-14T08:30:15+08:00"),
    ("2026/8/20", "2026-08-20T00:00:00+08:00"),
    ("06月14日 08:30", "2026-06-14T08:30:00+08:00"),
    ("2023-11-02T06:41:09Z", "2023-11-02T14:41:09+08:00"),
    ("2024-03-05T10:00:00+08:00", "2024-03-05T10:00:00+08:00"),
    (datetime(2024, 3, 5, 10, 0), "2024-03-05T10:00:00+08:00"),
]


@pytest.mark.parametrize(("raw", "expected"), TIMES)
def test_parse_time(raw: object, expected: str) -> None:
    assert isoformat(parse_time(raw, NOW)) == expected


@pytest.mark.parametrize("raw", ["", None])
def test_empty_time_is_unknown(raw: object) -> None:
    assert parse_time(raw, NOW) is None


@pytest.mark.parametrize("raw", ["刚刚", "5分钟前", "昨天 12:00", "11-20"])
def test_relative_time_needs_now(raw: str) -> None:
    with pytest.raises(RelativeTimeError):
        parse_time(raw)


@pytest.mark.parametrize("raw", ["next tuesday", "2024-13-45", "约三天前"])
def test_unrecognised_time_is_an_error(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_time(raw, NOW)


WEIBO_HTML = (
    '<a  href="https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23文明交通%23" '
    'data-hide=""><span class="surl-text">#文明交通#</span></a>今天起开展&ldquo;一盔一带&rdquo;整治'
    '<span class="url-icon"><img alt=[加油] src="https://face.t.sinajs.cn/t4/x.png" '
    'style="width:1em; height:1em;" /></span><br /><a href=\'/n/某市交通运输局\'>@某市交通运输局</a> '
    '<a data-url="http://t.cn/A6xxxxxx" href="https://weibo.cn/sinaurl?u=https%3A%2F%2Fexample.gov.cn'
    '%2Fnotice%3Fid%3D1" data-hide=""><span class="surl-text">网页链接</span></a>\u200b'
)

HTML_CASES = [
    (WEIBO_HTML, "#文明交通#今天起开展“一盔一带”整治[加油]\n@某市交通运输局 网页链接",
     ["https://example.gov.cn/notice?id=1"], ["文明交通"], ["某市交通运输局"]),
    ("第一行<br />第二行<br/>第三行", "第一行\n第二行\n第三行", [], [], []),
    ("<p>段落一</p><p>段落二 &amp; 三</p>", "段落一\n\n段落二 & 三", [], [], []),
    ("纯文本，无标签 #话题#", "纯文本，无标签 #话题#", [], ["话题"], []),
    ("<section><span leaf=''>正文</span></section><mp-style-type>1</mp-style-type>", "正文", [], [], []),
    ("<script>var a=1;</script>可见", "可见", [], [], []),
    ("", "", [], [], []),
    ("<a href='/n/某市公安交警'>@某市公安交警</a>协助宣传", "@某市公安交警协助宣传", [], [], ["某市公安交警"]),
    ("感谢@某区融媒 转发", "感谢@某区融媒 转发", [], [], ["某区融媒"]),
]


@pytest.mark.parametrize(("markup", "text", "links", "topics", "mentions"), HTML_CASES)
def test_parse_html(markup: str, text: str, links: list[str], topics: list[str],
                    mentions: list[str]) -> None:
    result = parse_html(markup, "https://m.weibo.cn/")
    assert (result.text, result.links, result.topics, result.mentions) == (text, links, topics, mentions)


#: whitespace of every kind, on one line and on several: the plain-text fast paths must give
#: exactly what the full conversion gives
WHITESPACE = ["  前后有空格  ", "中间\t\t制表\u3000全角空格", "一行\r\n二行", "一\n\n\n\n二", " \n \n ",
              "零宽\u200b字符\ufeff", "\u2028分隔\u2029", "a\xa0b", "   ", "x"]


@pytest.mark.parametrize("markup", [c[0] for c in HTML_CASES] + WHITESPACE)
def test_html_to_text_is_parse_html_text(markup: str) -> None:
    assert html_to_text(markup) == parse_html(markup).text


def test_tidy_collapses_spaces_per_line() -> None:
    assert html_to_text("  前后有空格  ") == "前后有空格"
    assert html_to_text("a \t b\n\n\n\nc  d") == "a b\n\nc d"
    assert html_to_text(None) == "" and html_to_text("   ") == ""


URLS = [
    ("//wx3.sinaimg.cn/orj480/a.jpg", "https://wx3.sinaimg.cn/orj480/a.jpg"),
    ("http://mp.weixin.qq.com/s?__biz=MzA=\\x26amp;mid=1\\x26amp;idx=1", "http://mp.weixin.qq.com/s?__biz=MzA=&mid=1&idx=1"),
    ("https://a.example/x?a=1&amp;b=2", "https://a.example/x?a=1&b=2"),
    ("https://a.example/s?x=1&timestamp=2&amp;region=3&not=4", "https://a.example/s?x=1&timestamp=2&region=3&not=4"),
    ("https://a.example/s?a=1&amp;amp;b=2&#38;c=3", "https://a.example/s?a=1&b=2&c=3"),
    ("/s?__biz=MzA=&amp;mid=1", "/s?__biz=MzA=&mid=1"),
    ("", None),
]


@pytest.mark.parametrize(("raw", "expected"), URLS)
def test_absolute_url(raw: str, expected: str | None) -> None:
    assert absolute_url(raw) == expected


def test_unwrap_url() -> None:
    assert unwrap_url("https://weibo.cn/sinaurl?u=https%3A%2F%2Fexample.gov.cn%2Fa") == "https://example.gov.cn/a"
    assert unwrap_url("https://example.gov.cn/b") == "https://example.gov.cn/b"


def test_misc() -> None:
    assert strip_prefix("发布于 北京", "发布于") == "北京"
    assert strip_prefix("IP属地：四川", "IP属地") == "四川"
    assert content_hash("t", "x") != content_hash("t", "y")
    assert isoformat(datetime(2024, 3, 5, 2, 0, tzinfo=CST).astimezone()) == "2024-03-05T02:00:00+08:00"
