"""What WeChat documents carry (``Platform.fields``: the data dictionary is generated from it).

WeChat shows no follower, read or like counts without a logged-in client: accounts have no
counts, posts no ``metrics``; a crawl stores no ``account_metrics`` nor ``comments``.
"""

FIELDS: dict[str, dict[str, str]] = {
    "accounts": {
        "description": "功能介绍", "avatar_url": "", "url": "the account's profile page",
        "extra.gh_id": "the original id (`gh_…`, `user_name`)",
        "extra.alias": "the WeChat id (微信号)",
    },
    "posts": {
        "account_id": "", "url": "the canonical article URL (`__biz`, `mid`, `idx`, `sn`)",
        "title": "", "text": "", "published_at": "",
        "topics": "", "mentions": "", "links": "", "media": "", "ip_region": "",
        "is_original": "declared original (原创)",
        "deleted_reason": "the notice of an unavailable article, or `deleted` from a list",
        "extra.nickname": "the account's name on the article page",
        "extra.gh_id": "the account's original id (`user_name`)",
        "extra.author": "the article's author line",
        "extra.digest": "the summary (摘要) of the article",
        "extra.cover": "URL of the cover image",
        "extra.item_show_type": "`item_show_type`: 0 article, 5 video, 8 image post, "
                                "10 text-only post",
        "extra.comment_id": "the article's comment thread id",
        "extra.sn": "the article's `sn` signature",
        "extra.unavailable": "why an article page is unavailable "
                             "(`deleted_by_publisher`, `violation`...)",
        "extra.notice": "the text of an unavailable article's notice page",
        "extra.copyright_stat": "profile list `copyright_stat` (11 original, 100 not declared)",
        "extra.del_flag": "profile list `del_flag` of a deleted article (1 is normal)",
        "extra.mirror": "`sogou` on a Sogou search result (`govspider parse wechat sogou`; "
                        "crawls follow them to the article and store the article)",
        "extra.account_name": "a Sogou search result's account name",
    },
}
