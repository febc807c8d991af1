"""Full-text search (``govspider search``) against a ``$regex`` scan, on the same corpus.

Stores N posts (the sandbox's Chinese texts) through govspider's writer, which appends them to
the search segments, then merges those (``govspider db index-text``). For each query, best of
R: the search (every match counted, the newest 20 fetched and checked) and the baseline, a
``$regex`` scan for the same text returning only ``_id`` s. Both must count the same matches.
Also times the writer with and without the segments (the cost of keeping the index fresh).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    best_of,
    best_of_alternating,
    embedded_or_uri,
    gov_posts,
    headline,
    write_result,
)
from govspider.storage import CorpusWriter  # noqa: E402
from govspider.storage.schema import ensure_indexes  # noqa: E402
from govspider.storage.search_index import index_text, search  # noqa: E402

#: common, rarer and absent phrases of the sandbox's government texts
QUERIES = ("江城市", "反诈", "疫苗接种", "人民广场", "不存在的词语")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20000, help="posts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    uri, server = embedded_or_uri("govspider-bench-search-")
    client: pymongo.MongoClient = pymongo.MongoClient(uri, tz_aware=True)
    posts = gov_posts(args.n)
    used: list[str] = []

    def fresh() -> pymongo.database.Database:
        db = client[f"govspider_bench_search_{len(used)}"]
        used.append(db.name)
        ensure_indexes(db)
        return db

    try:
        t_with, t_without = best_of_alternating(
            [lambda: CorpusWriter(fresh(), crawl_id="b", batch_size=500).write(posts),
             lambda: CorpusWriter(fresh(), crawl_id="b", batch_size=500, search_index=False).write(posts)],
            repeat=max(1, args.repeat - 1))
        db = client[used[-2]]  # the last run with segments
        start = time.perf_counter()
        index_text(db, ("posts",))
        t_merge = time.perf_counter() - start
        rows = []
        for q in QUERIES:
            found = search(db, q, ("posts",), limit=20)
            regex_ids = list(db.posts.find({"text": {"$regex": re.escape(q)}}, {"_id": 1}))
            if found.total != len(regex_ids):
                raise SystemExit(f"error: {q!r}: search counted {found.total}, $regex {len(regex_ids)}")
            t_search = best_of(lambda q=q: search(db, q, ("posts",), limit=20), args.repeat)
            t_regex = best_of(lambda q=q: list(db.posts.find({"text": {"$regex": re.escape(q)}}, {"_id": 1})),
                              args.repeat)
            rows.append({"query": q, "matches": found.total, "search_ms": round(t_search * 1000, 1),
                         "regex_ms": round(t_regex * 1000, 1), "speedup": round(t_regex / t_search, 1)})
    finally:
        for name in used:
            client.drop_database(name)
        client.close()
        if server:
            server.stop()
    geo = math.exp(sum(math.log(r["speedup"]) for r in rows) / len(rows))
    figures = {"documents": args.n, "queries": rows, "speedup_geomean": round(geo, 1),
               "writer_with_segments_vs_without": round(t_without / t_with, 3),
               "index_text_merge_us_per_doc": round(t_merge / args.n * 1e6, 1)}
    for r in rows:
        print(f"{r['query']:<8} {r['matches']:>6} matches  search {r['search_ms']:>8} ms  "
              f"$regex {r['regex_ms']:>8} ms  x{r['speedup']}")
    print(f"writer throughput with segments / without: {figures['writer_with_segments_vs_without']:.2f}")
    print(f"index-text (normalize and merge): {figures['index_text_merge_us_per_doc']} µs/doc")
    write_result("search", figures)
    headline(f"search: {geo:.1f}x faster than a $regex scan (geometric mean of {len(rows)} queries, "
             f"{args.n:,} posts); writer with segments = {figures['writer_with_segments_vs_without']:.2f} "
             f"of its speed without")


if __name__ == "__main__":
    main()
