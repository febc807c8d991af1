"""The WeChat plugin's offline parsers by kind (``govspider parse wechat KIND FILE``)."""

from __future__ import annotations

from govspider.platform import Parser
from govspider_plugins.wechat.article import parse_article
from govspider_plugins.wechat.lists import parse_appmsg_list, parse_profile_msg
from govspider_plugins.wechat.sogou import parse_sogou, parse_sogou_link

PARSERS: dict[str, Parser] = {
    "article": parse_article,
    "appmsg_list": parse_appmsg_list,
    "profile_msg": parse_profile_msg,
    "sogou": parse_sogou,
    "sogou_link": parse_sogou_link,
}

__all__ = ["PARSERS", "parse_appmsg_list", "parse_article", "parse_profile_msg", "parse_sogou",
           "parse_sogou_link"]
