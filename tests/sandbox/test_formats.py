"""The served responses have the shapes of platforms.md (checked on the raw bodies, parser-free)."""

from __future__ import annotations

import json
import re
import secrets
import urllib.parse
import urllib.request
from datetime import datetime

import pytest

WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"


def _json(sandbox, path: str, headers: dict[str, str] | None = None) -> dict:
    req = urllib.request.Request(sandbox.url + path, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        assert resp.status == 200
        return json.loads(resp.read())


def test_weibo_shapes(sandbox) -> None:
    world = sandbox.world
    acc = next(a for a in world.accounts("weibo") if not a.traits)
    uid = acc.uid
    info = _json(sandbox, f"/weibo/api/container/getIndex?type=uid&value={uid}&containerid=100505{uid}")
    assert info["ok"] == 1
    user = info["data"]["userInfo"]
    assert user["id"] == int(uid) and user["screen_name"] == acc.name and user["verified_type"] == 1
    page = _json(sandbox, f"/weibo/api/container/getIndex?type=uid&value={uid}&containerid=107603{uid}")
    cards = [c for c in page["data"]["cards"] if c["card_type"] == 9]
    assert cards and page["data"]["cardlistInfo"]["total"] == acc.post_count
    first = world.posts(acc, 0, 1)[0]
    mblogs = [c["mblog"] for c in cards]
    assert first.post_id in {m["id"] for m in mblogs}
    for m in mblogs:
        assert isinstance(m["id"], str) and len(m["id"]) == 16
        datetime.strptime(m["created_at"], WEIBO_TIME)
        assert "text" in m and "bid" in m
    since = page["data"]["cardlistInfo"].get("since_id")
    if world.post_count(acc) > len(cards):
        nxt = _json(sandbox, f"/weibo/api/container/getIndex?type=uid&value={uid}&containerid=107603{uid}&since_id={since}")
        ids = {c["mblog"]["id"] for c in nxt["data"]["cards"] if c["card_type"] == 9}
        assert ids and not ids & {m["id"] for m in mblogs}
    long_post = next((p for a in world.accounts("weibo") for p in world.posts(a, 0, 40) if p.is_long), None)
    ext = _json(sandbox, f"/weibo/statuses/extend?id={long_post.post_id}")
    assert ext["ok"] == 1 and len(re.sub("<[^>]+>", "", ext["data"]["longTextContent"])) > 140


def test_wechat_shapes(sandbox) -> None:
    from govspider_plugins.wechat.sandbox import SANDBOX_TOKEN, SESSION_COOKIE

    world = sandbox.world
    acc = world.accounts("wechat")[0]
    fakeid = urllib.parse.quote(acc.platform_id)
    path = (f"/wechat/cgi-bin/appmsg?action=list_ex&begin=0&count=5&fakeid={fakeid}&type=9"
            f"&query=&token={SANDBOX_TOKEN}&lang=zh_CN&f=json&ajax=1")
    assert _json(sandbox, path)["base_resp"]["ret"] == 200003  # no session cookie: the login wall
    lst = _json(sandbox, path, {"Cookie": f"{SESSION_COOKIE}=x"})
    assert lst["base_resp"]["ret"] == 0 and lst["app_msg_cnt"] >= world.post_count(acc) - 3
    item = lst["app_msg_list"][0]
    assert {"aid", "appmsgid", "create_time", "link", "title", "itemidx"} <= set(item)
    query = urllib.parse.urlsplit(item["link"]).query
    assert urllib.parse.parse_qs(query)["__biz"] == [acc.platform_id]
    status, body = sandbox.get("/wechat/s?" + query)
    html = body.decode("utf-8")
    assert status == 200 and 'id="js_content"' in html and "var ct" in html


def test_douyin_shapes(sandbox) -> None:
    from govspider_plugins.douyin.sandbox import a_bogus

    world = sandbox.world
    acc = world.accounts("douyin")[0]
    ua = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"

    def signed(path: str, params: dict[str, str]) -> dict:
        query = urllib.parse.urlencode({**params, "device_platform": "webapp", "aid": "6383",
                                        "msToken": secrets.token_hex(64)})
        return _json(sandbox, f"{path}?{query}&a_bogus={a_bogus(query, ua)}", {"User-Agent": ua})

    status, body = sandbox.get(f"/douyin/aweme/v1/web/aweme/post/?sec_user_id={acc.platform_id}&max_cursor=0&count=18")
    assert status == 200 and body == b""  # unsigned: an empty body, as Douyin does
    prof = signed("/douyin/aweme/v1/web/user/profile/other/", {"sec_user_id": acc.platform_id})
    assert prof["status_code"] == 0 and prof["user"]["sec_uid"] == acc.platform_id
    posts = signed("/douyin/aweme/v1/web/aweme/post/", {"sec_user_id": acc.platform_id, "max_cursor": "0",
                                                          "count": "18"})
    assert posts["status_code"] == 0 and posts["has_more"] in (0, 1)
    aweme = posts["aweme_list"][0]
    assert len(aweme["aweme_id"]) == 19 and isinstance(aweme["create_time"], int)
    assert posts["max_cursor"] > 10**12  # milliseconds
    assert {"digg_count", "comment_count", "share_count"} <= set(aweme["statistics"])


@pytest.mark.parametrize("store", ["itunes"])
def test_itunes_shapes(sandbox, store: str) -> None:
    world = sandbox.world
    app = next(a for a in world.apps("itunes") if a.official)
    res = _json(sandbox, f"/itunes/search?term={urllib.parse.quote(app.name)}&country=cn&entity=software")
    assert res["resultCount"] == len(res["results"]) >= 1
    hit = next(r for r in res["results"] if r["trackId"] == int(app.app_id))
    assert hit["bundleId"] == app.package and hit["sellerName"] == app.developer
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", hit["currentVersionReleaseDate"])
    lookup = _json(sandbox, f"/itunes/lookup?id={app.app_id}&country=cn")
    assert lookup["results"][0]["trackId"] == int(app.app_id)
    missing = _json(sandbox, "/itunes/lookup?id=1&country=cn")
    assert missing == {"resultCount": 0, "results": []}
