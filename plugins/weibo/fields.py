"""What Weibo documents carry (``Platform.fields``: the data dictionary is generated from it)."""

FIELDS: dict[str, dict[str, str]] = {
    "accounts": {
        "verified": "", "verified_reason": "",
        "verified_type": "Weibo `verified_type`: -1 none, 0 personal (yellow V), 1 government, "
                         "2 enterprise, 3 media, 4 campus, 5 website, 6 app, 7 organisation "
                         "(blue V), 200/220 达人",
        "description": "", "avatar_url": "", "url": "", "followers": "", "following": "",
        "posts_count": "",
        "extra.verified_type_ext": "Weibo `verified_type_ext` (1: gold V)",
        "extra.urank": "Weibo user rank (`urank`)",
        "extra.mbrank": "Weibo membership rank (`mbrank`)",
        "extra.gender": "`m` / `f` as the profile says",
        "extra.timeline_containerid": "the container id of the account's timeline "
                                      "(`tabsInfo`), kept for the next crawl",
    },
    "posts": {
        "account_id": "", "url": "", "text": "", "published_at": "",
        "raw_html": "the post's HTML as the API gives it (`text`, or the long text)",
        "metrics.likes": "`attitudes_count`", "metrics.comments": "`comments_count`",
        "metrics.reposts": "`reposts_count`",
        "is_repost": "", "repost_of": "", "is_pinned": "",
        "is_long_text": "`false` for a post whose whole text the listing showed",
        "topics": "", "mentions": "", "links": "", "media": "",
        "source": "", "ip_region": "`region_name` (发布于 …)", "deleted_reason": "",
        "extra.bid": "the post's base62 id (`bid`, `mblogid`): `https://weibo.com/<uid>/<bid>`",
        "extra.edit_count": "times the post was edited (`edit_count`), when edited",
        "extra.visible_type": "`visible.type` when not 0: restricted visibility",
        "extra.truncated": "`true`: only the listing's truncated text could be fetched",
    },
    "comments": {
        "account_id": "", "author_id": "", "author_name": "", "is_official": "",
        "reply_to": "", "text": "", "published_at": "", "likes": "",
        "reply_count": "`total_number`", "ip_region": "`source` (来自 …)",
    },
}
