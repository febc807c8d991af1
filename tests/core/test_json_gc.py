"""Fast JSON decoding with the standard library's behaviour, and the crawl's GC tuning."""

from __future__ import annotations

import gc
import json

import pytest
from scrapy.utils.test import get_crawler

from govspider.extensions import GcTuning
from govspider.platform import ParseInput, loads_json

BODIES = [
    b'{"ok": 1, "data": {"cards": [], "cardlistInfo": {"since_id": 4936685611256888}}}',
    '{"text": "中文 \\u4e2d and emoji \\ud83d\\ude00"}'.encode(),
    b'{"id": 123456789012345678901234567890}',  # beyond 64 bits: orjson refuses, json reads
    b'{"score": NaN, "rank": Infinity}',  # not JSON, but json.loads reads it
    b'{"lone": "\\ud800"}',  # a lone surrogate escape
    '{"utf16": "是"}'.encode("utf-16"),  # with a BOM
    b'[1, 2.5, true, null, "x"]',
    b'{"dup": 1, "dup": 2}',
]


@pytest.mark.parametrize("body", BODIES)
def test_loads_json_agrees_with_the_standard_library(body: bytes) -> None:
    expected = json.loads(body)
    got = loads_json(body)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert ParseInput(body=body).json() == got or body.startswith(b'{"score"')  # NaN != NaN


@pytest.mark.parametrize("body", [b"", b"{", b'{"data": [1, 2', b"<html>blocked</html>", b"\xff\xfe\x00"])
def test_loads_json_raises_value_error_like_json(body: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(body)
    with pytest.raises(ValueError):
        loads_json(body)


def test_gc_tuning_freezes_the_set_up_during_the_crawl_and_restores_after() -> None:
    before = gc.get_threshold()
    crawler = get_crawler(settings_dict={"GOVSPIDER_GC_THRESHOLD": 12345})
    ext = GcTuning.from_crawler(crawler)
    kept = [object() for _ in range(10)]  # alive at set-up time
    try:
        ext.spider_opened(spider=None)
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_threshold()[0] == 12345
        assert gc.get_threshold()[1:] == before[1:]
    finally:
        ext.spider_closed(spider=None)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_gc_tuning_can_be_turned_off() -> None:
    from scrapy.exceptions import NotConfigured

    crawler = get_crawler(settings_dict={"GOVSPIDER_GC_FREEZE": False, "GOVSPIDER_GC_THRESHOLD": 0})
    with pytest.raises(NotConfigured):
        GcTuning.from_crawler(crawler)
    only_threshold = GcTuning.from_crawler(get_crawler(settings_dict={"GOVSPIDER_GC_FREEZE": False}))
    before = gc.get_threshold()
    only_threshold.spider_opened(spider=None)
    try:
        assert gc.get_freeze_count() == 0 and gc.get_threshold()[0] == 10_000
    finally:
        only_threshold.spider_closed(spider=None)
    assert gc.get_threshold() == before


def test_ids_beyond_64_bits_stay_exact_integers() -> None:
    body = b'{"data": {"id": 18446744073709551616, "small": 4936685611256888, "s": "12345678901234567890x"}}'
    data = loads_json(body)["data"]
    assert data["id"] == 2**64 and isinstance(data["id"], int)
    assert data["small"] == 4936685611256888
