"""Fields storage derives from other stored documents (``docs/data-model.md``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

#: accounts per ``$in`` of an aggregation (SecantusDB's ``$in`` grows superlinearly)
_CHUNK = 200


def latest_posts(db: Database[dict[str, Any]], account_ids: list[str] | None) -> dict[str, Any]:
    """Account ``_id`` -> the publish time of its newest stored post that is neither deleted
    nor pinned, or of its newest pinned one when it has only pinned posts."""
    def newest(match: dict[str, Any]) -> dict[str, dict[bool, Any]]:
        out: dict[str, dict[bool, Any]] = {}
        query = {"deleted": {"$ne": True}, "published_at": {"$type": "date"},
                 "account_id": {"$type": "string"}} | match
        for row in db["posts"].aggregate([
                {"$match": query},
                {"$group": {"_id": {"account": "$account_id",
                                    "pinned": {"$eq": ["$is_pinned", True]}},
                            "last": {"$max": "$published_at"}}}]):
            out.setdefault(row["_id"]["account"], {})[bool(row["_id"]["pinned"])] = row["last"]
        return out

    found: dict[str, dict[bool, Any]] = {}
    if account_ids is None:
        found = newest({})
    else:
        for i in range(0, len(account_ids), _CHUNK):
            found.update(newest({"account_id": {"$in": account_ids[i:i + _CHUNK]}}))
    return {account: times.get(False, times.get(True)) for account, times in found.items()}


def refresh_last_post_at(db: Database[dict[str, Any]],
                         account_ids: Iterable[str] | None = None, dry_run: bool = False) -> int:
    """Set ``accounts.last_post_at`` from the stored posts (of ``account_ids``, default every
    account); returns how many accounts it changed (would change, with ``dry_run``). Only
    existing ``accounts`` documents are touched: authors of reposted originals get none."""
    ids = None if account_ids is None else sorted(set(account_ids))
    if ids == []:
        return 0
    latest = latest_posts(db, ids)
    if not latest:
        return 0
    wanted = list(latest)
    stored: dict[str, Any] = {}
    for i in range(0, len(wanted), _CHUNK):
        for doc in db["accounts"].find({"_id": {"$in": wanted[i:i + _CHUNK]}},
                                       {"last_post_at": 1}):
            stored[doc["_id"]] = doc.get("last_post_at")
    ops = [UpdateOne({"_id": account}, {"$set": {"last_post_at": when}})
           for account, when in latest.items()
           if account in stored and not _same_time(stored[account], when)]
    if ops and not dry_run:
        db["accounts"].bulk_write(ops, ordered=False)
    return len(ops)


def _same_time(a: Any, b: Any) -> bool:
    """Two BSON dates (aware, or naive UTC from a client without ``tz_aware``) are equal."""
    if a is None or b is None:
        return a is b
    return _naive_utc(a) == _naive_utc(b)


def _naive_utc(t: datetime) -> datetime:
    return t if t.tzinfo is None else t.astimezone(timezone.utc).replace(tzinfo=None)
