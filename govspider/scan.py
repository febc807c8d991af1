"""Running detectors over the stored corpus (``govspider scan``)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from govspider.detection import (
    AccountHistory,
    DetectContext,
    Detector,
    batches,
    item_detectors,
    item_observers,
)
from govspider.items import COLLECTIONS
from govspider.registry import AccountRegistry
from govspider.storage.registry_store import load_registry
from govspider.storage.writer import CorpusWriter

_TYPE_OF = {collection: kind for kind, collection in COLLECTIONS.items()}
_STORAGE_FIELDS = ("first_seen_at", "last_seen_at", "crawl_id")


def _docs(db: Any, kind: str, query: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    for doc in db[COLLECTIONS[kind]].find(query or {}, batch_size=1000):
        doc["item_type"] = kind
        yield doc


def cite_source(finding: Any, doc: dict[str, Any]) -> None:
    """Point a finding on a stored document at the archived response the document came from
    (``raw_response_id``, with ``GOVSPIDER_ARCHIVE_RESPONSES``): the evidence then survives the
    post's deletion on the platform."""
    if doc.get("raw_response_id"):
        finding.evidence.setdefault("raw_response_id", doc["raw_response_id"])


#: an account last seen this long before its platform's latest crawl missed that crawl
MISSED_CRAWL = timedelta(hours=24)


def account_history(db: Any, account: dict[str, Any],
                    platform_seen: datetime | None = None) -> AccountHistory:
    """An account with its stored posts, comments and metrics.

    The history counts as complete when the latest crawl of the account's platform reached the
    account (``platform_seen``: that crawl's latest ``last_seen_at``) and it has stored posts or
    a post count of zero: a failed crawl must not make an account look silent.
    """
    _id = account["_id"]
    posts = list(_docs(db, "post", {"account_id": _id}))
    comments = list(_docs(db, "comment", {"account_id": _id}))
    metrics = sorted(_docs(db, "account_metrics", {"account_id": _id}), key=lambda m: m["at"])
    seen = account.get("last_seen_at")
    reached = platform_seen is None or (seen is not None and seen >= platform_seen - MISSED_CRAWL)
    complete = reached and (bool(posts) or account.get("posts_count") == 0)
    return AccountHistory(account=account, posts=posts, comments=comments, metrics=metrics,
                          complete=complete)


def scan_corpus(db: Any, detectors: list[Detector], now: datetime,
                settings: dict[str, Any] | None = None, registry: AccountRegistry | None = None,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run detectors over everything stored and upsert the findings; returns a summary."""
    say = progress or (lambda _msg: None)
    registry = registry or load_registry(db)
    ctx = DetectContext(now=now, settings=settings or {}, registry=registry)
    ctx.accounts = {a["_id"]: a for a in _docs(db, "account")}
    writer = CorpusWriter(db, crawl_id=f"scan-{now:%Y%m%dT%H%M%S}")
    found: Counter[str] = Counter()
    started = time.monotonic()

    produced: set[str] = set()

    def emit(findings: Any, det: Detector, source: dict[str, Any] | None = None) -> None:
        for finding in findings:
            if source is not None:
                cite_source(finding, source)
            found[det.name] += 1
            produced.add(finding._id)
            writer.add(finding)

    # one pass over each collection, every detector on a document in turn
    by_kind, watchers = item_detectors(detectors), item_observers(detectors)
    for kind in [k for k in COLLECTIONS if k in by_kind or k in watchers]:
        dets, seeing = by_kind.get(kind, []), watchers.get(kind, [])
        n = 0
        for batch in batches(_docs(db, kind)):
            for det in dets:
                det.prepare(batch, ctx)
            for doc in batch:
                for det in dets:
                    emit(det.detect(doc, ctx), det, doc)
                for det in seeing:
                    det.observe(doc, ctx)
                n += 1
        say(f"{COLLECTIONS[kind]}: {n} checked by {', '.join(d.name for d in dets + seeing)}")
    account_dets = [d for d in detectors if d.scope == "account"]
    if account_dets:
        latest: dict[str, datetime] = {}
        for account in ctx.accounts.values():
            seen = account.get("last_seen_at")
            if seen is not None and account.get("platform"):
                latest[account["platform"]] = max(seen, latest.get(account["platform"], seen))
        for i, account in enumerate(ctx.accounts.values(), start=1):
            history = account_history(db, account, latest.get(account.get("platform", "")))
            for det in account_dets:
                emit(det.detect(history, ctx), det)
            if i % 100 == 0:
                say(f"accounts: {i}/{len(ctx.accounts)} checked")
        for det in account_dets:
            say(f"{det.name}: {len(ctx.accounts)} accounts checked, {found[det.name]} findings")
    corpus_dets = [d for d in detectors if d.scope == "corpus"]
    if corpus_dets:
        wanted = set().union(*(d.accepts for d in corpus_dets))
        everything = {kind: list(_docs(db, kind)) for kind in wanted if kind in COLLECTIONS}
        # a corpus detector names its subject: the finding cites that document's source
        subjects = {(kind, doc["_id"]): doc for kind, docs in everything.items() for doc in docs}
        for det in corpus_dets:
            for finding in det.detect(everything, ctx):
                emit((finding,), det, subjects.get((finding.subject_type, finding.subject_id)))
            say(f"{det.name}: {found[det.name]} findings")
    writer.flush()
    cleared = clear_stale_findings(db, [d.name for d in detectors], produced, now)
    if cleared:
        say(f"{cleared} earlier findings no longer found: cleared")
    return {"findings": dict(found), "stored": writer.stats.total(), "cleared": cleared,
            "failed": sum(writer.stats.failed.values()),
            "seconds": round(time.monotonic() - started, 2)}


def clear_stale_findings(db: Any, detectors: list[str], seen: set[str], now: datetime) -> int:
    """Mark open findings of these detectors that this scan did not produce again as cleared,
    and open again cleared ones it did produce.

    A scan covers the whole corpus, so such a finding no longer holds (the account posted
    again, the text was edited...). Statuses a supervisor set are left alone.
    """
    stale = [d["_id"] for d in db["findings"].find(
        {"detector": {"$in": detectors}, "status": "open"}, {"_id": 1}) if d["_id"] not in seen]
    for i in range(0, len(stale), 100):
        db["findings"].update_many({"_id": {"$in": stale[i:i + 100]}},
                                   {"$set": {"status": "cleared", "cleared_at": now}})
    # found again after being cleared: open again
    again = list(seen)
    for i in range(0, len(again), 100):
        db["findings"].update_many({"_id": {"$in": again[i:i + 100]}, "status": "cleared"},
                                   {"$set": {"status": "open"}, "$unset": {"cleared_at": ""}})
    return len(stale)
