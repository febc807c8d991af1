"""The appstores spider plans its requests from the registry (no network)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from govspider.registry import AccountRegistry
from govspider_plugins.appstores.pages import DEFAULT_BASES
from govspider_plugins.appstores.spider import AppStoreSpider

REGISTRY = {"units": [{"name": "青禾市政务服务和大数据管理局", "level": "city", "apps": [
    {"name": "青禾政务通", "abbreviations": ["政务通"], "developer": "青禾市政务服务和大数据管理局",
     "package": "cn.gov.qinghe.zwt", "bundle_id": "cn.gov.qinghe.zwt", "itunes_id": "1609876543"}]}]}


def _spider(**kwargs: str) -> AppStoreSpider:
    spider = AppStoreSpider(**kwargs)
    spider.registry = AccountRegistry.from_dict(REGISTRY)
    spider.bases = dict(DEFAULT_BASES)
    return spider


def test_searches_every_store_by_name_and_abbreviation() -> None:
    requests = _spider().search_requests()
    searches = [r for r in requests if r.meta.get("kind") != "lookup"]
    assert {(r.meta["store"], r.meta["term"]) for r in searches} == {
        (s, t) for s in ("itunes", "myapp", "huawei", "xiaomi") for t in ("青禾政务通", "政务通")}
    huawei = next(r for r in searches if r.meta["store"] == "huawei" and r.meta["term"] == "政务通")
    assert parse_qs(urlsplit(huawei.url).query)["uri"] == ["searchApp|政务通"]
    lookups = sorted(r.url for r in requests if r.meta.get("kind") == "lookup")
    assert lookups == ["https://itunes.apple.com/lookup?bundleId=cn.gov.qinghe.zwt&country=cn&entity=software",
                       "https://itunes.apple.com/lookup?id=1609876543&country=cn&entity=software"]


def test_stores_argument_selects_stores() -> None:
    spider = _spider(stores="itunes,huawei")
    assert spider.stores == ("itunes", "huawei")
    assert {r.meta["store"] for r in spider.search_requests()} == {"itunes", "huawei"}
    with pytest.raises(ValueError, match="unknown store"):
        AppStoreSpider(stores="itunes,googleplay")


def test_details_are_fetched_once_with_itunes_batched() -> None:
    spider = _spider()
    spider.search_requests()  # queues the registry packages of 应用宝 and Xiaomi
    for n in range(120):
        spider.pending[f"app:itunes:{1000 + n}"] = ("itunes", str(1000 + n))
    spider.pending["app:huawei:C1"] = ("huawei", "C1")
    first = spider.detail_requests()
    lookups = [r for r in first if r.meta["store"] == "itunes"]
    assert len(lookups) == 3  # 50 + 50 + 20 ids
    assert sum(len(parse_qs(urlsplit(r.url).query)["id"][0].split(",")) for r in lookups) == 120
    assert {r.url for r in first if r.meta["store"] != "itunes"} == {
        "https://sj.qq.com/appdetail/cn.gov.qinghe.zwt",
        "https://app.mi.com/details?id=cn.gov.qinghe.zwt",
        "https://web-drcn.hispace.dbankcloud.cn/uowap/index?method=internal.getTabDetail"
        "&serviceType=20&reqPageNum=1&maxResults=25&uri=app%7CC1&appid=C1&zone=&locale=zh"}
    spider.pending["app:huawei:C1"] = ("huawei", "C1")  # found again by another term
    assert spider.detail_requests() == []
