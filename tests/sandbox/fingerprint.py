"""Fingerprint of sandbox worlds and their responses, to check that a refactoring changes nothing.

    python -m tests.sandbox.fingerprint before.json          # on the old commit
    python -m tests.sandbox.fingerprint after.json           # on the new one
    python -m tests.sandbox.fingerprint --compare before.json after.json

For seeds 7 and 11 (size ``small``, generations 0 and 1) it hashes every unit, account,
follower series, post (with its repost original), comment, app listing, icon and page of the
world, its ground truth and registry, the base-URL settings, and (generation 0) the answers of
the sandbox to about 700 requests over every platform's routes. Not a test: it takes about a
minute, and a change of the world that is meant is not a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from govspider.processors import CST
from govspider.sandbox.core import build_app, settings_for
from govspider.sandbox.world import World
from govspider_plugins.douyin.sandbox import a_bogus

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
SERVED_AT = "http://127.0.0.1:8900"
#: the port the responses are taken from (fixed: page ids of the served ground truth hash URLs)
PORT = 18931
ACCOUNT = ("index platform platform_id uid unique_id name verified verified_type verified_reason "
           "description avatar_url followers following post_count total_likes ip_region alias gh_id "
           "created_at n_posts period_start period_end has_pinned engagement base_followers numeric_id "
           "base_posts url corpus_id").split()
POST = ("platform post_id index created_at title segments text is_long pinned media likes "
        "comments_count reposts views favorites source ip_region deleted deleted_reason deleted_since "
        "edited_text is_original bid mid idx ordinal kind original_text digest author sn push_size "
        "item_show_type video_ms cover planted url corpus_id").split()
COMMENT = ("comment_id author_id author_name text created_at likes is_official ip_region is_question "
           "author_sec_uid planted corpus_id").split()
APP = ("store app_id numeric_id package name developer developer_id version updated_at released_at "
       "rating rating_count downloads category description icon_url official imitates icon_key "
       "icon_variant kind technique size_bytes corpus_id").split()
USER_AGENT = "Mozilla/5.0 fingerprint"


def _dump(obj: Any, names: list[str]) -> str:
    return repr([(n, repr(getattr(obj, n))) for n in names])


def world_lines(w: World) -> Iterator[tuple[str, str]]:
    yield "world", repr(w)
    for u in w.units:
        yield "unit", repr(u)
    for a in w.accounts():
        yield "account", _dump(a, ACCOUNT) + repr(sorted(a.traits))
        yield "series", repr(w.follower_series(a))
        yield "shown", repr(w.shown_post_count(a))
        for p in w.posts(a, 0, 10_000) + w.pinned(a):
            yield "post", _dump(p, POST) + (_dump(p.repost_of, POST) if p.repost_of else "")
            for c in w.comments(p, 0, 10_000):
                yield "comment", _dump(c, COMMENT) + repr([_dump(r, COMMENT) for r in c.replies])
    for s in w.stores:
        for app in w.apps(s):
            yield "app", _dump(app, APP) + repr(app.unit and app.unit.index)
            yield "icon", hashlib.sha256(w.icon_png(s, app.app_id) or b"").hexdigest()
    for pg in w.pages():
        yield "page", repr((pg.path, pg.title, pg.unit.index, pg.injected, pg.kinds)) + pg.html
    yield "truth", json.dumps(w.ground_truth(), ensure_ascii=False, indent=1)
    yield "truth_served", json.dumps(w.ground_truth(SERVED_AT), ensure_ascii=False, indent=1)
    yield "registry", repr(w.registry())
    yield "registry_served", repr(w.registry(SERVED_AT))
    yield "settings", repr(settings_for(SERVED_AT))


def _signed(path: str, query: str) -> str:
    query += "&msToken=" + "t" * 120
    return f"{path}?{query}&a_bogus={a_bogus(query, USER_AGENT)}"


def urls(w: World) -> list[str]:
    """A sample of requests over every built-in platform's routes."""
    out: list[str] = []
    for a in w.accounts("weibo")[:8] + [x for x in w.accounts("weibo") if x.traits]:
        out.append(f"/weibo/api/container/getIndex?type=uid&value={a.uid}")
        out.append(f"/weibo/api/container/getIndex?type=uid&value={a.uid}&containerid=107603{a.uid}")
        ps = w.posts(a, 0, 12)
        if len(ps) > 10:
            out.append(f"/weibo/api/container/getIndex?type=uid&value={a.uid}&containerid=107603{a.uid}"
                       f"&since_id={ps[10].post_id}")
        out.append(f"/weibo/api/container/getIndex?containerid=230413{a.uid}&page=2")
        for p in ps[:4] + w.pinned(a):
            out += [f"/weibo/statuses/extend?id={p.post_id}", f"/weibo/statuses/show?id={p.bid}",
                    f"/weibo/comments/hotflow?id={p.post_id}&mid={p.post_id}&max_id_type=0"]
    for a in w.accounts("wechat")[:8] + [x for x in w.accounts("wechat") if x.traits]:
        for p in w.posts(a, 0, 4):
            out.append(f"/wechat/s?__biz={a.platform_id}&mid={p.mid}&idx={p.idx}&sn={p.sn}")
        out.append(f"/wechat/cgi-bin/appmsg?action=list_ex&begin=0&count=5&fakeid={a.platform_id}&token=1536974818")
        out.append(f"/wechat/cgi-bin/appmsgpublish?sub=list&begin=0&count=5&fakeid={a.platform_id}"
                   "&token=1536974818")
        out.append(f"/wechat/mp/profile_ext?action=getmsg&__biz={a.platform_id}&offset=0&count=10&key=k")
        out.append(f"/sogou/weixin?type=2&query={a.name}&page=1")
    api = "/douyin/aweme/v1/web"
    for a in w.accounts("douyin")[:8] + [x for x in w.accounts("douyin") if x.traits]:
        out.append(_signed(f"{api}/user/profile/other/", f"sec_user_id={a.platform_id}"))
        out.append(_signed(f"{api}/aweme/post/", f"sec_user_id={a.platform_id}&max_cursor=0&count=18"))
        for p in w.posts(a, 0, 3) + w.pinned(a):
            out.append(_signed(f"{api}/comment/list/", f"aweme_id={p.post_id}&cursor=0&count=20"))
            for c in w.comments(p, 0, 3):
                out.append(_signed(f"{api}/comment/list/reply/",
                                   f"item_id={p.post_id}&comment_id={c.comment_id}&cursor=0&count=20"))
    for app in w.apps("itunes")[:12]:
        out += [f"/itunes/lookup?id={app.app_id}&country=cn",
                f"/itunes/search?term={app.name}&country=cn&entity=software"]
    for app in w.apps("myapp")[:12]:
        out += [f"/myapp/appdetail/{app.package}", f"/myapp/search?kw={app.name}"]
    for app in w.apps("huawei")[:12]:
        out += [f"/huawei/uowap/index?method=internal.getTabDetail&uri=app%7C{app.app_id}",
                f"/huawei/uowap/index?method=internal.getTabDetail&uri=searchApp%7C{app.name}"]
    for app in w.apps("xiaomi")[:12]:
        out += [f"/xiaomi/details?id={app.package}", f"/xiaomi/searchAll?keywords={app.name}",
                f"/xiaomi/suggestionApi?keywords={app.name}"]
    out.append("/web/")
    out += ["/web" + pg.path for pg in w.pages()[:20]]
    return out + ["/", "/registry.yaml", "/ground_truth.json"]


async def responses(w: World) -> list[tuple[str, str]]:
    lines = []
    async with TestServer(build_app(w, troubles="off"), port=PORT) as server, \
            aiohttp.ClientSession(cookies={"slave_sid": "x"}) as session:
        for url in urls(w):
            async with session.get(server.make_url(url), headers={"User-Agent": USER_AGENT},
                                   allow_redirects=False) as r:
                body = (await r.read()).decode("utf-8", "replace")
            body = re.sub(r'"(logid|impr_id)": ?"[0-9A-F]+"', r'"\1":"X"', body)  # random per answer
            lines.append(("response", f"{url} {r.status} {r.content_type} {body}"))
    return lines


def fingerprint() -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for seed in (7, 11):
        for generation in (0, 1):
            w = World(seed=seed, size="small", now=NOW, generation=generation)
            lines = list(world_lines(w)) + (asyncio.run(responses(w)) if generation == 0 else [])
            digests: dict[str, Any] = {}
            for kind, line in lines:
                digests.setdefault(kind, hashlib.sha256()).update(line.encode("utf-8") + b"\n")
            result[f"seed {seed} generation {generation}"] = {k: v.hexdigest() for k, v in digests.items()}
    return result


def compare(a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]) -> list[str]:
    return [f"{world}: {kind}" for world in sorted(set(a) | set(b))
            for kind in sorted(set(a.get(world, {})) | set(b.get(world, {})))
            if a.get(world, {}).get(kind) != b.get(world, {}).get(kind)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", help="write the fingerprint here (JSON)")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two fingerprints")
    args = parser.parse_args(argv)
    if args.compare:
        a, b = (json.load(open(p, encoding="utf-8")) for p in args.compare)
        differ = compare(a, b)
        print("\n".join(differ) if differ else f"identical ({sum(len(v) for v in a.values())} hashes)")
        return 1 if differ else 0
    result = fingerprint()
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
