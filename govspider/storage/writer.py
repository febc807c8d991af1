"""Batched, idempotent writes of items into the corpus.

Each item becomes an upsert on its natural ``_id``: ``first_seen_at`` is set once,
``last_seen_at`` and ``crawl_id`` on every sighting, unknown (``None``) fields are never written
over known ones. A post whose text changes, or that disappears, gets ``post_versions`` entries.
Writes are unordered bulk operations: one bad document is counted and logged, the rest of the
batch is stored.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from govspider.items import COLLECTIONS, Item, as_dict
from govspider.processors import content_hash

logger = logging.getLogger(__name__)

DUPLICATE_KEY = 11000
#: Fields kept from the first sighting (a supervisor's status on a finding is theirs to change).
INSERT_ONLY = {"findings": ("status",)}
#: What is read back from stored documents before an update (posts: to detect changes).
_LOOKUP = {"posts": {"_id": 1, "content_hash": 1, "deleted": 1, "text": 1, "title": 1,
                     "last_seen_at": 1}}


@dataclass
class WriteStats:
    """Counts of what the writer did, by collection."""

    inserted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    versions: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def total(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class CorpusWriter:
    """Write items (dataclasses or dicts with ``item_type``) in batches.

    Not thread-safe: one writer per thread. ``clock`` is injectable for tests.
    """

    def __init__(self, db: Database[dict[str, Any]], crawl_id: str | None = None,
                 batch_size: int = 500, clock: Callable[[], datetime] = utcnow,
                 max_logged_errors: int = 50):
        self.db = db
        self.crawl_id = crawl_id
        self.batch_size = batch_size
        self.clock = clock
        self.max_logged_errors = max_logged_errors
        self.stats = WriteStats()
        self._pending: list[Any] = []  # items or dicts, converted at flush
        #: share of the last batch per collection that was already stored
        self._seen_share: dict[str, float] = {}

    # ------------------------------------------------------------------ API
    def add(self, item: Any) -> None:
        """Queue one item; flushes when the batch is full."""
        self._pending.append(item)
        if len(self._pending) >= self.batch_size:
            self.flush()

    def write(self, items: Iterable[Any]) -> WriteStats:
        """Write every item now (and anything pending)."""
        for item in items:
            self.add(item)
        self.flush()
        return self.stats

    def flush(self) -> None:
        """Write what is pending."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        by_collection: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for item in batch:
            if isinstance(item, Item):  # one pass from the dataclass to the document
                kind = item.item_type
                doc = {k: v for k, v in item.__dict__.items() if v is not None}
            else:
                doc = as_dict(item)
                kind = doc.pop("item_type", None)
            collection = COLLECTIONS.get(kind or "")
            if collection is None:
                self._fail("?", doc.get("_id"), f"unknown item_type {kind!r}")
                continue
            doc = self._prepare(collection, doc)
            # the same _id twice in one batch: merged, the later sighting wins field by field
            seen = by_collection[collection]
            previous = seen.get(doc["_id"])
            seen[doc["_id"]] = doc if previous is None else previous | doc
        now = self.clock()
        for collection, docs in by_collection.items():
            self._write_collection(collection, docs, now)

    # ------------------------------------------------------------------ internals
    def _prepare(self, collection: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Storage's own fields of a fresh document (changed in place)."""
        if collection == "account_metrics" and not doc.get("_id"):
            doc["_id"] = f"{doc.get('account_id')}@{self.crawl_id or doc.get('at')}"
        if collection == "posts" and not doc.get("deleted") and "content_hash" not in doc:
            if doc.get("text") is not None or doc.get("title") is not None:
                doc["content_hash"] = content_hash(doc.get("title"), doc.get("text"))
        return doc

    def _write_collection(self, collection: str, docs: dict[str, dict[str, Any]],
                          now: datetime) -> None:
        """Insert every document; update the ones that already exist.

        Inserting first keeps a first crawl at ``insert_many`` speed; a duplicate ``_id`` marks
        a document already stored, which is then looked up (posts, for versions) and updated.
        """
        stamp: dict[str, Any] = {"last_seen_at": now}
        if self.crawl_id:
            stamp["crawl_id"] = self.crawl_id
        ids = list(docs)
        if self._seen_share.get(collection, 0.0) > 0.5:
            # mostly re-sightings lately: look up first instead of failing inserts
            old = self._lookup(collection, ids, _LOOKUP.get(collection, {"_id": 1}))
            ids = [i for i in ids if i not in old]
            if old:
                self._update_existing(collection, {i: docs[i] for i in old}, stamp, now, old)
            self._seen_share[collection] = len(old) / len(docs)
            if not ids:
                return
        inserts = [InsertOne(docs[_id] | stamp | {"first_seen_at": now}) for _id in ids]
        existing_ids: list[str] = []
        failed = 0
        try:
            self.db[collection].bulk_write(inserts, ordered=False)
        except BulkWriteError as exc:
            for err in exc.details.get("writeErrors", []):
                _id = ids[err["index"]]
                if err.get("code") == DUPLICATE_KEY and _is_id_conflict(err):
                    existing_ids.append(_id)
                else:
                    failed += 1
                    self._fail(collection, _id, err.get("errmsg", "write error"), err.get("code"))
        self.stats.inserted[collection] += len(ids) - len(existing_ids) - failed
        if len(ids) == len(docs):
            self._seen_share[collection] = len(existing_ids) / len(docs)
        if existing_ids:
            self._update_existing(collection, {i: docs[i] for i in existing_ids}, stamp, now)

    def _update_existing(self, collection: str, docs: dict[str, dict[str, Any]],
                         stamp: dict[str, Any], now: datetime,
                         old: dict[str, dict[str, Any]] | None = None) -> None:
        if collection == "posts":
            if old is None:
                old = self._lookup(collection, list(docs), _LOOKUP["posts"])
            self._versions(docs, old, now)
        keep = INSERT_ONLY.get(collection, ())
        ids = list(docs)
        ops = []
        for _id in ids:
            doc = docs[_id]
            fields = {k: v for k, v in doc.items() if k != "_id" and k not in keep}
            on_insert = {"first_seen_at": now} | {k: doc[k] for k in keep if k in doc}
            ops.append(UpdateOne({"_id": _id}, {"$set": fields | stamp, "$setOnInsert": on_insert},
                                 upsert=True))
        failed = 0
        try:
            self.db[collection].bulk_write(ops, ordered=False)
        except BulkWriteError as exc:
            for err in exc.details.get("writeErrors", []):
                failed += 1
                self._fail(collection, ids[err["index"]], err.get("errmsg", "write error"), err.get("code"))
        self.stats.updated[collection] += len(ids) - failed

    def _lookup(self, collection: str, ids: list[str], projection: dict[str, int],
                chunk: int = 100) -> dict[str, dict[str, Any]]:
        """Stored documents by ``_id``, asked for in small ``$in`` chunks (cheaper on every server)."""
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), chunk):
            for d in self.db[collection].find({"_id": {"$in": ids[i:i + chunk]}}, projection):
                found[d["_id"]] = d
        return found

    def _versions(self, docs: dict[str, dict[str, Any]], existing: dict[str, Any],
                  now: datetime) -> None:
        """Record the old and the new state of posts whose text changed or that disappeared."""
        ops = []
        for _id, doc in docs.items():
            old = existing.get(_id)
            if old is None:
                continue
            new_deleted = bool(doc.get("deleted"))
            new_hash = doc.get("content_hash", old.get("content_hash"))
            if new_hash == old.get("content_hash") and new_deleted == bool(old.get("deleted")):
                continue
            previous = {"post_id": _id, "text": old.get("text"), "title": old.get("title"),
                        "content_hash": old.get("content_hash"), "deleted": bool(old.get("deleted")),
                        "seen_at": old.get("last_seen_at") or now}
            current = {"post_id": _id, "text": doc.get("text", old.get("text")),
                       "title": doc.get("title", old.get("title")), "content_hash": new_hash,
                       "deleted": new_deleted, "seen_at": now,
                       "deleted_reason": doc.get("deleted_reason")}
            for version in (previous, current):
                key = f"{_id}|{version['content_hash']}|{int(version['deleted'])}"
                seen_at = version.pop("seen_at")
                ops.append(UpdateOne({"_id": key},
                                     {"$setOnInsert": {k: v for k, v in version.items() if v is not None},
                                      "$min": {"seen_at": seen_at}}, upsert=True))
        if ops:
            try:
                result = self.db["post_versions"].bulk_write(ops, ordered=False)
                self.stats.versions += result.upserted_count
            except BulkWriteError as exc:
                self.stats.versions += exc.details.get("nUpserted", 0)
                for err in exc.details.get("writeErrors", []):
                    self._fail("post_versions", ops[err["index"]]._filter["_id"],
                               err.get("errmsg", "write error"), err.get("code"))

    def _fail(self, collection: str, _id: Any, reason: str, code: int | None = None) -> None:
        self.stats.failed[collection] += 1
        if len(self.stats.errors) < self.max_logged_errors:
            self.stats.errors.append({"collection": collection, "_id": _id, "code": code,
                                      "reason": reason[:300]})
            logger.warning("Could not store %s %s: %s", collection, _id, reason[:300])


def _is_id_conflict(err: dict[str, Any]) -> bool:
    """A duplicate key on ``_id`` (another writer inserted it first), not on another index."""
    pattern = err.get("keyPattern")
    if pattern is not None:
        return list(pattern) == ["_id"]
    return " index: _id_ " in err.get("errmsg", "")
