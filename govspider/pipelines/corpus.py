"""The corpus a crawl writes to: one connection and one background writer per crawler."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, TypeVar

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from govspider.platform import ParseInput
from govspider.storage import Connection, CorpusWriter, connect
from govspider.storage.connection import redact
from govspider.storage.raw import archive as archive_response
from govspider.storage.raw import raw_document

logger = logging.getLogger(__name__)
T = TypeVar("T")


def new_crawl_id(spider_name: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{spider_name}-{stamp}-{secrets.token_hex(3)}"


class Corpus:
    """Connection, crawl id and a single writer thread, shared by the pipelines of one crawl.

    Batches are written on one background thread, so MongoDB round trips never block the
    reactor; :meth:`submit` returns a future the pipeline can wait on for backpressure.
    """

    ATTR = "_govspider_corpus"

    def __init__(self, crawler: Any):
        settings = crawler.settings
        if not settings.getbool("GOVSPIDER_STORE_ENABLED", True):
            raise NotConfigured("GOVSPIDER_STORE_ENABLED is off")
        self.crawler = crawler
        self.conn: Connection = connect(settings)
        logger.info("Storing into %s (database %s)", redact(self.conn.uri), self.conn.db.name)
        self.crawl_id = new_crawl_id(crawler.spidercls.name)
        self.writer = CorpusWriter(
            self.conn.db, crawl_id=self.crawl_id,
            batch_size=settings.getint("GOVSPIDER_STORE_BATCH_SIZE", 500),
            outage_seconds=settings.getfloat("GOVSPIDER_STORE_OUTAGE_SECONDS", 120.0),
            journal=settings.getbool("GOVSPIDER_STORE_JOURNAL", True))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govspider-writer")
        self.closed = False
        #: when this crawl started (what the corpus saw since then was seen by this crawl)
        self.started_at = datetime.now(timezone.utc)
        self._completed: dict[str, datetime | None] = {}

    @classmethod
    def for_crawler(cls, crawler: Any) -> Corpus:
        corpus = getattr(crawler, cls.ATTR, None)
        if corpus is None:
            corpus = cls(crawler)
            setattr(crawler, cls.ATTR, corpus)
        return corpus

    @property
    def db(self) -> Any:
        return self.conn.db

    def submit(self, items: list[Any]) -> Future[Any]:
        """Write a batch on the writer thread."""
        return self._pool.submit(self.writer.write, items)

    def archive(self, inp: ParseInput) -> str:
        """Keep a response body in ``raw_responses`` (on the writer thread); returns its id."""
        doc = raw_document(inp.body, inp.url, inp.status, inp.headers,
                           inp.now or datetime.now(timezone.utc))
        self._pool.submit(archive_response, self.db, doc)
        return doc["_id"]

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._pool.shutdown(wait=True)
        self.conn.close()

    # ------------------------------------------------------------------ read helpers for spiders
    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a read helper (``self.latest_post_time``...) on a worker thread and await it.

        A spider callback that queried the database directly would stall every download of
        the crawl until the answer came (the crawl benchmark saw its reactor wait on queries
        queued behind the writer's bulk inserts); awaited here, the reactor carries on.
        """
        return await maybe_deferred_to_future(deferToThread(fn, *args))

    def completed_at(self, account_id: str) -> datetime | None:
        """When the last *completed* crawl of an account finished (``crawl_runs`` documents
        listing it in ``accounts_completed``, or the account's mark in ``account_crawls``),
        ``None`` when none did."""
        run = self.db["crawl_runs"].find_one({"accounts_completed": account_id},
                                             {"finished_at": 1}, sort=[("finished_at", -1)])
        # or the account's own mark, stored even when the run around it was killed later
        mark = self.db["account_crawls"].find_one({"_id": account_id}, {"last_seen_at": 1})
        times = [t if t.tzinfo else t.replace(tzinfo=timezone.utc)  # a client without tz_aware
                 for t in ((run or {}).get("finished_at"), (mark or {}).get("last_seen_at"))
                 if t is not None]
        return max(times, default=None)

    def latest_post_time(self, account_id: str) -> datetime | None:
        """Where an incremental crawl of an account stops: the publish time of the newest
        non-pinned post stored by the last completed crawl of the account (or before it).

        Posts a later, interrupted crawl stored do not count: their older neighbours may never
        have been fetched. ``None`` (crawl everything) when no crawl of the account completed.
        """
        completed = self.completed_at(account_id)
        if completed is None:
            return None
        doc = self.db["posts"].find_one(
            {"account_id": account_id, "is_pinned": {"$ne": True}, "deleted": {"$ne": True},
             "first_seen_at": {"$lte": completed}},
            {"published_at": 1}, sort=[("published_at", -1)])
        latest = doc.get("published_at") if doc else None
        if latest is not None and latest.tzinfo is None:  # a client without tz_aware
            latest = latest.replace(tzinfo=timezone.utc)  # BSON dates are UTC
        return latest

    def recent_post_ids(self, account_id: str, since: datetime,
                        unseen_since: datetime | None = None) -> list[str]:
        """Ids of stored posts published since ``since`` (to re-visit for edits and deletions).

        With ``unseen_since``, only posts no crawl has seen since then (another worker of a
        distributed crawl may have just stored them).
        """
        query: dict[str, Any] = {"account_id": account_id, "published_at": {"$gte": since},
                                 "deleted": {"$ne": True}}
        if unseen_since is not None:
            query["last_seen_at"] = {"$lt": unseen_since}
        return [d["_id"] for d in self.db["posts"].find(query, {"_id": 1})]

    def recrawl_state(self, account_id: str, since: datetime) -> dict[str, Any]:
        """What a re-crawl policy compares a listing with: the stored account (post count,
        ``extra``), and the stored posts published since ``since`` (counts, texts, when last
        seen), by ``_id``."""
        account = self.db["accounts"].find_one({"_id": account_id},
                                               {"posts_count": 1, "extra": 1, "last_post_at": 1})
        posts = self._posts({"account_id": account_id, "published_at": {"$gte": since}})
        return {"account": account, "posts": posts}

    _POLICY_FIELDS = {"published_at": 1, "metrics": 1, "text": 1, "raw_html": 1, "topics": 1,
                      "mentions": 1, "links": 1, "is_long_text": 1, "extra": 1, "deleted": 1,
                      "last_seen_at": 1, "is_pinned": 1}

    def _posts(self, query: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Stored posts for a re-crawl policy to compare a listing with. A post last seen by an
        earlier crawl that did not complete its account (killed, stopped by a wall) is marked
        ``unconfirmed``: that crawl may have stored it and died before its comments were all
        fetched, so the policy must not trust the stored counts."""
        posts = {d["_id"]: d for d in self.db["posts"].find(
            query, self._POLICY_FIELDS | {"account_id": 1})}
        for doc in posts.values():
            for key in ("published_at", "last_seen_at"):
                value = doc.get(key)
                if value is not None and value.tzinfo is None:  # a client without tz_aware
                    doc[key] = value.replace(tzinfo=timezone.utc)
            seen = doc.get("last_seen_at")
            if seen is not None and seen < self.started_at and doc.get("account_id"):
                completed = self._completed_before(doc["account_id"])
                doc["unconfirmed"] = completed is None or seen > completed
        return posts

    def _completed_before(self, account_id: str) -> datetime | None:
        """:meth:`completed_at` as it was when this crawl first asked (cached per account)."""
        if account_id not in self._completed:
            self._completed[account_id] = self.completed_at(account_id)
        return self._completed[account_id]

    def stored_posts(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Stored posts by ``_id`` (as :meth:`recrawl_state` gives them), for a listed page."""
        return self._posts({"_id": {"$in": ids}}) if ids else {}

    def post_ids_between(self, account_id: str, start: datetime, end: datetime) -> list[str]:
        """Ids of stored, not deleted, non-pinned posts published in ``[start, end]``."""
        return [d["_id"] for d in self.db["posts"].find(
            {"account_id": account_id, "published_at": {"$gte": start, "$lte": end},
             "deleted": {"$ne": True}, "is_pinned": {"$ne": True}}, {"_id": 1})]
