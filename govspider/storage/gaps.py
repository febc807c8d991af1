"""Probes of the constructs where the embedded server (SecantusDB) and MongoDB answer differently.

Each :class:`Probe` runs one construct a researcher would use on a small invented corpus, in
temporary collections of the connected database (dropped afterwards), and compares the answer
with the one MongoDB's documentation gives (``expected``, written from the manual; the page is
in ``source``). :func:`check` runs them all; :func:`server_gaps` keeps those whose answer was
wrong or refused. ``govspider db check`` prints the same, and ``docs/embedded-server.md`` lists
every gap with its workaround and a bug report ready for upstream.

A probe's ``gap`` groups probes with one cause (several symptoms of "field paths do not
traverse arrays in expressions"). Probes with ``gap=None`` check constructs the embedded server
gets right and that our workarounds rely on: they must stay right.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

UTC = timezone.utc

#: The invented corpus every probe reads. Two accounts; three posts whose ``media`` are arrays
#: of subdocuments; publish times chosen so that China time (UTC+8) falls on another day and
#: week than UTC for ``p1`` (Saturday 31 October UTC is Sunday 1 November in China).
ACCOUNTS = [{"_id": "acct:1", "name": "江城发布"}, {"_id": "acct:2", "name": "江城公安"}]
POSTS = [
    {"_id": "p1", "account_id": "acct:1", "published_at": datetime(2026, 10, 31, 17, 0, tzinfo=UTC),
     "media": [{"type": "image"}, {"type": "video"}], "text": "北京2026年"},
    {"_id": "p2", "account_id": "acct:1", "published_at": datetime(2026, 11, 3, 17, 30, tzinfo=UTC),
     "media": [{"type": "video"}], "text": "ABC"},
    {"_id": "p3", "account_id": "acct:2", "published_at": datetime(2026, 10, 20, 0, 0, tzinfo=UTC),
     "media": [{"type": "image"}], "text": "１２３"},
]
KINDS = [{"_id": "image", "label": "图片"}, {"_id": "video", "label": "视频"}]
PLACES = [{"_id": i, "name": n} for i, n in enumerate(["上海", "北京", "郑州", "阿坝"])]

OK, WRONG, REFUSED = "ok", "wrong answer", "refused"


@dataclass(frozen=True)
class Probe:
    """One construct, how to run it, and what MongoDB answers."""

    name: str
    #: the cause it belongs to (a section of docs/embedded-server.md); None: no known gap
    gap: str | None
    construct: str
    #: ``run(collections)`` -> the answer; ``collections`` maps accounts/posts/kinds/places
    run: Callable[[dict[str, Any]], Any]
    expected: Any
    #: where MongoDB's documentation states the expected answer
    source: str


@dataclass
class ProbeResult:
    probe: Probe
    status: str  #: ok, wrong answer, refused
    actual: Any = None
    error: str | None = None

    @property
    def is_gap(self) -> bool:
        return self.status != OK


def canonical(value: Any) -> Any:
    """Answers made comparable: datetimes as UTC ISO text (with or without ``tz_aware``)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


P1, P2, P3 = (p["published_at"] for p in POSTS)


def _agg(c: dict[str, Any], name: str, pipeline: list[dict[str, Any]], **kw: Any) -> list[Any]:
    """Run ``pipeline`` on collection ``name``, naming the other probe collections in it."""
    def fix(stage: Any) -> Any:
        if isinstance(stage, dict):
            return {k: (c[v].name if k == "from" and v in c else fix(v)) for k, v in stage.items()}
        if isinstance(stage, list):
            return [fix(s) for s in stage]
        return stage
    return list(c[name].aggregate(fix(pipeline), **kw))


def _per_post(c: dict[str, Any], expr: Any) -> dict[str, Any]:
    return {d["_id"]: d.get("v", "<missing>")
            for d in _agg(c, "posts", [{"$project": {"v": expr}}, {"$sort": {"_id": 1}}])}


def _ids(cursor: Any) -> list[Any]:
    return sorted(d["_id"] for d in cursor)


_MANUAL = "https://www.mongodb.com/docs/manual/"

PROBES: list[Probe] = [
    # ---------------------------------------------------------------- array field paths
    Probe("max-of-joined-field", "array-field-path",
          '$lookup posts, then {$max: "$posts.published_at"} (last post of each account)',
          lambda c: {d["_id"]: d.get("last") for d in _agg(c, "accounts", [
              {"$lookup": {"from": "posts", "localField": "_id", "foreignField": "account_id",
                           "as": "posts"}},
              {"$project": {"last": {"$max": "$posts.published_at"}}}, {"$sort": {"_id": 1}}])},
          {"acct:1": _iso(P2), "acct:2": _iso(P3)},
          _MANUAL + "core/document/#dot-notation ; reference/operator/aggregation/max/"),
    Probe("arrayelemat-of-joined-field", "array-field-path",
          '$lookup accounts, then {$arrayElemAt: ["$joined.name", 0]}',
          lambda c: {d["_id"]: d.get("name") for d in _agg(c, "posts", [
              {"$lookup": {"from": "accounts", "localField": "account_id", "foreignField": "_id",
                           "as": "joined"}},
              {"$project": {"name": {"$arrayElemAt": ["$joined.name", 0]}}}, {"$sort": {"_id": 1}}])},
          {"p1": "江城发布", "p2": "江城发布", "p3": "江城公安"},
          _MANUAL + "reference/operator/aggregation/arrayElemAt/"),
    Probe("project-array-path", "array-field-path",
          '{$project: {types: "$media.type"}} where media is an array of subdocuments',
          lambda c: _per_post(c, "$media.type"),
          {"p1": ["image", "video"], "p2": ["video"], "p3": ["image"]},
          _MANUAL + "reference/operator/aggregation/project/#include-specific-fields-from-embedded-documents"),
    Probe("size-of-array-path", "array-field-path",
          '{$size: "$media.type"}',
          lambda c: _per_post(c, {"$size": "$media.type"}),
          {"p1": 2, "p2": 1, "p3": 1},
          _MANUAL + "reference/operator/aggregation/size/"),
    Probe("in-array-path", "array-field-path",
          '{$in: ["video", "$media.type"]}',
          lambda c: _per_post(c, {"$in": ["video", "$media.type"]}),
          {"p1": True, "p2": True, "p3": False},
          _MANUAL + "reference/operator/aggregation/in/"),
    Probe("group-by-array-path", "array-field-path",
          '{$group: {_id: "$media.type", n: {$sum: 1}}}',
          lambda c: sorted((d["_id"], d["n"]) for d in _agg(
              c, "posts", [{"$group": {"_id": "$media.type", "n": {"$sum": 1}}}])),
          [(["image"], 1), (["image", "video"], 1), (["video"], 1)],
          _MANUAL + "reference/operator/aggregation/group/"),
    Probe("distinct-array-path", "array-field-path",
          'db.posts.distinct("media.type")',
          lambda c: sorted(c["posts"].distinct("media.type")),
          ["image", "video"],
          _MANUAL + "reference/command/distinct/#array-fields"),
    Probe("lookup-localfield-array-path", "array-field-path",
          '$lookup with localField "media.type" (an array path)',
          lambda c: {d["_id"]: sorted(k["label"] for k in d["kinds"]) for d in _agg(c, "posts", [
              {"$lookup": {"from": "kinds", "localField": "media.type", "foreignField": "_id",
                           "as": "kinds"}}, {"$sort": {"_id": 1}}])},
          {"p1": ["图片", "视频"], "p2": ["视频"], "p3": ["图片"]},
          _MANUAL + "reference/operator/aggregation/lookup/#use--lookup-with-an-array"),
    # ---------------------------------------------------------------- regular expressions
    Probe("regex-unicode-property", "regex-not-pcre",
          r'{text: {$regex: "\\p{Han}"}} (PCRE Unicode property)',
          lambda c: _ids(c["posts"].find({"text": {"$regex": r"\p{Han}"}}, {"_id": 1})),
          ["p1"], _MANUAL + "reference/operator/query/regex/ (PCRE2 with UTF)"),
    Probe("regex-posix-class", "regex-not-pcre",
          '{text: {$regex: "[[:digit:]]"}} (POSIX class)',
          lambda c: _ids(c["posts"].find({"text": {"$regex": "[[:digit:]]"}}, {"_id": 1})),
          ["p1"], _MANUAL + "reference/operator/query/regex/ (PCRE2 POSIX classes, ASCII)"),
    Probe("regex-ascii-classes", "regex-not-pcre",
          r'\d and \w match ASCII only in MongoDB (no PCRE2_UCP; SERVER-23881)',
          lambda c: {p: _ids(c["posts"].find({"text": {"$regex": p}}, {"_id": 1}))
                     for p in (r"\d", r"^\w+$")},
          {r"\d": ["p1"], r"^\w+$": ["p2"]},
          "https://jira.mongodb.org/browse/SERVER-23881"),
    Probe("regex-pcre-escapes", "regex-not-pcre",
          r'PCRE escapes \x{5317} and \Q...\E',
          lambda c: [_ids(c["posts"].find({"text": {"$regex": p}}, {"_id": 1}))
                     for p in (r"\x{5317}", r"\Q2026\E")],
          [["p1"], ["p1"]], _MANUAL + "reference/operator/query/regex/"),
    # ---------------------------------------------------------------- time zones
    Probe("timezone-hour-offset", "timezone-offset-forms",
          '{$hour: {date: "$published_at", timezone: "+08"}} (the "+hh" offset form)',
          lambda c: _per_post(c, {"$hour": {"date": "$published_at", "timezone": "+08"}}),
          {"p1": 1, "p2": 1, "p3": 8},
          _MANUAL + "reference/operator/aggregation/hour/ (timezone: +/-[hh]:[mm], +/-[hh][mm], +/-[hh])"),
    # ---------------------------------------------------------------- collation, text
    Probe("collation-zh-pinyin", "collation-zh",
          'find().sort("name", 1).collation({locale: "zh"}) (pinyin order)',
          lambda c: [d["name"] for d in c["places"].find().sort("name", 1).collation({"locale": "zh"})],
          ["阿坝", "北京", "上海", "郑州"],
          _MANUAL + "reference/collation-locales-defaults/ (zh: pinyin)"),
    Probe("text-index", "text-index",
          'create_index([("text", "text")]) then {$text: {$search: "abc"}}',
          lambda c: (c["posts"].create_index([("text", "text")]),
                     _ids(c["posts"].find({"$text": {"$search": "abc"}}, {"_id": 1})))[1],
          ["p2"], _MANUAL + "core/indexes/index-types/index-text/"),
    # ---------------------------------------------------------------- constructs that work
    Probe("map-over-array", None,
          '{$map: {input: "$media", in: "$$this.type"}} (the array-path workaround)',
          lambda c: _per_post(c, {"$map": {"input": "$media", "in": "$$this.type"}}),
          {"p1": ["image", "video"], "p2": ["video"], "p3": ["image"]},
          _MANUAL + "reference/operator/aggregation/map/"),
    Probe("max-of-mapped-joined-field", None,
          '$lookup posts, then {$max: {$map: {input: "$posts", in: "$$this.published_at"}}}',
          lambda c: {d["_id"]: d.get("last") for d in _agg(c, "accounts", [
              {"$lookup": {"from": "posts", "localField": "_id", "foreignField": "account_id",
                           "as": "posts"}},
              {"$project": {"last": {"$max": {"$map": {"input": "$posts", "in": "$$this.published_at"}}}}},
              {"$sort": {"_id": 1}}])},
          {"acct:1": _iso(P2), "acct:2": _iso(P3)},
          _MANUAL + "reference/operator/aggregation/max/"),
    Probe("lookup-mapped-array", None,
          '$addFields a $map array of the types, then $lookup with it as localField',
          lambda c: {d["_id"]: sorted(k["label"] for k in d["kinds"]) for d in _agg(c, "posts", [
              {"$addFields": {"types": {"$map": {"input": "$media", "in": "$$this.type"}}}},
              {"$lookup": {"from": "kinds", "localField": "types", "foreignField": "_id",
                           "as": "kinds"}}, {"$sort": {"_id": 1}}])},
          {"p1": ["图片", "视频"], "p2": ["视频"], "p3": ["图片"]},
          _MANUAL + "reference/operator/aggregation/lookup/#use--lookup-with-an-array"),
    Probe("regex-explicit-classes", None,
          r'explicit classes [一-鿿] (the characters themselves), [0-9], [A-Za-z0-9_] in $regex and $regexMatch',
          lambda c: [_ids(c["posts"].find({"text": {"$regex": p}}, {"_id": 1}))
                     for p in ("[\u4e00-\u9fff]", "[0-9]", "^[A-Za-z0-9_]+$")]
          + [_per_post(c, {"$regexMatch": {"input": "$text", "regex": "^[\u4e00-\u9fff]{2}[0-9]{4}"}})],
          [["p1"], ["p1"], ["p2"], {"p1": True, "p2": False, "p3": False}],
          _MANUAL + "reference/operator/aggregation/regexMatch/"),
    Probe("unwind-group", None,
          '$unwind "$media", then $group by "$media.type"',
          lambda c: _agg(c, "posts", [{"$unwind": "$media"},
                                      {"$group": {"_id": "$media.type", "n": {"$sum": 1}}},
                                      {"$sort": {"_id": 1}}]),
          [{"_id": "image", "n": 2}, {"_id": "video", "n": 2}],
          _MANUAL + "reference/operator/aggregation/unwind/"),
    Probe("lookup-pipeline", None,
          "$lookup with let/pipeline: each account's latest post",
          lambda c: {d["_id"]: [p["_id"] for p in d["latest"]] for d in _agg(c, "accounts", [
              {"$lookup": {"from": "posts", "let": {"a": "$_id"}, "as": "latest", "pipeline": [
                  {"$match": {"$expr": {"$eq": ["$account_id", "$$a"]}}},
                  {"$sort": {"published_at": -1}}, {"$limit": 1}, {"$project": {"_id": 1}}]}},
              {"$sort": {"_id": 1}}])},
          {"acct:1": ["p2"], "acct:2": ["p3"]},
          _MANUAL + "reference/operator/aggregation/lookup/#correlated-subqueries-using-concise-syntax"),
    Probe("date-to-string-timezone", None,
          '$dateToString with timezone "+08:00" and "Asia/Shanghai"',
          lambda c: _per_post(c, [{"$dateToString": {"date": "$published_at", "format": "%Y-%m-%d %H:%M",
                                                     "timezone": tz}}
                                  for tz in ("+08:00", "Asia/Shanghai")]),
          {"p1": ["2026-11-01 01:00"] * 2, "p2": ["2026-11-04 01:30"] * 2,
           "p3": ["2026-10-20 08:00"] * 2},
          _MANUAL + "reference/operator/aggregation/dateToString/"),
    Probe("week-timezone", None,
          '$week and $isoWeek with timezone "Asia/Shanghai"',
          lambda c: _per_post(c, [{op: {"date": "$published_at", "timezone": "Asia/Shanghai"}}
                                  for op in ("$week", "$isoWeek")]),
          {"p1": [44, 44], "p2": [44, 45], "p3": [42, 43]},
          _MANUAL + "reference/operator/aggregation/week/ ; reference/operator/aggregation/isoWeek/"),
    Probe("facet", None,
          "$facet: a count and posts per account side by side",
          lambda c: _agg(c, "posts", [{"$facet": {
              "n": [{"$count": "n"}],
              "per_account": [{"$sortByCount": "$account_id"}, {"$sort": {"_id": 1}}]}}]),
          [{"n": [{"n": 3}], "per_account": [{"_id": "acct:1", "count": 2},
                                              {"_id": "acct:2", "count": 1}]}],
          _MANUAL + "reference/operator/aggregation/facet/"),
    Probe("set-window-fields", None,
          "$setWindowFields: the previous post of the same account ($shift)",
          lambda c: {d["_id"]: d.get("prev") for d in _agg(c, "posts", [
              {"$setWindowFields": {"partitionBy": "$account_id", "sortBy": {"published_at": 1},
                                    "output": {"prev": {"$shift": {"output": "$published_at", "by": -1}}}}},
              {"$sort": {"_id": 1}}])},
          {"p1": None, "p2": _iso(P1), "p3": None},
          _MANUAL + "reference/operator/aggregation/setWindowFields/"),
    Probe("collation-case-insensitive", None,
          'find({text: "abc"}).collation({locale: "en", strength: 2})',
          lambda c: _ids(c["posts"].find({"text": "abc"}, {"_id": 1}).collation({"locale": "en", "strength": 2})),
          ["p2"], _MANUAL + "reference/collation/"),
    Probe("match-array-of-subdocuments", None,
          'find({"media.type": "video"}) (a query, not an expression, through an array)',
          lambda c: _ids(c["posts"].find({"media.type": "video"}, {"_id": 1})),
          ["p1", "p2"], _MANUAL + "tutorial/query-array-of-documents/"),
]

#: probe name -> probe
BY_NAME = {p.name: p for p in PROBES}


@contextmanager
def probe_collections(db: Database[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The invented corpus in temporary collections of ``db`` (``tmp_gapcheck_*``), dropped after."""
    prefix = f"tmp_gapcheck_{uuid.uuid4().hex[:8]}_"
    data = {"accounts": ACCOUNTS, "posts": POSTS, "kinds": KINDS, "places": PLACES}
    collections = {name: db[prefix + name] for name in data}
    try:
        for name, docs in data.items():
            collections[name].insert_many([dict(d) for d in docs])
        yield collections
    finally:
        for collection in collections.values():
            collection.drop()


def run_probe(probe: Probe, collections: dict[str, Any]) -> ProbeResult:
    """Run one probe; an error from the server is a refusal, not a crash."""
    try:
        actual = canonical(probe.run(collections))
    except PyMongoError as exc:
        return ProbeResult(probe, REFUSED, error=" ".join(str(exc).split(", full error")[0].split())[:200])
    expected = canonical(probe.expected)
    return ProbeResult(probe, OK if actual == expected else WRONG, actual=actual)


def check(db: Database[dict[str, Any]], names: list[str] | None = None) -> list[ProbeResult]:
    """Run the probes (all, or ``names``) against the server of ``db``."""
    chosen = [BY_NAME[n] for n in names] if names else PROBES
    with probe_collections(db) as collections:
        return [run_probe(p, collections) for p in chosen]


def server_gaps(db: Database[dict[str, Any]]) -> dict[str, ProbeResult]:
    """The probes the server of ``db`` answers wrongly or refuses, by name."""
    return {r.probe.name: r for r in check(db) if r.is_gap}


def server_name(db: Database[dict[str, Any]]) -> str:
    """``SecantusDB 0.7.0b3 (MongoDB 8.2.11 API)`` or ``MongoDB 7.0.5``."""
    info = db.client.server_info()
    if info.get("secantusVersion"):
        return f"SecantusDB {info['secantusVersion']} (MongoDB {info.get('version')} API)"
    return f"MongoDB {info.get('version')}"
