"""Collections and their indexes (``docs/data-model.md``)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

SCHEMA_VERSION = 1

INDEXES: dict[str, list[IndexModel]] = {
    "accounts": [IndexModel([("platform", ASCENDING), ("platform_id", ASCENDING)]),
                 IndexModel([("unit", ASCENDING)])],
    "account_metrics": [IndexModel([("account_id", ASCENDING), ("at", ASCENDING)])],
    "posts": [IndexModel([("account_id", ASCENDING), ("published_at", DESCENDING)]),
              IndexModel([("platform", ASCENDING), ("published_at", DESCENDING)]),
              IndexModel([("repost_of", ASCENDING)], sparse=True)],
    "comments": [IndexModel([("post_id", ASCENDING), ("published_at", ASCENDING)]),
                 IndexModel([("account_id", ASCENDING), ("is_official", ASCENDING)])],
    "apps": [IndexModel([("platform", ASCENDING), ("package", ASCENDING)]),
             IndexModel([("developer", ASCENDING)])],
    "pages": [IndexModel([("url", ASCENDING)])],
    "findings": [IndexModel([("account_id", ASCENDING), ("detector", ASCENDING)]),
                 IndexModel([("detector", ASCENDING), ("severity", ASCENDING)]),
                 IndexModel([("subject_id", ASCENDING)])],
    "post_versions": [IndexModel([("post_id", ASCENDING), ("seen_at", ASCENDING)])],
    "raw_responses": [IndexModel([("url", ASCENDING)])],
    "crawl_runs": [IndexModel([("spider", ASCENDING), ("started_at", DESCENDING)])],
    "registry": [IndexModel([("unit", ASCENDING)])],
    "search_segments": [IndexModel([("collection", ASCENDING), ("seq", DESCENDING)])],
}


def ensure_indexes(db: Database[dict[str, Any]]) -> None:
    """Create every index (idempotent) and record the schema version."""
    for name, models in INDEXES.items():
        db[name].create_indexes(models)
    db["meta"].update_one({"_id": "schema"}, {"$set": {"schema_version": SCHEMA_VERSION}},
                          upsert=True)
