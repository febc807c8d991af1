"""Archived response bodies (``raw_responses``): evidence that survives deletion on a platform."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bson.binary import Binary
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

#: headers worth keeping with a body (never cookies)
KEPT_HEADERS = ("content-type", "date", "last-modified", "etag", "server")


def raw_id(body: bytes) -> str:
    """The ``_id`` of an archived body: its sha256, so the same body is kept once."""
    return hashlib.sha256(body).hexdigest()


def raw_document(body: bytes, url: str, status: int, headers: Mapping[str, str],
                 fetched_at: datetime) -> dict[str, Any]:
    """A ``raw_responses`` document; the body is zlib-compressed."""
    return {"_id": raw_id(body), "url": url, "status": status, "fetched_at": fetched_at,
            "headers": {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS},
            "size": len(body), "encoding": "zlib", "body": Binary(zlib.compress(body, 6))}


def archive(db: Database[dict[str, Any]], doc: dict[str, Any]) -> bool:
    """Store a body once; returns whether it was new."""
    try:
        db["raw_responses"].insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


def body_of(doc: Mapping[str, Any]) -> bytes:
    """The original bytes of an archived response."""
    return zlib.decompress(doc["body"]) if doc.get("encoding") == "zlib" else bytes(doc["body"])
