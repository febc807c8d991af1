"""Chinese full-text search over posts and comments: the ``search_segments`` collection.

Every search is exact: a post or comment is found when its text (a post: title and text)
contains the query once both are normalized by :func:`govspider.textnorm.normalize`
(traditional -> simplified, full-width -> half-width, ASCII case, zero-width characters), for
queries of any length, one character included. Punctuation, emoji, digits and Latin letters are
matched as they are.

Why segments and not a multikey index of character bigrams on each post. Measured on the
embedded server (SecantusDB 0.7, ``docs/embedded-server.md``): every index key costs
60-135 µs to write, so ~110 distinct bigrams of a 117-character post made an insert 56 times
slower (15 ms instead of 0.27 ms); the token array doubled the cost of every collection scan
(165 instead of 79 µs a post, for the detectors too); a query fetches each document an index
points to at 250-850 µs (three to ten times a scan's cost per document), and ``$all`` of bigrams
is not answered from the index at all. What the server does cheaply is return a few large
documents. So the searchable text is kept, compressed, in a few large *segment* documents:

- ``_id``: ``<collection>:<hash>``; ``texts_of``: ``posts`` or ``comments``; ``seq``: when it
  was written (ns; the newest segment holding a document wins); ``n``: entries;
  ``normalized``: whether its texts are normalized already; ``data``: zlib of five columns
  (``_id``, ``account_id``, ``platform``, ``published_at`` in ms, text).
- The storage writer appends one segment per batch with the posts and comments it inserted or
  changed (raw text: normalizing costs ~90 µs a post, too much for a crawl), so new documents
  are searchable at once; ``govspider db index-text`` normalizes and merges them into segments
  of up to 20,000 entries, and builds them for a corpus stored before this existed.
- A search reads every segment of the collection (about 1 µs an entry), checks the texts in
  Python, keeps the newest version of each document, sorts by publish time and fetches only
  the documents it shows (checked once more against their stored text).
- Coverage: counting a collection costs a full scan on SecantusDB (~55 µs a document), so it is
  done once: when the segments cover every document, ``meta`` (``_id: "search_index"``) records
  the collection as complete, and from then on the writer keeps it so. Until then (a corpus
  stored before the segments, documents inserted by another program) a search also scans the
  documents the segments miss, and says so; ``govspider db index-text`` covers them.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bson import Binary
from pymongo.database import Database
from pymongo.errors import OperationFailure

from govspider.textnorm import normalize

SEGMENTS = "search_segments"
#: ``meta`` document naming the collections the segments are known to cover completely
COMPLETE = "search_index"
#: the text fields searched, per collection (joined with a newline)
SEARCHABLE: dict[str, tuple[str, ...]] = {"posts": ("title", "text"), "comments": ("text",)}
#: the fields a segment entry keeps besides the text
_META = ("_id", "account_id", "platform", "published_at")
_PROJECTION = dict.fromkeys(_META, 1)
#: a merged segment holds at most this many entries, or this many bytes of text
SEGMENT_ENTRIES = 20_000
SEGMENT_BYTES = 8 * 1024 * 1024
_SEP, _COL = "\x00", "\x01"
_NO_TIME = ""

Progress = Callable[[str, int, int], None]


def searchable_text(collection: str, doc: dict[str, Any]) -> str | None:
    """The text a document is searched by (a post: title and text), ``None`` when it has none."""
    parts = [doc[f] for f in SEARCHABLE[collection] if isinstance(doc.get(f), str) and doc[f]]
    return "\n".join(parts) if parts else None


def normalized(text: str) -> str:
    """The form texts and queries are compared in (see :mod:`govspider.textnorm`)."""
    return normalize(text).text


def _ms(value: Any) -> str:
    if not isinstance(value, datetime):
        return _NO_TIME
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return str(int(value.timestamp() * 1000))


def _entry(collection: str, doc: dict[str, Any], norm: bool) -> tuple[str, ...] | None:
    text = searchable_text(collection, doc)
    if text is None:
        return None
    if norm:
        text = normalized(text)
    return (str(doc["_id"]), str(doc.get("account_id") or ""), str(doc.get("platform") or ""),
            _ms(doc.get("published_at")), text)


def _clean(value: str) -> str:
    """A value without the separators (str.replace: near free when absent, unlike translate)."""
    return value.replace(_SEP, " ").replace(_COL, " ") if _SEP in value or _COL in value else value


def _body(entries: list[tuple[str, ...]]) -> bytes:
    columns = zip(*entries, strict=True) if entries else [()] * 5
    return _COL.join(_SEP.join(_clean(v) for v in column) for column in columns).encode(
        "utf-8", "surrogatepass")


def _unpack(data: bytes, n: int) -> list[list[str]]:
    if not n:
        return [[] for _ in range(5)]
    return [c.split(_SEP) for c in zlib.decompress(data).decode("utf-8", "surrogatepass").split(_COL)]


def _segment(collection: str, entries: list[tuple[str, ...]], norm: bool, seq: int | None,
             tag: str) -> dict[str, Any]:
    """A segment document; ``seq=None``: a writer's segment, named by its content alone (a
    retried batch replaces it) and stamped now."""
    body = _body(entries)
    digest = hashlib.blake2b(f"{tag}|{seq}|".encode() + body, digest_size=10).hexdigest()
    return {"_id": f"{collection}:{tag}{digest}", "texts_of": collection,
            "seq": time.time_ns() if seq is None else seq, "n": len(entries), "normalized": norm,
            "created_at": datetime.now(timezone.utc), "data": Binary(zlib.compress(body, 1))}


def append_segment(db: Database[dict[str, Any]], collection: str,
                   docs: Iterable[dict[str, Any]]) -> int:
    """What the storage writer calls after storing a batch: one segment of raw (not yet
    normalized) texts of the documents it inserted or changed. Idempotent for the same
    documents (a retried batch replaces its segment). Returns the number of entries."""
    entries = [e for d in docs if (e := _entry(collection, d, norm=False)) is not None]
    if not entries:
        return 0
    seg = _segment(collection, entries, False, None, "w")
    db[SEGMENTS].replace_one({"_id": seg["_id"]}, seg, upsert=True)
    return len(entries)


# ------------------------------------------------------------------------------ reading
@dataclass
class _Segment:
    id: str
    seq: int
    normalized: bool
    columns: list[list[str]]


def _segments(db: Database[dict[str, Any]], collection: str) -> Iterator[_Segment]:
    """Segments of ``collection``, newest first."""
    for doc in db[SEGMENTS].find({"texts_of": collection}).sort("seq", -1):
        yield _Segment(doc["_id"], doc["seq"], bool(doc.get("normalized")),
                       _unpack(doc["data"], doc.get("n", 0)))


@dataclass
class Hit:
    collection: str
    id: str
    account_id: str | None
    platform: str | None
    #: publish time in ms since the epoch (UTC), None when unknown
    published_ms: int | None
    #: the stored document (``_id``, account, platform, time, title, text, deleted), once fetched
    doc: dict[str, Any] | None = None

    @property
    def published_at(self) -> datetime | None:
        return None if self.published_ms is None else datetime.fromtimestamp(
            self.published_ms / 1000, timezone.utc)


@dataclass
class SearchResult:
    query: str
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    #: documents no segment covers (a collection scan found their matches)
    uncovered: dict[str, int] = field(default_factory=dict)
    #: entries not normalized yet (written since the last ``index-text``)
    pending: int = 0
    #: hits whose stored text no longer matched (written around the writer): dropped
    stale: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Filters:
    platform: str | None = None
    account: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def window(self) -> tuple[int | None, int | None]:
        return (int(self.since.timestamp() * 1000) if self.since else None,
                int(self.until.timestamp() * 1000) if self.until else None)

    def query(self) -> dict[str, Any]:
        """The same filters as a MongoDB query (for the scan of uncovered documents)."""
        q: dict[str, Any] = {}
        if self.platform:
            q["platform"] = self.platform
        if self.account:
            q["account_id"] = self.account
        if self.since or self.until:
            q["published_at"] = {k: v for k, v in (("$gte", self.since), ("$lt", self.until)) if v}
        return q


def _matches(seg: _Segment, q: str, f: Filters, lo: int | None, hi: int | None) -> list[int]:
    ids, accounts, platforms, times, texts = seg.columns
    if seg.normalized:
        found = [i for i, t in enumerate(texts) if q in t]
    else:
        found = [i for i, t in enumerate(texts) if q in normalized(t)]
    out = []
    for i in found:
        if (f.platform and platforms[i] != f.platform) or (f.account and accounts[i] != f.account):
            continue
        if lo is not None or hi is not None:
            if not times[i]:
                continue
            t = int(times[i])
            if (lo is not None and t < lo) or (hi is not None and t >= hi):
                continue
        out.append(i)
    return out


def search(db: Database[dict[str, Any]], query: str, collections: Iterable[str] = ("posts", "comments"),
           filters: Filters | None = None, limit: int = 20) -> SearchResult:
    """Posts and comments whose normalized text contains the normalized ``query``.

    ``total`` counts every match; ``hits`` holds the ``limit`` newest (all when ``limit`` is 0),
    each with its stored document.
    """
    started = time.perf_counter()
    f = filters or Filters()
    q = normalized(query)
    if not q.strip():
        raise ValueError("the query is empty once normalized")
    result = SearchResult(query=query)
    lo, hi = f.window()
    hits: list[Hit] = []
    for collection in collections:
        seen: set[str] = set()
        for seg in _segments(db, collection):
            ids, accounts, platforms, times, _ = seg.columns
            if not seg.normalized:
                result.pending += len(ids)
            for i in _matches(seg, q, f, lo, hi):
                if ids[i] not in seen:
                    hits.append(Hit(collection, ids[i], accounts[i] or None, platforms[i] or None,
                                    int(times[i]) if times[i] else None))
            seen.update(ids)
        if collection not in complete_collections(db):
            missing = db[collection].estimated_document_count() - len(seen)
            if missing > 0:
                result.uncovered[collection] = missing
                hits.extend(_scan_uncovered(db, collection, q, f, seen))
            else:
                with contextlib.suppress(OperationFailure):  # a read-only user: count again next time
                    mark_complete(db, collection)
    hits.sort(key=lambda h: (h.published_ms is not None, h.published_ms or 0, h.id), reverse=True)
    result.total = len(hits)
    shown = hits if limit <= 0 else hits[:limit]
    result.hits = _fetch_checked(db, shown, q, result)
    result.seconds = time.perf_counter() - started
    return result


def complete_collections(db: Database[dict[str, Any]]) -> set[str]:
    """The collections the segments are known to cover completely."""
    doc = db["meta"].find_one({"_id": COMPLETE}) or {}
    return {c for c, done in (doc.get("complete") or {}).items() if done}


def mark_complete(db: Database[dict[str, Any]], collection: str, done: bool = True) -> None:
    db["meta"].update_one({"_id": COMPLETE}, {"$set": {f"complete.{collection}": done}}, upsert=True)


def _scan_uncovered(db: Database[dict[str, Any]], collection: str, q: str, f: Filters,
                    covered: set[str]) -> list[Hit]:
    """Matches among the documents no segment covers, by a scan of the collection."""
    fields = _PROJECTION | dict.fromkeys(SEARCHABLE[collection], 1)
    hits = []
    for doc in db[collection].find(f.query(), fields, batch_size=1000):
        if str(doc["_id"]) in covered:
            continue
        text = searchable_text(collection, doc)
        if text is not None and q in normalized(text):
            ms = _ms(doc.get("published_at"))
            hits.append(Hit(collection, str(doc["_id"]), doc.get("account_id"), doc.get("platform"),
                            int(ms) if ms else None))
    return hits


def _fetch_checked(db: Database[dict[str, Any]], hits: list[Hit], q: str,
                   result: SearchResult) -> list[Hit]:
    """The stored documents of ``hits``; hits whose stored text no longer matches are dropped."""
    fields = _PROJECTION | {"title": 1, "text": 1, "deleted": 1, "post_id": 1}
    by_collection: dict[str, list[Hit]] = {}
    for h in hits:
        by_collection.setdefault(h.collection, []).append(h)
    docs: dict[tuple[str, str], dict[str, Any]] = {}
    for collection, group in by_collection.items():
        ids = [h.id for h in group]
        for i in range(0, len(ids), 100):
            for doc in db[collection].find({"_id": {"$in": ids[i:i + 100]}}, fields):
                docs[(collection, str(doc["_id"]))] = doc
    kept = []
    for h in hits:
        doc = docs.get((h.collection, h.id))
        text = searchable_text(h.collection, doc) if doc else None
        if text is None or q not in normalized(text):
            result.stale += 1
            continue
        h.doc = doc
        kept.append(h)
    result.total -= result.stale
    return kept


# ------------------------------------------------------------------------------ indexing
@dataclass
class IndexStats:
    collection: str
    mode: str  #: "rebuild", "merge" or "current"
    entries: int = 0
    segments_before: int = 0
    segments_after: int = 0
    seconds: float = 0.0


def coverage(db: Database[dict[str, Any]], collection: str) -> tuple[int, int, int, int, int]:
    """(documents in the collection, documents the segments cover, segments, entries not
    normalized yet, small segments: under a quarter full)."""
    seen: set[str] = set()
    segments = pending = small = 0
    for seg in _segments(db, collection):
        segments += 1
        seen.update(seg.columns[0])
        if not seg.normalized:
            pending += len(seg.columns[0])
        small += len(seg.columns[0]) < SEGMENT_ENTRIES // 4
    return db[collection].estimated_document_count(), len(seen), segments, pending, small


def index_text(db: Database[dict[str, Any]], collections: Iterable[str] = ("posts", "comments"),
               rebuild: bool = False, progress: Progress | None = None) -> list[IndexStats]:
    """Bring the segments of each collection up to date.

    A collection the segments do not fully cover (a corpus stored before them), or every
    collection with ``rebuild``, is read whole into new segments; otherwise the segments the
    writer appended are normalized and merged into large ones (nothing to do when they are
    already). Safe while a crawl writes: segments it appends meanwhile are newer and kept.
    """
    out = []
    for collection in collections:
        started = time.perf_counter()
        count, covered, segments, pending, small = coverage(db, collection)
        if rebuild or covered < count:
            mark_complete(db, collection, False)
            stats = _rebuild(db, collection, count, progress)
        elif pending or small > 1:
            stats = _merge(db, collection, progress)
        else:
            stats = IndexStats(collection, "current", covered, segments, segments)
        mark_complete(db, collection)
        stats.segments_before = segments
        stats.seconds = time.perf_counter() - started
        out.append(stats)
    return out


def _chunks(entries: Iterable[tuple[str, ...]]) -> Iterator[list[tuple[str, ...]]]:
    chunk: list[tuple[str, ...]] = []
    size = 0
    for e in entries:
        chunk.append(e)
        size += len(e[4]) * 3
        if len(chunk) >= SEGMENT_ENTRIES or size >= SEGMENT_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _write_segments(db: Database[dict[str, Any]], collection: str,
                    entries: Iterable[tuple[str, ...]], seq: int) -> tuple[int, list[str]]:
    n, written = 0, []
    for chunk in _chunks(entries):
        seg = _segment(collection, chunk, True, seq, f"i{len(written)}")
        db[SEGMENTS].replace_one({"_id": seg["_id"]}, seg, upsert=True)
        written.append(seg["_id"])
        n += len(chunk)
    return n, written


def _rebuild(db: Database[dict[str, Any]], collection: str, count: int,
             progress: Progress | None) -> IndexStats:
    seq = time.time_ns()
    fields = _PROJECTION | dict.fromkeys(SEARCHABLE[collection], 1)

    def entries() -> Iterator[tuple[str, ...]]:
        for done, doc in enumerate(db[collection].find({}, fields, batch_size=1000), start=1):
            entry = _entry(collection, doc, norm=True)
            if entry is not None:
                yield entry
            if progress is not None and (done % 500 == 0 or done == count):
                progress(collection, done, count)

    n, written = _write_segments(db, collection, entries(), seq)
    # older segments describe what the scan has just read (the writer stores a document
    # before its segment); segments appended during the scan are newer and stay
    db[SEGMENTS].delete_many({"texts_of": collection, "seq": {"$lt": seq}, "_id": {"$nin": written}})
    if progress is not None:
        progress(collection, count, count)
    return IndexStats(collection, "rebuild", n, segments_after=len(written))


def _merge(db: Database[dict[str, Any]], collection: str, progress: Progress | None) -> IndexStats:
    segments = list(_segments(db, collection))
    total = sum(len(s.columns[0]) for s in segments)
    seq = max(s.seq for s in segments)

    def entries() -> Iterator[tuple[str, ...]]:
        seen: set[str] = set()
        done = 0
        for seg in segments:  # newest first: the first version of a document wins
            for row in zip(*seg.columns, strict=True):
                done += 1
                if row[0] in seen:
                    continue
                seen.add(row[0])
                yield row if seg.normalized else (*row[:4], normalized(row[4]))
                if progress is not None and done % 500 == 0:
                    progress(collection, done, total)

    n, written = _write_segments(db, collection, entries(), seq)
    old = [s.id for s in segments if s.id not in written]
    for i in range(0, len(old), 100):
        db[SEGMENTS].delete_many({"_id": {"$in": old[i:i + 100]}})
    if progress is not None:
        progress(collection, total, total)
    return IndexStats(collection, "merge", n, segments_after=len(written))
