"""``govspider search``: full-text search of posts and comments.

The search itself is :mod:`govspider.storage.search_index`; ``govspider db index-text`` brings
its index up to date.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from govspider.cli.context import TEXT_COLLECTIONS, Failure, connect, index_search_text
from govspider.processors import CST, parse_time
from govspider.storage.search_index import Filters, Hit, SearchResult, normalized, searchable_text
from govspider.storage.search_index import search as run_search
from govspider.textnorm import normalize

_DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
#: pending entries past which a search suggests ``govspider db index-text``
PENDING_NOTE = 20_000


def _time_option(value: str | None, flag: str, end: bool = False) -> datetime | None:
    """An ISO 8601 time (China time when naive); a bare date as ``--until`` means the end of
    that day."""
    if not value:
        return None
    try:
        at = parse_time(value)
    except ValueError:
        raise Failure(f"{flag}: not an ISO 8601 date or time: {value!r}") from None
    if at is None:
        return None
    return at + timedelta(days=1) if end and _DATE_ONLY.match(value.strip()) else at


@click.command()
@click.argument("query", required=False)
@click.option("--collection", "which", type=click.Choice(list(TEXT_COLLECTIONS)), default="both",
              show_default=True, help="Search posts, comments or both.")
@click.option("--platform", help="Only this platform (a name `govspider plugins` lists).")
@click.option("--account", help="Only this account (its _id, PLATFORM:ID).")
@click.option("--since", help="Published at or after (ISO 8601; a date is China time).")
@click.option("--until", help="Published before (ISO 8601; a bare date includes that day).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=0),
              help="Matches to print, newest first (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per match.")
@click.option("--reindex", is_flag=True,
              help="First bring the search index up to date (govspider db index-text).")
def search(query: str | None, which: str, platform: str | None, account: str | None,
           since: str | None, until: str | None, limit: int, as_json: bool, reindex: bool) -> None:
    """Full-text search of posts and comments (Chinese, exact substring).

    Finds every post (title or text) and comment containing QUERY, of any length, once both
    are normalized: traditional and simplified Chinese match each other, full-width and
    half-width letters and digits too, ASCII letters ignore case. Prints the newest matches
    with their account, time (China time) and the match in context.
    """
    if not query and not reindex:
        raise Failure("give a QUERY (or --reindex)")
    filters = Filters(platform=platform, account=account, since=_time_option(since, "--since"),
                      until=_time_option(until, "--until", end=True))
    if filters.since and filters.until and filters.since >= filters.until:
        raise Failure("--since is not before --until")
    collections = TEXT_COLLECTIONS[which]
    with connect() as conn:
        if reindex:
            index_search_text(conn.db, collections, rebuild=False)
        if not query:
            return
        try:
            result = run_search(conn.db, query, collections, filters, limit)
        except ValueError as exc:
            raise Failure(str(exc)) from None
        names = _account_names(conn.db, {h.account_id for h in result.hits if h.account_id})
    _notes(result)
    rows = [_row(h, result.query, names) for h in result.hits]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    _print(result, rows, limit)


def _account_names(db: Any, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {a["_id"]: a["name"] for a in db["accounts"].find({"_id": {"$in": sorted(ids)}}, {"name": 1})
            if a.get("name")}


def _notes(result: SearchResult) -> None:
    for collection, n in result.uncovered.items():
        click.echo(f"note: {n:,} {collection} are not in the search index (stored before it, or "
                   f"by another program): a scan found their matches; run `govspider db "
                   f"index-text` to make searches fast", err=True)
    if result.pending > PENDING_NOTE:
        click.echo(f"note: {result.pending:,} documents stored since the last `govspider db "
                   f"index-text` are normalized at every search; run it to make searches faster",
                   err=True)
    if result.stale:
        click.echo(f"note: {result.stale} match(es) dropped: their stored text changed outside "
                   f"govspider's writer; run `govspider db index-text --rebuild`", err=True)


def snippet(text: str, query_normalized: str, width: int = 40) -> tuple[str, int, int]:
    """The match of ``query_normalized`` in ``text`` with ``width`` characters around it, on
    one line: ``(snippet, start, end)`` of the match in the snippet (``-1, -1`` if none)."""
    norm = normalize(text)
    pos = norm.text.find(query_normalized)
    if pos < 0:
        return " ".join(text[:2 * width].split()), -1, -1
    start, end = norm.span_to_original(pos, pos + len(query_normalized))
    left, right = max(0, start - width), min(len(text), end + width)
    before = ("…" if left else "") + text[left:start].replace("\n", " ")
    match = text[start:end].replace("\n", " ")
    after = text[end:right].replace("\n", " ") + ("…" if right < len(text) else "")
    return before + match + after, len(before), len(before) + len(match)


def _row(hit: Hit, query: str, names: dict[str, str]) -> dict[str, Any]:
    doc = hit.doc or {}
    text, start, end = snippet(searchable_text(hit.collection, doc) or "", normalized(query))
    return {"collection": hit.collection, "_id": hit.id, "account_id": hit.account_id,
            "account_name": names.get(hit.account_id or ""), "platform": hit.platform,
            "published_at": hit.published_at.astimezone(CST).isoformat() if hit.published_at else None,
            "deleted": bool(doc.get("deleted")), "post_id": doc.get("post_id"),
            "snippet": text, "match": [start, end]}


def _print(result: SearchResult, rows: list[dict[str, Any]], limit: int) -> None:
    console = Console(highlight=False, soft_wrap=True)
    plain = not console.is_terminal
    shown = f"; the newest {len(rows)}" if limit and result.total > len(rows) else ""
    click.echo(f"{result.total:,} match(es) for 「{result.query}」{shown} ({result.seconds:.2f}s)")
    for row in rows:
        when = (row["published_at"] or "time unknown")[:16].replace("T", " ")
        who = row["account_id"] or "-"
        if row["account_name"]:
            who += f" {row['account_name']}"
        flags = " [deleted]" if row["deleted"] else ""
        s, a, b = row["snippet"], *row["match"]
        if a < 0:
            body = escape(s)
        elif plain:
            body = escape(f"{s[:a]}»{s[a:b]}«{s[b:]}")
        else:
            body = f"{escape(s[:a])}[bold reverse]{escape(s[a:b])}[/]{escape(s[b:])}"
        console.print(f"{escape(when)}  {escape(who)}  {row['collection'][:-1]} "
                      f"{escape(row['_id'])}{flags}")
        console.print(f"    {body}")
