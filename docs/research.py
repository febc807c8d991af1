"""Typical research questions on the govspider corpus, answered from MongoDB.

    python docs/research.py [--out DIR] [--account ID] [--dormant-days 14] [--data-dir DIR]

Connects as the ``govspider`` command does: ``MONGODB_URI`` (and ``MONGODB_DATABASE``) when
set, else the embedded server on ``GOVSPIDER_DATA_DIR`` (default ``./data``, where
``govspider demo`` puts its corpus). Prints tables and writes PNG charts into ``--out``.

Every question is one function taking the database and returning plain Python data, so it can
be reused in a notebook (``docs/research.md``):

* :func:`posting_cadence`     posts per week (weeks start on Monday, China time) per platform
* :func:`dormancy`            accounts whose last post is older than N days before the
                              corpus' newest post
* :func:`official_reply_rate` share of the public's comments that got an official reply
* :func:`topics_per_unit`     the most used topics (#话题#) of each unit
* :func:`findings_by_unit`    standing findings per unit and detector
* :func:`follower_series`     followers of one account over time (``account_metrics``)
* :func:`edit_history`        posts that were edited or deleted (``post_versions``)

Two limits of the embedded server (SecantusDB) shape the queries: inside aggregation
*expressions* a field path through an array (``"$media.type"``, ``{$arrayElemAt:
["$joined.name", 0]}`` after a ``$lookup``) gives wrong results, and ``$regex`` is Python's
``re``, not PCRE. So arrays are ``$unwind``-ed before they are grouped, joins between
collections are done in Python, and no query here uses ``$regex``. On a real MongoDB the same
code gives the same answers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from govspider.processors import CST

#: Findings a later scan no longer found, or that a supervisor rejected, are not counted.
NOT_STANDING = ("cleared", "dismissed")
NO_UNIT = "(no unit)"


# ============================================================================ helpers
def china(value: datetime) -> datetime:
    """A stored time (UTC, aware or naive) in China time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(CST)


def week_of(value: datetime) -> str:
    """The Monday (China time) of the week of ``value``: ``2026-11-16``."""
    local = china(value)
    return (local - timedelta(days=local.weekday())).strftime("%Y-%m-%d")


def accounts(db: Any) -> dict[str, dict[str, Any]]:
    """The monitored accounts (the ``accounts`` collection), by ``_id``."""
    fields = {"name": 1, "platform": 1, "unit": 1, "last_post_at": 1}
    return {str(a["_id"]): a for a in db["accounts"].find({}, fields)}


def _chunks(values: list[Any], size: int = 1000) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


# ============================================================================ questions
def posting_cadence(db: Any) -> dict[str, dict[str, int]]:
    """Posts per week per platform, of the monitored accounts: ``{platform: {monday: n}}``.

    Weeks with no post between a platform's first and last week are present with 0; a week
    runs from Monday 00:00 China time.
    """
    monitored = list(accounts(db))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for chunk in _chunks(monitored):
        query = {"account_id": {"$in": chunk}, "published_at": {"$ne": None}}
        for post in db["posts"].find(query, {"platform": 1, "published_at": 1}):
            counts[str(post.get("platform") or "?")][week_of(post["published_at"])] += 1
    out = {}
    for platform, weeks in sorted(counts.items()):
        first = datetime.strptime(min(weeks), "%Y-%m-%d")
        last = datetime.strptime(max(weeks), "%Y-%m-%d")
        span = (last - first).days // 7
        out[platform] = {(first + timedelta(weeks=i)).strftime("%Y-%m-%d"):
                         weeks.get((first + timedelta(weeks=i)).strftime("%Y-%m-%d"), 0)
                         for i in range(span + 1)}
    return out


def newest_time(db: Any) -> datetime | None:
    """The corpus' newest post time (the "now" of a corpus crawled in the past)."""
    newest = db["posts"].find_one({"published_at": {"$ne": None}}, {"published_at": 1},
                                  sort=[("published_at", -1)])
    return china(newest["published_at"]) if newest else None


def dormancy(db: Any, days: float = 14) -> tuple[datetime | None, list[dict[str, Any]]]:
    """Accounts whose last post is more than ``days`` before the corpus' newest post.

    Returns that newest time and one row per dormant account (``last_post_at`` ``None``:
    no post known), the longest silent first.
    """
    newest = newest_time(db)
    if newest is None:
        return None, []
    last: dict[str, datetime] = {}
    # plain field paths only: fine on the embedded server too
    for row in db["posts"].aggregate([
            {"$match": {"published_at": {"$ne": None}, "account_id": {"$ne": None}}},
            {"$group": {"_id": "$account_id", "last": {"$max": "$published_at"}}}]):
        last[str(row["_id"])] = china(row["last"])
    rows = []
    for account_id, account in accounts(db).items():
        seen = last.get(account_id) or (china(account["last_post_at"])
                                        if account.get("last_post_at") else None)
        silent = (newest - seen).total_seconds() / 86400 if seen else None
        if silent is None or silent > days:
            rows.append({"account_id": account_id, "name": account.get("name"),
                         "platform": account.get("platform"), "unit": account.get("unit"),
                         "last_post_at": seen, "days_silent": round(silent, 1) if silent else None})
    rows.sort(key=lambda r: -(r["days_silent"] if r["days_silent"] is not None else float("inf")))
    return newest, rows


def official_reply_rate(db: Any) -> list[dict[str, Any]]:
    """Per monitored account: comments from the public, how many got an official reply
    (a comment of the account answering it, ``reply_to``), and the share.

    An official comment posted under the post without answering a comment does not count
    (the ``no_interaction`` detector can be told to count it: ``same_post_reply_counts``).
    """
    answered_ids = set(db["comments"].distinct("reply_to", {"is_official": True}))
    public: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    for comment in db["comments"].find({"is_official": {"$ne": True}}, {"account_id": 1}):
        account_id = str(comment.get("account_id"))
        public[account_id] += 1
        if comment["_id"] in answered_ids:
            answered[account_id] += 1
    known = accounts(db)
    rows = []
    for account_id, n in sorted(public.items()):
        account = known.get(account_id, {})
        rows.append({"account_id": account_id, "name": account.get("name"),
                     "platform": account.get("platform") or account_id.split(":", 1)[0],
                     "comments": n, "answered": answered[account_id],
                     "rate": round(answered[account_id] / n, 4)})
    return rows


def topics_per_unit(db: Any, top: int = 5) -> dict[str, list[tuple[str, int]]]:
    """The ``top`` most used topics of each unit's posts: ``{unit: [(topic, posts), ...]}``."""
    units = {a: (d.get("unit") or NO_UNIT) for a, d in accounts(db).items()}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    # $unwind first: one row per topic, and no field path through an array in the $group
    for row in db["posts"].aggregate([
            {"$match": {"topics.0": {"$exists": True}}},
            {"$project": {"account_id": 1, "topics": 1}},
            {"$unwind": "$topics"},
            {"$group": {"_id": {"account": "$account_id", "topic": "$topics"}, "n": {"$sum": 1}}}]):
        account_id = str(row["_id"].get("account"))
        if account_id in units:  # posts of monitored accounts (not the originals they repost)
            counts[units[account_id]][str(row["_id"]["topic"])] += row["n"]
    return {unit: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
            for unit, c in sorted(counts.items())}


def _page_units(db: Any, page_ids: list[str]) -> dict[str, str]:
    """Pages -> the unit whose registered web site they are under (longest site prefix)."""
    sites = []
    for unit in db["registry"].find({}, {"website": 1}):
        website = unit.get("website")
        if website:
            sites.append((website.rsplit("/", 1)[0] + "/", str(unit["_id"])))
    sites.sort(key=lambda s: -len(s[0]))
    out = {}
    for chunk in _chunks(page_ids):
        for page in db["pages"].find({"_id": {"$in": chunk}}, {"url": 1, "account_id": 1}):
            url = str(page.get("url") or "")
            out[str(page["_id"])] = next((unit for prefix, unit in sites if url.startswith(prefix)),
                                         NO_UNIT)
    return out


def findings_by_unit(db: Any) -> dict[str, Counter[str]]:
    """Standing findings per unit and detector: ``{unit: Counter({detector: n})}``.

    A finding belongs to its account's unit; a counterfeit app to the unit whose official
    app it imitates; a web page finding to the unit whose registered site holds the page.
    """
    units = {a: (d.get("unit") or NO_UNIT) for a, d in accounts(db).items()}
    out: dict[str, Counter[str]] = defaultdict(Counter)
    pages: list[tuple[str, str]] = []
    for f in db["findings"].find({"status": {"$nin": list(NOT_STANDING)}},
                                 {"detector": 1, "account_id": 1, "evidence": 1,
                                  "subject_type": 1, "subject_id": 1}):
        evidence = f.get("evidence") or {}
        if f.get("account_id"):
            unit = units.get(str(f["account_id"]), NO_UNIT)
        elif evidence.get("official_unit") or evidence.get("unit"):
            unit = str(evidence.get("official_unit") or evidence.get("unit"))
        elif f.get("subject_type") == "page":
            pages.append((str(f["subject_id"]), str(f["detector"])))
            continue
        else:
            unit = NO_UNIT
        out[unit][str(f["detector"])] += 1
    page_units = _page_units(db, sorted({p for p, _ in pages}))
    for page_id, detector in pages:
        out[page_units.get(page_id, NO_UNIT)][detector] += 1
    return dict(sorted(out.items()))


def follower_series(db: Any, account_id: str | None = None) -> tuple[str | None, list[tuple[datetime, int]]]:
    """Followers of an account over time, China time; by default the account with the
    longest series."""
    if account_id is None:
        longest = list(db["account_metrics"].aggregate([
            {"$match": {"followers": {"$ne": None}}},
            {"$group": {"_id": "$account_id", "n": {"$sum": 1}}},
            {"$sort": {"n": -1, "_id": 1}}, {"$limit": 1}]))
        if not longest:
            return None, []
        account_id = str(longest[0]["_id"])
    series = [(china(m["at"]), int(m["followers"]))
              for m in db["account_metrics"].find(
                  {"account_id": account_id, "followers": {"$ne": None}},
                  {"at": 1, "followers": 1}).sort("at", 1)]
    return account_id, series


def edit_history(db: Any) -> list[dict[str, Any]]:
    """Posts with more than one recorded state (edited, deleted or restored), each with its
    account and its states in order: ``[{post_id, account_id, versions: [...]}]``."""
    posts: list[dict[str, Any]] = []
    for post_id, versions in _grouped(db["post_versions"].find(
            {}, {"post_id": 1, "seen_at": 1, "deleted": 1, "content_hash": 1, "text": 1,
                 "title": 1, "deleted_reason": 1}).sort([("post_id", 1), ("seen_at", 1)])):
        if len(versions) > 1 or any(v.get("deleted") for v in versions):
            posts.append({"post_id": post_id, "account_id": None, "versions": [
                {"seen_at": china(v["seen_at"]) if v.get("seen_at") else None,
                 "deleted": bool(v.get("deleted")), "content_hash": v.get("content_hash"),
                 "text": v.get("text"), "title": v.get("title"),
                 "deleted_reason": v.get("deleted_reason")} for v in versions]})
    # the account of each post: a join in Python (see the module's note on $lookup)
    owner = {}
    for chunk in _chunks([p["post_id"] for p in posts]):
        for post in db["posts"].find({"_id": {"$in": chunk}}, {"account_id": 1}):
            owner[post["_id"]] = post.get("account_id")
    for p in posts:
        p["account_id"] = owner.get(p["post_id"])
    return posts


def _grouped(rows: Iterable[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Consecutive rows of one ``post_id`` (the cursor is sorted by it)."""
    current, group = None, []
    for row in rows:
        if row.get("post_id") != current and group:
            yield str(current), group
            group = []
        current = row.get("post_id")
        group.append(row)
    if group:
        yield str(current), group


# ============================================================================ charts
def _figure(width: float = 8.0, height: float = 3.6) -> Any:
    from matplotlib.figure import Figure

    from govspider.report import chart_font

    chart_font()  # Chinese labels: the report's font set-up
    return Figure(figsize=(width, height), dpi=110)


def plot_cadence(cadence: dict[str, dict[str, int]], path: Path) -> Path:
    from govspider.report import PLATFORM_LABEL

    fig = _figure()
    ax = fig.add_subplot()
    for platform, weeks in cadence.items():
        ax.plot([datetime.strptime(w, "%Y-%m-%d") for w in weeks], list(weeks.values()),
                marker="o", markersize=2.5, label=PLATFORM_LABEL.get(platform, platform))
    ax.set_title("每周发文量（按周一起算，北京时间）")
    ax.set_ylabel("发文数")
    if cadence:
        ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_followers(account: str, name: str, series: list[tuple[datetime, int]], path: Path) -> Path:
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot([t.replace(tzinfo=None) for t, _ in series], [n for _, n in series], marker=".",
            markersize=3, color="#9e1b1b")
    ax.set_title(f"粉丝数：{name}（{account}）")
    ax.set_ylabel("粉丝数")
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    return path


# ============================================================================ main
def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def state_text(version: dict[str, Any], before: dict[str, Any] | None = None, width: int = 16) -> str:
    """A post state in a few characters: ``deleted``, its text's start, or, when it has the
    start of the state ``before`` it (an edit further on), ``…`` and what follows the part they
    share: the edit itself."""
    if version.get("deleted"):
        return "deleted"
    text = version.get("text") or ""
    previous = (before or {}).get("text") or ""
    if before is not None and not before.get("deleted") and previous != text:
        shared = len(os.path.commonprefix([previous, text]))
        if shared >= width:
            return "…" + text[shared:shared + width]
    return text[:width]


def report(db: Any, out: Path, account: str | None = None, dormant_days: float = 14,
           top: int = 5, console: Any = None) -> dict[str, Any]:
    """Answer every question: print the tables, write the charts; the answers."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    known = accounts(db)

    def table(title: str, *columns: str) -> Any:
        t = Table(title=title, title_justify="left")
        for c in columns:
            t.add_column(c, justify="right" if c in ("posts", "n", "rate", "days silent",
                                                    "comments", "answered") else "left")
        return t

    cadence = posting_cadence(db)
    weeks = sorted({w for c in cadence.values() for w in c})[-12:]
    t = table("Posts per week (China time, last 12 weeks)", "week (Monday)", *cadence)
    for w in weeks:
        t.add_row(w, *(str(cadence[p].get(w, 0)) for p in cadence))
    console.print(t)
    charts = [plot_cadence(cadence, out / "cadence.png")]

    newest, dormant = dormancy(db, dormant_days)
    t = table(f"Dormant accounts: no post in the {dormant_days:g} days before the newest post "
              f"({_day(newest)})", "account", "name", "unit", "last post", "days silent")
    for r in dormant:
        t.add_row(r["account_id"], r["name"] or "", r["unit"] or "", _day(r["last_post_at"]),
                  f"{r['days_silent']:g}" if r["days_silent"] is not None else "never")
    console.print(t)

    replies = official_reply_rate(db)
    t = table("Official reply rate: public comments with an official reply", "account", "name",
              "comments", "answered", "rate")
    for r in replies:
        t.add_row(r["account_id"], r["name"] or "", str(r["comments"]), str(r["answered"]),
                  f"{100 * r['rate']:.1f}%")
    by_platform: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in replies:
        by_platform[r["platform"]][0] += r["comments"]
        by_platform[r["platform"]][1] += r["answered"]
    for platform, (n, a) in sorted(by_platform.items()):
        t.add_row(f"[b]{platform}[/]", "all accounts", str(n), str(a), f"{100 * a / n:.1f}%")
    console.print(t)

    topics = topics_per_unit(db, top)
    t = table(f"Top {top} topics per unit", "unit", "topics (posts)")
    for unit, pairs in topics.items():
        t.add_row(unit, "  ".join(f"#{k}# {n}" for k, n in pairs))
    console.print(t)

    findings = findings_by_unit(db)
    t = table("Standing findings by unit and detector", "unit", "n", "by detector")
    for unit, c in findings.items():
        t.add_row(unit, str(sum(c.values())),
                  ", ".join(f"{d} {n}" for d, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))))
    console.print(t)

    account_id, series = follower_series(db, account)
    if series:
        name = str(known.get(account_id or "", {}).get("name") or account_id)
        charts.append(plot_followers(str(account_id), name, series, out / "followers.png"))
        first, last = series[0], series[-1]
        console.print(f"Followers of {name} ({account_id}): {len(series)} points, "
                      f"{first[1]:,} on {_day(first[0])} -> {last[1]:,} on {_day(last[0])}")
    else:
        console.print(f"Followers: no account_metrics{' for ' + account if account else ''}")

    edits = edit_history(db)
    t = table("Edited or deleted posts (post_versions)", "post", "account", "states", "history")
    for p in edits[:20]:
        states = p["versions"]
        t.add_row(p["post_id"], p["account_id"] or "", str(len(states)), " -> ".join(
            f"{_day(v['seen_at'])} {state_text(v, states[i - 1] if i else None)}"
            for i, v in enumerate(states)))
    if edits:
        console.print(t)
        edited = sum(1 for p in edits if len({v["content_hash"] for v in p["versions"]
                                              if not v["deleted"]}) > 1)
        deleted = sum(1 for p in edits if any(v["deleted"] for v in p["versions"]))
        console.print(f"Edit history: {len(edits)} posts, {edited} edited, {deleted} deleted "
                      "(times: when a crawl saw each state)")
    else:
        console.print("Edited or deleted posts: none recorded (a corpus crawled once has no "
                      "post_versions; re-crawls record them)")
    console.print("Charts: " + ", ".join(str(c) for c in charts))
    return {"cadence": cadence, "newest": newest, "dormant": dormant, "replies": replies,
            "topics": topics, "findings": findings, "followers": (account_id, series),
            "edits": edits, "charts": charts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="research", type=Path,
                        help="directory for the PNG charts (default: research)")
    parser.add_argument("--account", help="account _id of the follower chart "
                                          "(default: the one with the longest series)")
    parser.add_argument("--dormant-days", type=float, default=14,
                        help="days without a post that make an account dormant (default: 14)")
    parser.add_argument("--top", type=int, default=5, help="topics per unit (default: 5)")
    parser.add_argument("--data-dir", help="embedded server data directory, when MONGODB_URI is "
                                           "unset (default: GOVSPIDER_DATA_DIR, else ./data)")
    args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["GOVSPIDER_DATA_DIR"] = args.data_dir
    from govspider.storage import connect

    try:
        conn = connect(indexes=False)
    except Exception as exc:  # noqa: BLE001 - one line, as the govspider command says it
        print(f"error: cannot reach the corpus: {str(exc).splitlines()[0][:200]}", file=sys.stderr)
        return 2
    with conn:
        report(conn.db, args.out, account=args.account, dormant_days=args.dormant_days,
               top=args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
