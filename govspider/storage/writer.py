"""Batched, idempotent writes of items into the corpus.

Each item becomes an upsert on its natural ``_id``: ``first_seen_at`` is set once,
``last_seen_at`` and ``crawl_id`` on every sighting, unknown (``None``) fields are never written
over known ones. A post whose text changes, or that disappears, gets ``post_versions`` entries.
Writes are unordered bulk operations: one bad document is counted and logged, the rest of the
batch is stored. A document BSON cannot encode (a lone surrogate in a text, an integer beyond 64
bits) or larger than MongoDB's 16 MB limit is refused before the batch is sent, counted in
``failed`` and logged alone.

Writes are acknowledged with ``w=1, j=True`` (journaled: a server killed after acknowledging
keeps the write). When the database cannot be reached, a batch is held and retried with backoff
for ``outage_seconds``; its counts are kept only once the database acknowledged it (a batch
retried after a partial write is idempotent: the documents already written are stamped, not
duplicated). After that the writer declares the database unavailable, raises
:class:`StorageUnavailable`, and counts the batch (and every later one) in ``lost``.

Every document carries ``doc_hash``, a hash of what its last sighting said (every field the
item set, storage's own fields excluded). A re-sighting with the same hash is not rewritten:
only its ``last_seen_at`` and ``crawl_id`` are set, in one ``update_many`` per chunk of ids
(counted as ``unchanged``), which is what keeps a daily re-crawl of a mostly unchanged corpus
cheap for the database.

The posts and comments a batch inserted or changed are also appended to the search segments
(:mod:`govspider.storage.search_index`, one document per batch, ``search_index=False`` to
skip), so that ``govspider search`` finds them at once. Stored documents get no extra field:
``doc_hash`` and the documents are the same with or without it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import bson
from bson.errors import InvalidDocument
from pymongo import InsertOne, UpdateMany, UpdateOne, WriteConcern
from pymongo.database import Database
from pymongo.errors import BulkWriteError, ConnectionFailure

from govspider.items import COLLECTIONS, Item, as_dict
from govspider.processors import content_hash
from govspider.storage.search_index import SEARCHABLE, append_segment

logger = logging.getLogger(__name__)

DUPLICATE_KEY = 11000
#: Fields kept from the first sighting (a supervisor's status on a finding is theirs to change).
INSERT_ONLY = {"findings": ("status",)}
#: Field holding the hash of a document's last sighting (see :func:`doc_hash`).
DOC_HASH = "doc_hash"
#: What is read back from stored documents before an update (posts: to detect changes; the
#: old text and title of a changed post are read only when a version is recorded).
_LOOKUP = {"posts": {"_id": 1, DOC_HASH: 1, "content_hash": 1, "deleted": 1, "last_seen_at": 1}}
_LOOKUP_DEFAULT = {"_id": 1, DOC_HASH: 1}
#: ids per ``$in`` of a lookup (SecantusDB's ``$in`` grows superlinearly with the list)
_CHUNK = 100
#: ids per ``update_many`` group of a stamp (the cheapest size on SecantusDB)
_GROUP = 10
#: the largest document a MongoDB server accepts
MAX_BSON_SIZE = 16 * 1024 * 1024


class StorageUnavailable(RuntimeError):
    """The database could not be reached for longer than the writer's ``outage_seconds``."""


#: not part of a document's hash: a re-sighting whose only change is the archived response it
#: came in (another page around the same post) is not rewritten; the document keeps citing the
#: earlier response, whose body holds the same content
HASH_IGNORED = "raw_response_id"


def doc_hash(doc: dict[str, Any]) -> str:
    """A hash of a document as a sighting gives it (BSON of its fields, in item order)."""
    return hashlib.blake2b(bson.encode(doc), digest_size=12).hexdigest()


@dataclass
class WriteStats:
    """Counts of what the writer did, by collection."""

    inserted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: re-sightings whose content hash matched: only last_seen_at / crawl_id were set
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: documents never written because the database was unavailable
    lost: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    versions: int = 0
    #: write attempts repeated because the database could not be reached
    retries: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def total(self) -> int:
        """Documents the database acknowledged (inserted, updated or stamped)."""
        return (sum(self.inserted.values()) + sum(self.updated.values())
                + sum(self.unchanged.values()))

    def merge(self, other: WriteStats, max_errors: int) -> None:
        for mine, theirs in ((self.inserted, other.inserted), (self.updated, other.updated),
                             (self.unchanged, other.unchanged), (self.failed, other.failed),
                             (self.lost, other.lost)):
            for key, n in theirs.items():
                mine[key] += n
        self.versions += other.versions
        self.retries += other.retries
        self.errors.extend(other.errors[:max(max_errors - len(self.errors), 0)])


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class CorpusWriter:
    """Write items (dataclasses or dicts with ``item_type``) in batches.

    Not thread-safe: one writer per thread. ``clock`` is injectable for tests.
    """

    def __init__(self, db: Database[dict[str, Any]], crawl_id: str | None = None,
                 batch_size: int = 500, clock: Callable[[], datetime] = utcnow,
                 max_logged_errors: int = 50, outage_seconds: float = 120.0,
                 journal: bool = True, search_index: bool = True):
        if journal:  # acknowledged means on disk: a killed server keeps what it acknowledged
            db = db.with_options(write_concern=WriteConcern(w=1, j=True))
        self.db = db
        #: how long a batch is held and retried while the database cannot be reached
        self.outage_seconds = outage_seconds
        #: set once an outage outlasted ``outage_seconds``: later batches fail at once
        self.unavailable: str | None = None
        self.crawl_id = crawl_id
        self.batch_size = batch_size
        self.clock = clock
        self.max_logged_errors = max_logged_errors
        self.stats = WriteStats()
        self._pending: list[Any] = []  # items or dicts, converted at flush
        #: share of the last batch per collection that was already stored
        self._seen_share: dict[str, float] = {}
        self.search_index = search_index
        #: documents of the batch being written that were inserted or changed, for the search
        #: segments (kept across retries of the batch: a retry finds them stored, unchanged)
        self._fresh: dict[str, dict[Any, dict[str, Any]]] = defaultdict(dict)

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
        for collection, docs in by_collection.items():
            for _id in list(docs):
                doc = docs[_id]
                doc.pop(DOC_HASH, None)
                encoded, reason = _encode(doc)
                if encoded is None:  # refused alone: the rest of the batch is stored
                    self._fail(collection, _id, reason or "not encodable")
                    del docs[_id]
                    continue
                if doc.get(HASH_IGNORED):  # the same content seen in another response body
                    encoded = bson.encode({k: v for k, v in doc.items() if k != HASH_IGNORED})
                doc[DOC_HASH] = hashlib.blake2b(encoded, digest_size=12).hexdigest()
        # account marks last: a stored mark means the account's items of the batch are stored
        self._write_held({c: docs for c, docs in sorted(by_collection.items(),
                                                        key=lambda kv: kv[0] == "account_crawls")
                          if docs})

    def _write_held(self, by_collection: dict[str, dict[str, dict[str, Any]]]) -> None:
        """Write a batch; while the database cannot be reached, hold it and retry (bounded).

        The batch's counts go into :attr:`stats` only once every write of it was acknowledged.
        """
        deadline: float | None = None
        delay = 0.5
        while True:
            if self.unavailable is None:
                stats, self.stats = self.stats, WriteStats()
                try:
                    now = self.clock()
                    for collection, docs in by_collection.items():
                        self._write_collection(collection, docs, now)
                    self._append_search_segments()
                except ConnectionFailure as exc:
                    self.stats = stats  # nothing of this attempt counts
                    stats.retries += 1
                    if deadline is None:
                        deadline = time.monotonic() + self.outage_seconds
                    left = deadline - time.monotonic()
                    if left > 0:
                        if stats.retries == 1 or stats.retries % 10 == 0:
                            logger.warning("The database cannot be reached (%s): batch held, "
                                           "retrying for %.0fs more", str(exc)[:200], left)
                        time.sleep(min(delay, left))
                        delay = min(delay * 2, 5.0)
                        continue
                    self.unavailable = f"the database could not be reached for " \
                                       f"{self.outage_seconds:.0f}s: {str(exc)[:200]}"
                except BaseException:
                    self.stats = stats
                    self._fresh.clear()
                    self._lose(by_collection)
                    raise
                else:
                    stats.merge(self.stats, self.max_logged_errors)
                    self.stats = stats
                    return
            self._fresh.clear()
            self._lose(by_collection)
            raise StorageUnavailable(self.unavailable)

    def _append_search_segments(self) -> None:
        for collection, docs in self._fresh.items():
            if docs:
                append_segment(self.db, collection, docs.values())
        self._fresh.clear()

    def _mark_fresh(self, collection: str, docs: dict[str, dict[str, Any]], ids: Iterable[Any],
                    failed: set[Any]) -> None:
        """Remember the documents of ``ids`` that were written, for the search segments."""
        if self.search_index and collection in SEARCHABLE:
            fresh = self._fresh[collection]
            for _id in ids:
                if _id not in failed:
                    fresh[_id] = docs[_id]

    def _lose(self, by_collection: dict[str, dict[str, dict[str, Any]]]) -> None:
        for collection, docs in by_collection.items():
            self.stats.lost[collection] += len(docs)

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
        a document already stored, which is then looked up (its hash; posts also for versions)
        and updated, or only stamped when its hash is unchanged.
        """
        stamp: dict[str, Any] = {"last_seen_at": now}
        if self.crawl_id:
            stamp["crawl_id"] = self.crawl_id
        ids = list(docs)
        if collection not in self._seen_share:
            # first batch of this writer: one cheap probe tells a re-crawl from a first crawl
            probe = self.db[collection].find_one({"_id": ids[0]}, {"_id": 1})
            self._seen_share[collection] = 1.0 if probe is not None else 0.0
        if self._seen_share[collection] > 0.5:
            # mostly re-sightings lately: stamp the unchanged ones first (a filter on the id and
            # the hash, so a changed document is not matched); look up only when some missed
            if self._stamp_unchanged(collection, docs, stamp):
                self._seen_share[collection] = 1.0
                return
            old = self._lookup(collection, ids, _LOOKUP.get(collection, _LOOKUP_DEFAULT))
            ids = [i for i in ids if i not in old]
            stamped = [i for i in old if old[i].get(DOC_HASH) == docs[i][DOC_HASH]]
            self.stats.unchanged[collection] += len(stamped)
            changed = {i: docs[i] for i in old if old[i].get(DOC_HASH) != docs[i][DOC_HASH]}
            if changed:
                self._update_existing(collection, changed, stamp, now, old)
            self._seen_share[collection] = len(old) / len(docs)
            if not ids:
                return
        inserts = [InsertOne(docs[_id] | stamp | {"first_seen_at": now}) for _id in ids]
        existing_ids: list[str] = []
        failed: set[Any] = set()
        try:
            self.db[collection].bulk_write(inserts, ordered=False)
        except BulkWriteError as exc:
            for err in exc.details.get("writeErrors", []):
                _id = ids[err["index"]]
                if err.get("code") == DUPLICATE_KEY and _is_id_conflict(err):
                    existing_ids.append(_id)
                else:
                    failed.add(_id)
                    self._fail(collection, _id, err.get("errmsg", "write error"), err.get("code"))
        self.stats.inserted[collection] += len(ids) - len(existing_ids) - len(failed)
        self._mark_fresh(collection, docs, ids, failed | set(existing_ids))
        if len(ids) == len(docs):
            self._seen_share[collection] = len(existing_ids) / len(docs)
        if existing_ids:
            self._update_existing(collection, {i: docs[i] for i in existing_ids}, stamp, now)

    def _update_existing(self, collection: str, docs: dict[str, dict[str, Any]],
                         stamp: dict[str, Any], now: datetime,
                         old: dict[str, dict[str, Any]] | None = None) -> None:
        if old is None:
            old = self._lookup(collection, list(docs), _LOOKUP.get(collection, _LOOKUP_DEFAULT))
        same = [i for i, doc in docs.items()
                if i in old and old[i].get(DOC_HASH) == doc[DOC_HASH]]
        if same:
            self._stamp(collection, same, stamp)
            if len(same) == len(docs):
                return
            skip = set(same)
            docs = {i: doc for i, doc in docs.items() if i not in skip}
        if collection == "posts":
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
        failed: set[Any] = set()
        try:
            self.db[collection].bulk_write(ops, ordered=False)
        except BulkWriteError as exc:
            for err in exc.details.get("writeErrors", []):
                failed.add(ids[err["index"]])
                self._fail(collection, ids[err["index"]], err.get("errmsg", "write error"), err.get("code"))
        self.stats.updated[collection] += len(ids) - len(failed)
        self._mark_fresh(collection, docs, ids, failed)

    def _stamp_unchanged(self, collection: str, docs: dict[str, dict[str, Any]],
                         stamp: dict[str, Any]) -> bool:
        """Stamp every stored document whose hash is unchanged, in one bulk write of small
        ``update_many`` groups; ``True`` when that covered the whole batch. The hash covers the
        ``_id``, so a group's hashes can only match their own documents."""
        ids = list(docs)
        ops = [UpdateMany({"_id": {"$in": group}, DOC_HASH: {"$in": [docs[i][DOC_HASH] for i in group]}},
                          {"$set": stamp})
               for group in (ids[j:j + _GROUP] for j in range(0, len(ids), _GROUP))]
        try:
            matched = self.db[collection].bulk_write(ops, ordered=False).matched_count
        except BulkWriteError:
            return False
        if matched == len(ids):
            self.stats.unchanged[collection] += matched
            return True
        return False

    def _stamp(self, collection: str, ids: list[str], stamp: dict[str, Any]) -> None:
        """Unchanged re-sightings: only ``last_seen_at`` and ``crawl_id``, in bulk."""
        ops = [UpdateMany({"_id": {"$in": ids[j:j + _GROUP]}}, {"$set": stamp})
               for j in range(0, len(ids), _GROUP)]
        try:
            self.db[collection].bulk_write(ops, ordered=False)
        except BulkWriteError as exc:
            for err in exc.details.get("writeErrors", []):
                for _id in ids[err["index"] * _GROUP:(err["index"] + 1) * _GROUP]:
                    self._fail(collection, _id, err.get("errmsg", "write error"), err.get("code"))
                self.stats.unchanged[collection] -= min(_GROUP, len(ids) - err["index"] * _GROUP)
        self.stats.unchanged[collection] += len(ids)

    def _lookup(self, collection: str, ids: list[str], projection: dict[str, int],
                chunk: int = _CHUNK) -> dict[str, dict[str, Any]]:
        """Stored documents by ``_id``, asked for in small ``$in`` chunks (cheaper on every server)."""
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), chunk):
            for d in self.db[collection].find({"_id": {"$in": ids[i:i + chunk]}}, projection):
                found[d["_id"]] = d
        return found

    def _versions(self, docs: dict[str, dict[str, Any]], existing: dict[str, Any],
                  now: datetime) -> None:
        """Record the old and the new state of posts whose text changed or that disappeared."""
        changed = []
        for _id, doc in docs.items():
            old = existing.get(_id)
            if old is None:
                continue
            new_deleted = bool(doc.get("deleted"))
            new_hash = doc.get("content_hash", old.get("content_hash"))
            if new_hash != old.get("content_hash") or new_deleted != bool(old.get("deleted")):
                changed.append(_id)
        if not changed:
            return
        texts = self._lookup("posts", changed, {"_id": 1, "text": 1, "title": 1})
        ops = []
        for _id in changed:
            doc, old = docs[_id], existing[_id] | texts.get(_id, {})
            new_deleted = bool(doc.get("deleted"))
            new_hash = doc.get("content_hash", old.get("content_hash"))
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


def _encode(doc: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """A document's BSON (what :func:`doc_hash` hashes), or ``None`` and why BSON cannot
    carry it (a lone surrogate, an integer beyond 64 bits, more than 16 MB)."""
    try:
        encoded = bson.encode(doc)
    except (ValueError, OverflowError, TypeError, InvalidDocument) as exc:
        return None, f"not encodable as BSON: {type(exc).__name__}: {exc}"
    if len(encoded) > MAX_BSON_SIZE - 64 * 1024:  # room for the storage fields added later
        return None, f"document too large for BSON: {len(encoded)} bytes"
    return encoded, None


def _is_id_conflict(err: dict[str, Any]) -> bool:
    """A duplicate key on ``_id`` (another writer inserted it first), not on another index."""
    pattern = err.get("keyPattern")
    if pattern is not None:
        return list(pattern) == ["_id"]
    return " index: _id_ " in err.get("errmsg", "")
