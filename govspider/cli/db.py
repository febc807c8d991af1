"""``govspider db``: the corpus database: serve the embedded one, migrate, check, document,
probe the server's gaps, bring the search index up to date."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from govspider import datamodel
from govspider.cli.context import (
    TEXT_COLLECTIONS,
    CheckFailed,
    Failure,
    connect,
    index_search_text,
    load_settings,
)
from govspider.storage import gaps
from govspider.storage.embedded import EmbeddedServer, EmbeddedServerError
from govspider.storage.migrate import migrate
from govspider.storage.schema import (
    SCHEMA_VERSION,
    SchemaVersionError,
    check_not_newer,
    check_validation,
    stored_version,
)


@click.group()
def db() -> None:
    """The corpus database: serve the embedded one, migrate, check, document."""


@db.command("serve")
@click.option("--port", default=27017, show_default=True, help="TCP port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True)
def db_serve(port: int, host: str) -> None:
    """Serve the embedded corpus on a MongoDB port for mongosh / Compass / pymongo."""
    settings = load_settings()
    if os.environ.get("MONGODB_URI"):
        raise Failure("MONGODB_URI is set: the corpus is already served by that MongoDB")
    server = EmbeddedServer(settings.get("GOVSPIDER_DATA_DIR"), port=port, host=host)
    # Ctrl-C while the server starts stops it too (the port may answer before start() returns)
    try:
        try:
            uri = server.start()
        except EmbeddedServerError as exc:
            raise Failure(str(exc)) from None
        if not server.owned and server.port != port:
            click.echo(f"note: this data directory is already served on port {server.port}", err=True)
        click.echo(f"Serving {Path(settings.get('GOVSPIDER_DATA_DIR')).resolve()} at {uri}")
        click.echo(f"  mongosh '{uri}'   # then: use govspider; db.posts.findOne()")
        click.echo("Press Ctrl-C to stop.")
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:  # SIGTERM and SIGHUP raise Terminated: exit 143 / 129
        pass
    finally:
        server.stop()


@db.command("migrate")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
def db_migrate(dry_run: bool) -> None:
    """Bring the corpus to the current schema version (see docs/data-model.md).

    Idempotent: a second run changes nothing. Each step prints the documents it looked at and
    changed, by field (`-name`: removed). The validators are applied at the end.
    """
    settings = load_settings()
    try:
        validation = check_validation(settings.get("GOVSPIDER_SCHEMA_VALIDATION") or "warn")
    except ValueError as exc:
        raise Failure(str(exc)) from None
    console = Console(stderr=True)
    with connect(settings, indexes=False) as conn:
        version = stored_version(conn.db)
        if version is None:
            click.echo(f"database {conn.db.name!r} holds no corpus: nothing to migrate")
            return
        try:
            check_not_newer(conn.db, version)
        except SchemaVersionError as exc:
            raise Failure(str(exc)) from None
        with Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                      console=console, transient=True) as bar:
            def progress(step: str, total: int) -> Any:
                task = bar.add_task(step, total=max(total, 1))
                return lambda n: bar.advance(task, n)

            result = migrate(conn.db, dry_run=dry_run, progress=progress,
                             base_url=settings.get("WEB_BASE_URL") or "",  # names-a-plugin: schema-1 site paths
            validation=validation)
    for step in result.results:
        click.echo(step.line(dry_run))
    if dry_run:
        click.echo(f"dry run: schema version {version} -> {SCHEMA_VERSION}, "
                   f"{result.changed:,} documents would change; nothing written")
    elif version < SCHEMA_VERSION or result.changed:
        click.echo(f"schema version {version} -> {SCHEMA_VERSION}: "
                   f"{result.changed:,} documents changed; validators applied")
    else:
        click.echo(f"already at schema version {SCHEMA_VERSION}: nothing to change")


@db.command("dictionary")
@click.option("--out", type=click.Path(dir_okay=False), help="Write it to FILE (default: print).")
@click.option("--check", is_flag=True,
              help="Exit 1 when --out FILE differs from what the code generates.")
@click.option("--json", "as_json", is_flag=True, help="Print the validators ($jsonSchema) as JSON.")
def db_dictionary(out: str | None, check: bool, as_json: bool) -> None:
    """The data dictionary (docs/data-dictionary.md), generated from the item classes, the
    storage records and the platforms' field declarations."""
    if check and not out:
        raise Failure("--check needs --out FILE")
    text = (json.dumps(datamodel.validators(), ensure_ascii=False, indent=1) + "\n") if as_json \
        else datamodel.render_markdown()
    if not out:
        click.echo(text, nl=False)
        return
    path = Path(out)
    if check:
        try:
            current = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise Failure(f"cannot read {out}: {exc.strerror}") from None
        if current != text:
            raise CheckFailed(f"{out} differs from the generated dictionary: run "
                              f"`govspider db dictionary --out {out}`")
        click.echo(f"{out} is up to date")
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Failure(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"wrote {out}")


@db.command("check")
@click.option("--limit", default=20, show_default=True, help="Problems shown per collection.")
def db_check(limit: int) -> None:
    """Check every stored document against the data dictionary (fields, platforms' keys,
    required fields); exit 1 when some document breaks it."""
    bad = 0
    with connect(indexes=False) as conn:  # a check writes nothing
        version = stored_version(conn.db)
        click.echo(f"schema version {version if version is not None else '-'} "
                   f"(this govspider writes {SCHEMA_VERSION})")
        names = set(conn.db.list_collection_names())
        for name in datamodel.collections():
            if name not in names:
                continue
            problems: Counter[str] = Counter()
            checked = 0
            for doc in conn.db[name].find():
                checked += 1
                problems.update(datamodel.check_document(name, doc))
            bad += sum(problems.values())
            click.echo(f"{name}: {checked:,} documents, "
                       f"{sum(problems.values()):,} problems")
            for problem, n in problems.most_common(limit):
                click.echo(f"  {n:,} x {problem}")
    if bad:
        raise CheckFailed(f"{bad:,} problems: the corpus does not follow the data dictionary "
                          "(an older corpus: `govspider db migrate`)")


@db.command("gaps")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per probe.")
def db_gaps(as_json: bool) -> None:
    """Probe the connected server for the known gaps of the embedded one.

    Runs each construct of docs/embedded-server.md (array field paths in expressions, PCRE
    regex syntax, time-zone offsets, zh collation, text indexes...) on a small invented corpus
    in temporary collections, and compares the answer with MongoDB's documented one.
    """
    with connect() as conn:
        server = gaps.server_name(conn.db)
        results = gaps.check(conn.db)
    if as_json:
        for r in results:
            click.echo(json.dumps({"probe": r.probe.name, "gap": r.probe.gap, "status": r.status,
                                   "construct": r.probe.construct, "expected": gaps.canonical(r.probe.expected),
                                   "actual": r.actual, "error": r.error, "source": r.probe.source},
                                  ensure_ascii=False, default=str))
        return
    bad = [r for r in results if r.is_gap]
    click.echo(f"{server}: {len(results) - len(bad)} of {len(results)} constructs answer as "
               f"MongoDB documents; {len(bad)} do not")
    for r in results:
        mark = "ok  " if not r.is_gap else ("WRONG" if r.status == gaps.WRONG else "REFUSED")
        click.echo(f"  {mark:<7} {r.probe.name:<30} {r.probe.construct}")
        if r.is_gap:
            detail = r.error if r.error else f"got {json.dumps(r.actual, ensure_ascii=False, default=str)[:120]}"
            click.echo(f"          {detail}")
    if bad:
        causes = sorted({r.probe.gap for r in bad if r.probe.gap} | {"unexpected" for r in bad if not r.probe.gap})
        click.echo(f"Workarounds: docs/embedded-server.md ({', '.join(causes)})")
    sys.stdout.flush()


@db.command("index-text")
@click.option("--collection", "which", type=click.Choice(list(TEXT_COLLECTIONS)), default="both",
              show_default=True, help="Index posts, comments or both.")
@click.option("--rebuild", is_flag=True, help="Read every document again instead of merging.")
def db_index_text(which: str, rebuild: bool) -> None:
    """Bring the full-text search index (collection search_segments) up to date.

    The storage writer adds what it stores to the index as it goes; this normalizes and merges
    those additions (fast), and reads the whole collection when the index does not cover it
    (a corpus stored before the index existed) or with --rebuild. Safe during a crawl.
    """
    with connect() as conn:
        index_search_text(conn.db, TEXT_COLLECTIONS[which], rebuild)
