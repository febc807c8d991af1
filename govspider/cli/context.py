"""What every ``govspider`` command shares: the one-line failures and their exit codes, the
project's settings, the corpus connection, ``--now``, the account registry, and small readers
of the user's files.

Command modules (``govspider.cli.<command>``) import this module and non-CLI govspider modules,
never each other; this module imports no command module.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import bson
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from govspider.alerts import Receiver, receivers_from
from govspider.detection import Detector
from govspider.pipelines.detect import select_detectors
from govspider.processors import CST, parse_time
from govspider.registry import AccountRegistry, RegistryError
from govspider.storage import Connection
from govspider.storage import connect as connect_storage
from govspider.storage.embedded import EmbeddedServerError
from govspider.storage.schema import SchemaVersionError
from govspider.storage.search_index import index_text

EXIT_CRAWL_UNHEALTHY = 1
EXIT_BAD_INPUT = 2
EXIT_PARSE_ERROR = 3

#: ``--collection`` of ``search`` and ``db index-text``: the collections searched or indexed
TEXT_COLLECTIONS = {"posts": ("posts",), "comments": ("comments",), "both": ("posts", "comments")}


class Failure(click.ClickException):
    """A user-facing failure: printed as one ``error:`` line."""

    exit_code = EXIT_BAD_INPUT


class CheckFailed(Failure):
    """A check ran and found what it checks for (exit 1)."""

    exit_code = 1


class CrawlUnhealthy(Failure):
    """A crawl ran but failed its health checks."""

    exit_code = EXIT_CRAWL_UNHEALTHY


# ------------------------------------------------------------------------------ settings
def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings (scrapy.cfg or govspider.settings), plus overrides."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govspider.settings")
    settings = get_project_settings()
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def split_pairs(pairs: tuple[str, ...], flag: str) -> dict[str, str]:
    """``-a``/``-s`` values (``NAME=VALUE``) as a dict; one-line :class:`Failure` otherwise."""
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise Failure(f"{flag} expects NAME=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key] = value
    return out


# ------------------------------------------------------------------------------ corpus
def connect(settings: Any = None, **kwargs: Any) -> Connection:
    """The corpus connection (``MONGODB_URI``, else the embedded server); one-line
    :class:`Failure` when it cannot be had."""
    try:
        return connect_storage(settings if settings is not None else load_settings(), **kwargs)
    except (EmbeddedServerError, SchemaVersionError, ValueError) as exc:
        raise Failure(str(exc)) from None
    except Exception as exc:  # pymongo: server selection, auth...
        raise Failure(f"cannot reach MongoDB: {str(exc).splitlines()[0][:200]}") from None


def check_storable(doc: dict[str, Any], where: str) -> None:
    """One-line :class:`Failure` when MongoDB (BSON) cannot store ``doc`` (an integer beyond
    64 bits, a key that is not text...): checked before anything is written."""
    try:
        bson.encode(doc)
    except (bson.errors.InvalidDocument, OverflowError, TypeError, ValueError) as exc:
        raise Failure(f"{where}: a value cannot be stored ({' '.join(str(exc).split())[:160]})"
                      ) from None


def index_search_text(db: Any, collections: tuple[str, ...], rebuild: bool) -> None:
    """``index_text`` with a progress bar on stderr and one summary line per collection."""
    console = Console(stderr=True)
    with Progress(TextColumn("indexing {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(collection: str, done: int, total: int) -> None:
            if collection not in tasks:
                tasks[collection] = bar.add_task(collection, total=total)
            bar.update(tasks[collection], completed=done, total=max(total, done))

        stats = index_text(db, collections, rebuild=rebuild, progress=progress)
    for s in stats:
        what = {"rebuild": "read from the collection", "merge": "merged and normalized",
                "current": "already up to date"}[s.mode]
        click.echo(f"{s.collection}: {s.entries:,} documents in {s.segments_after} search "
                   f"segment(s) ({what}; {s.segments_before} before) in {s.seconds:.1f}s", err=True)


# ------------------------------------------------------------------------------ options
def now_option(value: str | None) -> datetime | None:
    """``--now`` as a time (``None`` when not given); one-line :class:`Failure` when it is not
    ISO 8601."""
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise Failure(f"--now: not an ISO 8601 time: {value!r}") from None


def resolve_now(value: str | None = None) -> datetime:
    """``--now``, else the current China time."""
    return now_option(value) or datetime.now(CST)


def load_registry(path: str | None) -> AccountRegistry | None:
    """The account registry at ``path`` (YAML or CSV; ``None`` when no path is given);
    one-line :class:`Failure` when it cannot be read."""
    if not path:
        return None
    try:
        return AccountRegistry.load(path)
    except RegistryError as exc:
        raise Failure(str(exc)) from None


def detectors_option(names: str | None) -> list[Detector]:
    """``--detectors`` (comma-separated names; default: every installed detector)."""
    try:
        return select_detectors([n.strip() for n in names.split(",") if n.strip()] if names else None)
    except ValueError as exc:
        raise Failure(str(exc)) from None


def alert_receivers(settings: Any) -> list[Receiver]:
    """The configured alert receivers (GOVSPIDER_ALERTS); a bad configuration is a one-line
    error before any work."""
    try:
        return receivers_from(settings)
    except ValueError as exc:
        raise Failure(str(exc)) from None


# ------------------------------------------------------------------------------ input
def read_text(file: str, what: str = "") -> str:
    """A UTF-8 text file (``-``: standard input) as text; one-line :class:`Failure` for an
    unreadable, binary or non-UTF-8 file."""
    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {file}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Failure(f"{file}: not UTF-8 text (byte {exc.start}: a binary file?)") from None
    if "\0" in text:
        raise Failure(f"{file}: contains NUL characters (a binary file?)")
    return text


def json_line(line: str, where: str) -> Any:
    """One JSON value of a JSON-lines file; one-line :class:`Failure` when it is not JSON,
    nested too deeply, or holds text that is not valid Unicode (a lone surrogate)."""
    try:
        value = json.loads(line)
    except RecursionError:
        raise Failure(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:
        raise Failure(f"{where}: not JSON ({getattr(exc, 'msg', exc)})") from None
    _check_unicode(value, where)
    return value


def _check_unicode(value: Any, where: str) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise Failure(f"{where}: a lone surrogate (\\u{ord(v[_bad_at(v)]):04x}) is not "
                              f"valid text") from None
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _bad_at(text: str) -> int:
    return next(i for i, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF)


# ------------------------------------------------------------------------------ output
def dumps(obj: Any) -> str:
    """One line of JSON as the commands print it (Chinese as is; times and ids as text)."""
    return json.dumps(obj, ensure_ascii=False, default=str)
