"""``govspider export``: one collection of the corpus as a file (``govspider.export``)."""

from __future__ import annotations

import sys

import click

from govspider.cli.context import Failure, connect, load_settings
from govspider.export import (
    BINARY,
    FORMATS,
    XLSX_MAX_CELL,
    ExportError,
    Progress,
    Selection,
    check_writable,
    format_for,
    parse_bound,
)
from govspider.export import export as export_selection


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@click.command("export")
@click.argument("collection")
@click.option("--format", "fmt", metavar="|".join(FORMATS),
              help="Output format (default: from the --out suffix, else jsonl).")
@click.option("--out", metavar="PATH",
              help="Output file (default: standard output, jsonl and csv only); with "
                   "--per-account, a directory.")
@click.option("--platform", "platforms", multiple=True, metavar="NAME",
              help="Only this platform (a name `govspider plugins` lists); repeat or comma-separate.")
@click.option("--unit", "units", multiple=True, metavar="NAME",
              help="Only the accounts of this unit (主办单位); repeat or comma-separate.")
@click.option("--account", "accounts", multiple=True, metavar="ID",
              help="Only this account (_id, PLATFORM:ID); repeat or comma-separate.")
@click.option("--since", metavar="DATE", help="From this date or time (ISO 8601, China time "
              "unless an offset is given), on the collection's time field.")
@click.option("--until", metavar="DATE", help="Before this time; a bare date includes that day.")
@click.option("--fields", metavar="A,B", help="Only these columns, in this order ('metrics' "
              "selects every metrics.* column). Default: all but raw_html.")
@click.option("--per-account", is_flag=True, help="One file per account in the --out directory.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
def export(collection: str, fmt: str | None, out: str | None, platforms: tuple[str, ...],
           units: tuple[str, ...], accounts: tuple[str, ...], since: str | None,
           until: str | None, fields: str | None, per_account: bool, quiet: bool) -> None:
    """Export a collection of the corpus as JSON lines, CSV, Parquet or Excel.

    Nested fields become dotted columns (metrics.reposts), times are China time (+08:00), lists
    are native in jsonl/parquet and ';'-joined in csv/xlsx. CSV is UTF-8 with a byte-order
    mark, with formula-like cells escaped. Rows are streamed in batches: memory stays flat.

    Time fields: accounts.first_seen_at, account_metrics.at, posts.published_at,
    comments.published_at, apps.updated_at, pages.fetched_at, findings.detected_at,
    post_versions.seen_at, crawl_runs.started_at.
    """
    try:
        chosen = format_for(fmt, out)
        sel = Selection(collection=collection, platforms=_split(platforms), units=_split(units),
                        accounts=_split(accounts), since=parse_bound(since, "--since"),
                        until=parse_bound(until, "--until", end_of_day=True),
                        fields=_split((fields,)) if fields else ())
        sel.source  # noqa: B018 - an unknown collection fails before connecting
        if (out in (None, "-")) and chosen in BINARY and not per_account:
            raise ExportError(f"{chosen} is a binary format: give --out FILE")
        check_writable(out, per_account)
    except ExportError as exc:
        raise Failure(str(exc)) from None
    with connect(load_settings()) as conn, Progress(quiet) as progress:
        try:
            summary = export_selection(conn.db, sel, chosen, out, per_account=per_account,
                                       progress=progress)
        except ExportError as exc:
            raise Failure(str(exc)) from None
        except BrokenPipeError:  # `govspider export posts | head`
            sys.stderr.close()
            return
    if summary.late_columns:
        click.echo(f"warning: columns appeared while exporting (was the corpus being written?) "
                   f"and are not in the file: {', '.join(sorted(summary.late_columns)[:10])}",
                   err=True)
    if summary.truncated_cells:
        click.echo(f"warning: {summary.truncated_cells} cells were cut to Excel's "
                   f"{XLSX_MAX_CELL:,} characters", err=True)
    if not quiet:
        where = (f"{len(summary.files)} files in {out}" if per_account
                 else str(summary.files[0]) if summary.files else "standard output")
        click.echo(f"exported {summary.rows} {sel.collection} rows as {chosen} to {where}", err=True)

