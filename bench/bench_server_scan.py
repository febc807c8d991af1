"""Scan cost per document of the database server (the embedded SecantusDB, or MONGODB_URI).

Inserts N posts (the sandbox's Chinese texts, ~120 characters), then times, best of R:

- a collection scan with a filter no index serves (``metrics.likes`` > 10^9: nothing matches,
  every document is read), in µs per document;
- the same filter as a Python loop over the same documents in memory (baseline 1);
- ``find_one`` by ``_id`` (the indexed lookup, baseline 2), in µs per lookup.

Prints the scan's µs/doc, its ratio to both baselines, and what one scan of a 1M and a 10M-post
corpus costs at that rate (``docs/embedded-server.md``: when to move to a real MongoDB).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import best_of, embedded_or_uri, gov_posts, headline, write_result  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20000, help="posts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=500, help="_id lookups timed")
    args = parser.parse_args()

    uri, server = embedded_or_uri("govspider-bench-scan-")
    client: pymongo.MongoClient = pymongo.MongoClient(uri, tz_aware=True)
    db = client["govspider_bench_scan"]
    try:
        docs = [{k: v for k, v in p.to_dict().items() if k != "item_type"} for p in gov_posts(args.n)]
        db.posts.drop()
        for i in range(0, len(docs), 1000):
            db.posts.insert_many(docs[i:i + 1000])
        query = {"metrics.likes": {"$gt": 10 ** 9}}
        t_scan = best_of(lambda: list(db.posts.find(query)), args.repeat)
        t_python = best_of(lambda: [d for d in docs if d["metrics"]["likes"] > 10 ** 9], args.repeat)
        ids = [d["_id"] for d in random.Random(1).sample(docs, min(args.lookups, len(docs)))]
        t_ids = best_of(lambda: [db.posts.find_one({"_id": i}) for i in ids], args.repeat)
        explain = db.posts.find(query).explain().get("queryPlanner", {}).get("winningPlan", {})
        info = client.server_info()
    finally:
        client.drop_database("govspider_bench_scan")
        client.close()
        if server:
            server.stop()
    scan_us = t_scan / args.n * 1e6
    figures = {
        "server": f"SecantusDB {info['secantusVersion']}" if info.get("secantusVersion")
        else f"MongoDB {info.get('version')}",
        "documents": args.n, "plan": explain.get("stage"),
        "scan_us_per_doc": round(scan_us, 2),
        "python_loop_us_per_doc": round(t_python / args.n * 1e6, 3),
        "id_lookup_us": round(t_ids / len(ids) * 1e6, 1),
        "scan_vs_python_loop": round(t_scan / t_python, 1),
        "scan_of_all_vs_one_id_lookup": round(t_scan / (t_ids / len(ids)), 1),
        "scan_1m_posts_s": round(scan_us, 1),
        "scan_10m_posts_min": round(scan_us * 10 / 60, 1),
    }
    print(f"server            {figures['server']} ({figures['plan']})")
    print(f"collection scan   {figures['scan_us_per_doc']:>8} µs/doc")
    print(f"Python loop       {figures['python_loop_us_per_doc']:>8} µs/doc (same filter, in memory)")
    print(f"_id lookup        {figures['id_lookup_us']:>8} µs/lookup")
    print(f"one scan of 1M posts: {figures['scan_1m_posts_s']} s; of 10M: {figures['scan_10m_posts_min']} min")
    write_result("server_scan", figures)
    headline(f"server scan: {scan_us:.1f} µs/doc = {figures['scan_vs_python_loop']}x a Python loop "
             f"over the same documents; 10M posts: {figures['scan_10m_posts_min']} min a scan")


if __name__ == "__main__":
    main()
