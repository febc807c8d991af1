"""The baseline of the crawl benchmark: a bare Scrapy spider over the same Weibo endpoints.

It requests what the govspider Weibo spider requests (profile, timeline pages by ``since_id``,
long texts, comment pages by ``max_id``) and only ``json.loads`` the responses, yielding plain
dicts: no normalizing, validating, storing or detecting.
"""

from __future__ import annotations

import json
from typing import Any

import scrapy

from govspider.registry import AccountRegistry
from govspider_plugins.weibo.urls import comments_url, extend_url, profile_url, timeline_url


class BareWeiboSpider(scrapy.Spider):
    name = "bare_weibo"
    custom_settings = {"ITEM_PIPELINES": {}, "EXTENSIONS": {"scrapy.extensions.telnet.TelnetConsole": None},
                       "SPIDERMON_ENABLED": False, "ADDONS": {}, "DOWNLOADER_MIDDLEWARES": {}}

    def __init__(self, accounts: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.registry_path = accounts

    async def start(self):  # type: ignore[no-untyped-def]
        base = self.settings.get("WEIBO_BASE_URL").rstrip("/")
        self.base = base
        for acc in AccountRegistry.load(self.registry_path).for_platform("weibo"):
            yield scrapy.Request(profile_url(base, acc.platform_id), self.parse_profile,
                                 cb_kwargs={"uid": acc.platform_id})

    def parse_profile(self, response: Any, uid: str):  # type: ignore[no-untyped-def]
        yield json.loads(response.body)["data"]["userInfo"]
        yield scrapy.Request(timeline_url(self.base, uid), self.parse_timeline, cb_kwargs={"uid": uid})

    def parse_timeline(self, response: Any, uid: str):  # type: ignore[no-untyped-def]
        data = json.loads(response.body)
        if data.get("ok") != 1:
            return
        for card in data["data"].get("cards", []):
            blogs = [card.get("mblog")] + [c.get("mblog") for c in card.get("card_group", [])]
            for mblog in filter(None, blogs):
                yield mblog
                if mblog.get("isLongText"):
                    yield scrapy.Request(extend_url(self.base, mblog["id"]), self.parse_json)
                if mblog.get("comments_count") not in (0, "0", None):
                    yield scrapy.Request(comments_url(self.base, mblog["id"]), self.parse_comments,
                                         cb_kwargs={"mid": mblog["id"]})
        since_id = data["data"].get("cardlistInfo", {}).get("since_id")
        if since_id:
            yield scrapy.Request(timeline_url(self.base, uid, since_id=str(since_id)),
                                 self.parse_timeline, cb_kwargs={"uid": uid})

    def parse_json(self, response: Any):  # type: ignore[no-untyped-def]
        yield json.loads(response.body)["data"]

    def parse_comments(self, response: Any, mid: str):  # type: ignore[no-untyped-def]
        data = json.loads(response.body)
        if data.get("ok") != 1:
            return
        for comment in data["data"].get("data", []):
            yield comment
            yield from comment.get("comments") or []
        max_id = data["data"].get("max_id")
        if max_id:
            yield scrapy.Request(comments_url(self.base, mid, max_id, data["data"].get("max_id_type")),
                                 self.parse_comments, cb_kwargs={"mid": mid})
