"""The article list's ``begin`` moves by what a page held, not by the ``count`` asked for: the
platform answers short pages, and ``begin + count`` would skip the articles after them."""

from __future__ import annotations

import json

from govspider.platform import OK, ParseInput
from govspider_plugins.wechat.lists import parse_appmsg_list as parse_appmsg

URL = ("https://mp.weixin.qq.com/cgi-bin/appmsg?action=list_ex&begin={begin}&count=5"
       "&fakeid=MzA5OTAwMDAwMQ==&type=9&query=&token=1&lang=zh_CN&f=json&ajax=1")


def _entry(i: int) -> dict:
    return {"aid": f"22474000{i:02d}_1", "appmsgid": 2247400000 + i, "itemidx": 1,
            "title": f"通知{i}", "create_time": 1763000000 - i * 3600,
            "link": f"http://mp.weixin.qq.com/s?__biz=MzA5OTAwMDAwMQ==&mid={2247400000 + i}&idx=1&sn={i:032x}"}


def _page(begin: int, entries: list[dict], total: int) -> object:
    body = {"base_resp": {"ret": 0, "err_msg": "ok"}, "app_msg_cnt": total, "app_msg_list": entries}
    return parse_appmsg(ParseInput(body=json.dumps(body).encode(), url=URL.format(begin=begin),
                                   meta={"biz": "MzA5OTAwMDAwMQ=="}))


def test_a_short_page_moves_begin_by_what_it_held():
    first = _page(0, [_entry(i) for i in range(3)], total=9)  # asked 5, got 3
    assert first.outcome == OK and first.next == {"begin": 3}
    second = _page(3, [_entry(i) for i in range(3, 8)], total=9)
    assert second.next == {"begin": 8}
    last = _page(8, [_entry(8)], total=9)
    assert last.next is None


def test_the_list_count_is_given_as_articles_when_it_can_be_one():
    """``app_msg_cnt`` counts list entries (articles): ``begin`` moves by them up to it. A count
    lower than the articles the list has shown up to a page counts something else."""
    assert _page(0, [_entry(i) for i in range(5)], total=9).totals == {"articles": 9}
    assert _page(5, [_entry(i) for i in range(5, 9)], total=9).totals == {"articles": 9}
    assert _page(5, [_entry(i) for i in range(5, 9)], total=7).totals == {}
    empty = _page(9, [], total=9)
    assert empty.outcome == "end_of_list" and empty.totals == {"articles": 9}
