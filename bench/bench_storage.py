"""Storage: items per second through govspider's writer vs raw pymongo ``insert_many``.

Both write the same documents to the same server (the embedded SecantusDB, or MONGODB_URI),
into fresh collections, in batches of the same size: the baseline inserts exactly the documents
the writer stores (with ``content_hash``, ``first_seen_at``, ``last_seen_at``, ``crawl_id``),
prepared beforehand, so the ratio measures the writer's own work. Target: ratio >= 0.8.
A second figure compares a re-crawl (every document already stored: upserts, versions check)
against raw ``bulk_write`` of ``ReplaceOne(upsert=True)``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pymongo
from pymongo import ReplaceOne, WriteConcern

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import best_of_alternating, headline, write_result  # noqa: E402
from govspider.items import Post  # noqa: E402
from govspider.processors import CST, content_hash  # noqa: E402
from govspider.storage import CorpusWriter  # noqa: E402
from govspider.storage.embedded import EmbeddedServer  # noqa: E402


def make_posts(n: int) -> list[Post]:
    t0 = datetime(2026, 1, 1, tzinfo=CST)
    return [Post(_id=f"weibo:{4900000000000000 + i}", platform="weibo",
                 platform_id=str(4900000000000000 + i), account_id=f"weibo:{6100000000 + i % 200}",
                 text=f"第{i}条：今日全市交通运行平稳，请市民注意出行安全。#平安出行#",
                 published_at=t0 + timedelta(minutes=i), metrics={"likes": i % 97, "comments": i % 13},
                 topics=["平安出行"], url=f"https://m.weibo.cn/status/{i}") for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20000, help="documents per run")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    uri = os.environ.get("MONGODB_URI")
    server = None
    if not uri:
        server = EmbeddedServer(tempfile.mkdtemp(prefix="govspider-bench-"))
        uri = server.start()
    client: pymongo.MongoClient = pymongo.MongoClient(uri, tz_aware=True)
    posts = make_posts(args.n)
    stamp = {"first_seen_at": datetime.now(CST), "last_seen_at": datetime.now(CST), "crawl_id": "bench"}
    docs = []
    for p in posts:
        d = p.to_dict()
        d.pop("item_type")
        d["content_hash"] = content_hash(d.get("title"), d.get("text"))
        docs.append(d | stamp)
    # every insert run gets a database of its own: SecantusDB refills a dropped collection at
    # half the speed it fills a new one, and a crawl writes into new or growing collections
    used: list[str] = []
    last = {"raw": "", "ours": ""}

    def fresh(side: str) -> Any:
        name = f"govspider_bench_{len(used)}"
        used.append(name)
        last[side] = name
        return client[name]

    try:
        def raw_insert() -> None:
            db = fresh("raw")
            for i in range(0, len(docs), args.batch):
                db.posts.insert_many([dict(d) for d in docs[i:i + args.batch]], ordered=False)

        def ours_insert() -> None:
            CorpusWriter(fresh("ours"), crawl_id="bench", batch_size=args.batch).write(posts)

        def raw_upsert() -> None:
            db = client[last["raw"]]
            for i in range(0, len(docs), args.batch):
                db.posts.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True)
                                     for d in docs[i:i + args.batch]], ordered=False)

        def raw_upsert_journaled() -> None:
            # the same durability as the writer (w=1, j=True: acknowledged means on disk)
            db = client.get_database(last["raw"], write_concern=WriteConcern(w=1, j=True))
            for i in range(0, len(docs), args.batch):
                db.posts.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True)
                                     for d in docs[i:i + args.batch]], ordered=False)

        def ours_recrawl() -> None:
            CorpusWriter(client[last["ours"]], crawl_id="bench-2", batch_size=args.batch).write(posts)

        t_raw, t_ours = best_of_alternating([raw_insert, ours_insert], args.repeat)
        # re-crawls: every document already stored (by the last insert run of the same side)
        t_raw_up, t_ours_up = best_of_alternating([raw_upsert, ours_recrawl], args.repeat)
        t_raw_upj, t_ours_up2 = best_of_alternating([raw_upsert_journaled, ours_recrawl], args.repeat)
        t_ours_up = min(t_ours_up, t_ours_up2)
    finally:
        for name in used:
            client.drop_database(name)
        client.close()
        if server:
            server.stop()
    n = args.n
    figures = {
        "documents": n,
        "raw_insert_many_per_s": round(n / t_raw), "writer_new_per_s": round(n / t_ours),
        "ratio_new": round(t_raw / t_ours, 3),
        "raw_upsert_per_s": round(n / t_raw_up), "writer_recrawl_per_s": round(n / t_ours_up),
        "ratio_recrawl": round(t_raw_up / t_ours_up, 3), "target": 0.8,
        "raw_upsert_journaled_per_s": round(n / t_raw_upj),
        "ratio_recrawl_same_durability": round(t_raw_upj / t_ours_up, 3),
    }
    print(f"raw insert_many   {figures['raw_insert_many_per_s']:>8,} docs/s")
    print(f"govspider writer  {figures['writer_new_per_s']:>8,} docs/s (new documents)")
    print(f"raw upsert        {figures['raw_upsert_per_s']:>8,} docs/s")
    print(f"raw upsert, j=1   {figures['raw_upsert_journaled_per_s']:>8,} docs/s (journaled, as the writer)")
    print(f"govspider writer  {figures['writer_recrawl_per_s']:>8,} docs/s (re-crawl: all stored)")
    write_result("storage", figures)
    headline(f"storage: writer/insert_many = {figures['ratio_new']:.2f} (target >= 0.8); "
             f"re-crawl writer/raw upsert = {figures['ratio_recrawl']:.2f} "
             f"(same durability, j=True: {figures['ratio_recrawl_same_durability']:.2f})")


if __name__ == "__main__":
    main()
