"""Toy's sandbox routes (``/toy``): a profile and pages of posts, as JSON."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from govspider.sandbox.core import Route, json_response

PREFIX = "/toy"
PAGE = 5


def account_json(acc: Any, world: Any) -> dict[str, Any]:
    return {"id": acc.platform_id, "name": acc.name, "verified": acc.verified,
            "followers": acc.followers, "posts": world.shown_post_count(acc),
            "bio": acc.description, "url": acc.url}


def post_json(post: Any) -> dict[str, Any]:
    return {"id": post.post_id, "text": post.text, "time": post.created_at.isoformat(),
            "likes": post.likes, "comments": post.comments_count, "url": post.url,
            "pinned": post.pinned}


def routes(world: Any) -> list[Route]:
    async def user(request: web.Request) -> web.Response:
        acc = world.account("toy", request.query.get("id", ""))
        if acc is None:
            return json_response({"ok": False, "error": "no such user"}, status=404)
        return json_response({"ok": True, "user": account_json(acc, world)})

    async def posts(request: web.Request) -> web.Response:
        acc = world.account("toy", request.query.get("id", ""))
        if acc is None:
            return json_response({"ok": False, "error": "no such user"}, status=404)
        page = max(1, int(request.query.get("page", "1") or 1))
        batch = world.posts(acc, (page - 1) * PAGE, PAGE)
        if page == 1:
            batch = world.pinned(acc) + batch
        more = page * PAGE < world.post_count(acc)
        return json_response({"ok": True, "posts": [post_json(p) for p in batch if not p.deleted],
                              "next": page + 1 if more else None})

    troubles = {
        "login_wall": lambda request: json_response({"ok": False, "error": "login"}),
        "rate_limit": lambda request: json_response({"ok": False, "error": "slow down"}, status=429),
    }
    return [Route("GET", PREFIX + "/api/user", user, "TOY_BASE_URL", PREFIX, troubles=troubles),
            Route("GET", PREFIX + "/api/posts", posts, "TOY_BASE_URL", PREFIX, troubles=troubles)]
