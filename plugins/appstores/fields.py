"""What app listings of each store carry (``Platform.fields``: the data dictionary is
generated from it)."""

_EVERY_STORE = {"package": "", "developer": "", "version": "", "updated_at": "", "rating": "",
                "rating_count": "", "category": "", "description": "", "icon_url": "",
                "icon_phash": "", "url": "", "search_terms": ""}

FIELDS: dict[str, dict[str, dict[str, str]]] = {
    "itunes": {"apps": _EVERY_STORE | {"package": "the bundle id", "developer_id": "`artistId`",
                                       "released_at": ""}},
    "myapp": {"apps": _EVERY_STORE | {"released_at": "", "downloads": ""}},
    "huawei": {"apps": _EVERY_STORE | {"downloads": ""}},
    "xiaomi": {"apps": _EVERY_STORE | {"released_at": "", "rating": "stars / 2"}},
}
