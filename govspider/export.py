"""``govspider export``: one collection of the corpus as JSON lines, CSV, Parquet or Excel.

Rows are streamed: a cursor is read in batches and every batch is written before the next is
read, so memory stays flat however large the corpus. Nested documents are flattened into
dotted columns (``metrics.reposts``); times are China time (``+08:00``); lists stay lists in
JSON lines and Parquet and become one ``;``-joined cell in CSV and Excel.

CSV, Excel and Parquet need their columns before the first row, so they read the selection
twice: a first pass collects the columns (and, for Parquet, their types), the second writes.
JSON lines needs one pass.

See ``docs/research.md``.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from govspider.processors import CST, isoformat

FORMATS = ("jsonl", "csv", "parquet", "xlsx")
#: Formats that cannot go to standard output.
BINARY = ("parquet", "xlsx")
#: Documents read from the server per round trip, and rows per written batch (Parquet row
#: group, CSV/JSON lines flush).
BATCH = 1000
#: Excel's last row, the header included.
XLSX_MAX_ROWS = 1_048_576
#: Excel's longest cell text.
XLSX_MAX_CELL = 32_767
#: Left out unless ``--fields`` names them: whole HTML pages make unusable cells.
DEFAULT_EXCLUDED = ("raw_html",)
#: Parquet's time zone for times.
ARROW_TZ = "Asia/Shanghai"


class ExportError(ValueError):
    """Bad export input (unknown collection, filter that does not apply...): one line."""


@dataclass(frozen=True)
class Source:
    """How the filters of ``govspider export`` apply to one collection."""

    time: str | None = None  #: the collection's natural time field (``--since``/``--until``)
    platform: str | None = None  #: field holding the platform name
    prefixed: str | None = None  #: field holding an ``_id`` that starts with ``<platform>:``
    account: str | None = None  #: field holding the account's ``_id``
    via_post: str | None = None  #: field holding a post ``_id``: the account is the post's


#: The collections ``govspider export`` knows (docs/corpus.md).
SOURCES: dict[str, Source] = {
    "accounts": Source(time="first_seen_at", platform="platform", account="_id"),
    "account_metrics": Source(time="at", prefixed="account_id", account="account_id"),
    "posts": Source(time="published_at", platform="platform", account="account_id"),
    "comments": Source(time="published_at", platform="platform", account="account_id"),
    "apps": Source(time="updated_at", platform="platform"),
    "pages": Source(time="fetched_at", account="account_id"),
    "findings": Source(time="detected_at", platform="platform", account="account_id"),
    "post_versions": Source(time="seen_at", prefixed="post_id", via_post="post_id"),
    "crawl_runs": Source(time="started_at"),
}


@dataclass
class Selection:
    """What to export: a collection and its filters (empty tuples select everything)."""

    collection: str
    platforms: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    fields: tuple[str, ...] = ()

    @property
    def source(self) -> Source:
        try:
            return SOURCES[self.collection]
        except KeyError:
            raise ExportError(f"unknown collection {self.collection!r} (exportable: "
                              f"{', '.join(SOURCES)})") from None


@dataclass
class Summary:
    rows: int = 0
    files: list[Path] = field(default_factory=list)
    truncated_cells: int = 0
    #: columns that appeared between the two passes (documents written meanwhile): not exported
    late_columns: set[str] = field(default_factory=set)

    def add(self, other: Summary) -> None:
        self.rows += other.rows
        self.files += other.files
        self.truncated_cells += other.truncated_cells
        self.late_columns |= other.late_columns


# ============================================================================ times
def parse_bound(value: str | None, option: str, end_of_day: bool = False) -> datetime | None:
    """``--since``/``--until``: an ISO 8601 date or time, China time when it has no offset.

    A bare date given to ``--until`` means the end of that day (the bound is exclusive).
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ExportError(f"{option}: not an ISO 8601 date or time (2026-11-01, "
                          f"2026-11-01T08:00:00+08:00): {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    is_date = len(value.strip()) == 10
    if end_of_day and is_date:
        parsed = datetime.combine(parsed.date() + timedelta(days=1), time(), tzinfo=CST)
    return parsed


# ============================================================================ filters
def _platform_clause(source: Source, collection: str, platforms: tuple[str, ...]) -> dict[str, Any]:
    if source.platform:
        return {source.platform: {"$in": list(platforms)}}
    if source.prefixed:
        # "<platform>:" .. "<platform>;" brackets every _id of that platform (";" follows ":"):
        # a range uses the index and avoids $regex (the embedded server's $regex is Python's re)
        return {"$or": [{source.prefixed: {"$gte": f"{p}:", "$lt": f"{p};"}} for p in platforms]}
    raise ExportError(f"--platform does not apply to {collection}")


def account_clause(db: Any, source: Source, collection: str,
                   account_ids: list[str | None]) -> dict[str, Any]:
    """The filter selecting the documents of these accounts (``None``: of no account)."""
    if source.account:
        return {source.account: {"$in": account_ids}}
    if source.via_post:
        # post_versions name their post only: the account's posts give the ids (a join in
        # Python, as the embedded server mishandles field paths through $lookup results)
        named = [a for a in account_ids if a is not None]
        post_ids = db["posts"].distinct("_id", {"account_id": {"$in": named}}) if named else []
        if None in account_ids:  # versions of posts without an account, or not stored
            owned = db["posts"].distinct("_id", {"account_id": {"$ne": None}})
            return {"$or": [{source.via_post: {"$in": post_ids}},
                            {source.via_post: {"$nin": owned}}]}
        return {source.via_post: {"$in": post_ids}}
    raise ExportError(f"--account/--unit/--per-account do not apply to {collection}")


def _and(query: dict[str, Any], clause: dict[str, Any]) -> dict[str, Any]:
    return {"$and": [query, clause]} if query else clause


def build_filter(db: Any, sel: Selection) -> dict[str, Any]:
    """The MongoDB filter of a selection; :class:`ExportError` when a filter does not apply."""
    source = sel.source
    clauses: list[dict[str, Any]] = []
    if sel.platforms:
        clauses.append(_platform_clause(source, sel.collection, sel.platforms))
    if sel.units or sel.accounts:
        if not (source.account or source.via_post):
            what = "--unit" if sel.units else "--account"
            raise ExportError(f"{what} does not apply to {sel.collection}")
        if sel.units:
            in_units = db["accounts"].distinct("_id", {"unit": {"$in": list(sel.units)}})
            if not in_units:
                known = sorted(u for u in db["accounts"].distinct("unit") if u)
                raise ExportError(f"no account of unit {', '.join(sel.units)} in the corpus "
                                  f"(units: {', '.join(known[:10]) or 'none'}"
                                  f"{', ...' if len(known) > 10 else ''})")
            clauses.append(account_clause(db, source, sel.collection, in_units))
        if sel.accounts:
            clauses.append(account_clause(db, source, sel.collection, list(sel.accounts)))
    if sel.since or sel.until:
        if not source.time:
            raise ExportError(f"--since/--until do not apply to {sel.collection}")
        span: dict[str, datetime] = {}
        if sel.since:
            span["$gte"] = sel.since
        if sel.until:
            span["$lt"] = sel.until
        clauses.append({source.time: span})
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def projection(fields: tuple[str, ...]) -> dict[str, int] | None:
    if not fields:
        return dict.fromkeys(DEFAULT_EXCLUDED, 0)
    wanted = {f: 1 for f in fields}
    if "_id" not in wanted:
        wanted["_id"] = 0
    return wanted


def iter_docs(db: Any, collection: str, query: dict[str, Any], fields: tuple[str, ...],
              batch_size: int = BATCH) -> Iterator[dict[str, Any]]:
    """The flattened rows of a query, in ``_id`` order (indexed, so nothing is sorted in memory)."""
    cursor = db[collection].find(query, projection(fields)).sort("_id", 1).batch_size(batch_size)
    try:
        for doc in cursor:
            yield flatten(doc)
    finally:
        cursor.close()


# ============================================================================ values
def flatten(doc: dict[str, Any], prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"metrics": {"reposts": 3}}`` -> ``{"metrics.reposts": 3}``; lists are kept."""
    out = {} if out is None else out
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flatten(value, name + ".", out)  # an empty dict adds no column
        else:
            out[name] = value
    return out


def plain(value: Any) -> Any:
    """A JSON value: times as China-time ISO text, other BSON types as text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)  # ObjectId, Decimal128...


def _json(value: Any) -> str:
    return orjson.dumps(plain(value)).decode("utf-8")


def text_cell(value: Any) -> Any:
    """A spreadsheet cell (CSV, Excel): lists of scalars joined with ``;``, structures as JSON.

    Numbers and booleans stay themselves; ``None`` is an empty cell.
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            return _json(value)
        return ";".join(_text(text_cell(v)) for v in value)
    if isinstance(value, dict):
        return _json(value)
    return plain(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, datetime):
        return "time"
    if isinstance(value, (list, tuple)):
        return "list"
    return "other"


# ============================================================================ columns
class Columns:
    """The columns of a selection, in first-seen order, with the kinds of their values."""

    def __init__(self, fields: tuple[str, ...] = ()) -> None:
        self.fields = fields
        self.kinds: dict[str, set[str]] = {}
        self.item_kinds: dict[str, set[str]] = {}

    def see(self, row: dict[str, Any]) -> None:
        for name, value in row.items():
            k = kind(value)
            self.kinds.setdefault(name, set()).add(k)
            if k == "list":
                self.item_kinds.setdefault(name, set()).update(kind(v) for v in value)

    def names(self) -> list[str]:
        """Every column seen; with ``--fields``, in their order (a name also selects the
        columns below it: ``metrics`` selects ``metrics.reposts``...), unseen ones included."""
        if not self.fields:
            return list(self.kinds)
        out: list[str] = []
        for wanted in self.fields:
            below = [n for n in self.kinds if n == wanted or n.startswith(wanted + ".")]
            out.extend(n for n in (below or [wanted]) if n not in out)
        return out

    def arrow_schema(self) -> Any:
        return pa.schema([(n, self.arrow_type(n)) for n in self.names()])

    def arrow_type(self, name: str) -> Any:
        kinds = self.kinds.get(name, set()) - {"null"}
        if kinds == {"list"}:
            return pa.list_(_scalar_type(self.item_kinds.get(name, set()) - {"null"}))
        return _scalar_type(kinds)


def _scalar_type(kinds: set[str]) -> Any:
    if kinds == {"bool"}:
        return pa.bool_()
    if kinds == {"int"}:
        return pa.int64()
    if kinds and kinds <= {"int", "float"}:
        return pa.float64()
    if kinds == {"time"}:
        return pa.timestamp("ms", tz=ARROW_TZ)
    return pa.string()  # text, mixed kinds, structures (as JSON), nothing seen


def _arrow_value(value: Any, arrow_type: Any) -> Any:
    if value is None:
        return None
    if pa.types.is_list(arrow_type):
        if not isinstance(value, (list, tuple)):
            value = [value]
        return [_arrow_value(v, arrow_type.value_type) for v in value]
    if pa.types.is_string(arrow_type):
        if isinstance(value, str):
            return value
        if isinstance(value, (dict, list, tuple)):
            return _json(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(plain(value))
    if pa.types.is_floating(arrow_type):
        return float(value)
    if pa.types.is_timestamp(arrow_type) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)  # BSON dates are UTC
    return value


# ============================================================================ writers
class Writer:
    """Writes rows to one binary stream; ``columns`` is ``None`` for single-pass formats."""

    two_pass = True

    def __init__(self, stream: IO[bytes], columns: Columns | None, sheet: str = "") -> None:
        self.stream = stream
        self.columns = columns
        self.names = columns.names() if columns else []
        self.truncated = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.stream.flush()

    def abort(self) -> None:
        """Release what the writer holds after a failure (the file is discarded)."""


class JsonlWriter(Writer):
    two_pass = False

    def __init__(self, stream: IO[bytes], columns: Columns | None, sheet: str = "",
                 fields: tuple[str, ...] = ()) -> None:
        super().__init__(stream, columns)
        self.fields = fields

    def write(self, rows: list[dict[str, Any]]) -> None:
        lines = []
        for row in rows:
            if self.fields:
                row = {k: v for k, v in row.items()
                       if any(k == f or k.startswith(f + ".") for f in self.fields)}
            lines.append(orjson.dumps(plain(row)))
        if lines:
            self.stream.write(b"\n".join(lines) + b"\n")


class CsvWriter(Writer):
    """UTF-8 with a byte-order mark (Excel reads it as UTF-8); cells a spreadsheet would run
    as formulas are escaped with the report's helper."""

    def __init__(self, stream: IO[bytes], columns: Columns | None, sheet: str = "") -> None:
        # imported here: govspider.report loads matplotlib, a second more for every export
        from govspider.report import csv_cell

        super().__init__(stream, columns)
        self.cell = csv_cell
        self.text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
        self.csv = csv.writer(self.text)
        self.csv.writerow([self.cell(n) for n in self.names])

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.csv.writerows([[self._cell(row.get(n)) for n in self.names] for row in rows])

    def _cell(self, value: Any) -> Any:
        value = text_cell(value)
        return self.cell(_text(value) if isinstance(value, bool) else value)

    def close(self) -> None:
        self.text.flush()
        self.text.detach()  # the stream is the caller's (it may be standard output)
        super().close()


class ParquetWriter(Writer):
    """One row group per batch, with the schema the first pass found."""

    def __init__(self, stream: IO[bytes], columns: Columns | None, sheet: str = "") -> None:
        super().__init__(stream, columns)
        assert columns is not None
        self.schema = columns.arrow_schema()
        self.writer = pq.ParquetWriter(stream, self.schema, compression="zstd")

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        arrays = []
        for f in self.schema:
            try:
                arrays.append(pa.array([_arrow_value(r.get(f.name), f.type) for r in rows],
                                       type=f.type))
            except (pa.ArrowException, TypeError, ValueError, AttributeError):
                raise ExportError(f"column {f.name} changed type during the export (was the "
                                  f"corpus being written?): run it again") from None
        self.writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def close(self) -> None:
        self.writer.close()
        super().close()

    def abort(self) -> None:
        try:
            self.writer.close()
        except (OSError, ValueError):
            pass


class XlsxWriter(Writer):
    """xlsxwriter in ``constant_memory`` mode: each row goes to disk as it is written. Text is
    written as text (never as a formula); times are Excel dates in China time."""

    def __init__(self, stream: IO[bytes], columns: Columns | None, sheet: str = "") -> None:
        super().__init__(stream, columns)
        self.book = xlsxwriter.Workbook(stream, {
            "constant_memory": True, "nan_inf_to_errors": True, "strings_to_numbers": False,
            "strings_to_formulas": False, "strings_to_urls": False,
            "tmpdir": tempfile.gettempdir()})
        self.sheet = self.book.add_worksheet(sheet[:31] or "export")
        self.when = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        bold = self.book.add_format({"bold": True})
        for col, name in enumerate(self.names):
            self.sheet.write_string(0, col, name, bold)
        self.sheet.freeze_panes(1, 0)
        self.row = 1

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            for col, name in enumerate(self.names):
                self._cell(col, row.get(name))
            self.row += 1

    def _cell(self, col: int, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            self.sheet.write_datetime(self.row, col, value.astimezone(CST).replace(tzinfo=None),
                                      self.when)
            return
        value = text_cell(value)
        if isinstance(value, bool):
            self.sheet.write_boolean(self.row, col, value)
        elif isinstance(value, (int, float)):
            self.sheet.write_number(self.row, col, value)
        elif self.sheet.write_string(self.row, col, value) == -2:  # longer than Excel allows
            self.truncated += 1

    def close(self) -> None:
        self.book.close()
        super().close()

    def abort(self) -> None:
        try:
            self.book.close()  # also removes its temporary row files
        except Exception:  # noqa: BLE001 - the file is discarded anyway
            pass


WRITERS: dict[str, type[Writer]] = {"jsonl": JsonlWriter, "csv": CsvWriter,
                                    "parquet": ParquetWriter, "xlsx": XlsxWriter}


# ============================================================================ export
class Progress:
    """A progress bar on standard error (rich), silent when stderr is not a terminal or quiet."""

    def __init__(self, quiet: bool = False) -> None:
        console = Console(stderr=True)
        self.bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), console=console, transient=True,
                                disable=quiet or not console.is_terminal)
        self.task: Any = None

    def start(self, description: str, total: int) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
        self.task = self.bar.add_task(description, total=total)

    def advance(self, n: int) -> None:
        self.bar.advance(self.task, n)

    def __enter__(self) -> Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)


class _Silent:
    def start(self, description: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_one(db: Any, sel: Selection, query: dict[str, Any], fmt: str, stream: IO[bytes],
              progress: Any, label: str, batch_size: int = BATCH) -> Summary:
    """Write the documents of ``query`` to ``stream``."""
    writer_class = WRITERS[fmt]
    columns = None
    total = db[sel.collection].count_documents(query)
    if writer_class.two_pass:
        columns = Columns(sel.fields)
        progress.start(f"{label}: columns", total)
        for batch in _batches(iter_docs(db, sel.collection, query, sel.fields, batch_size),
                              batch_size):
            for row in batch:
                columns.see(row)
            progress.advance(len(batch))
    if writer_class is JsonlWriter:
        writer: Writer = JsonlWriter(stream, None, fields=sel.fields)
    else:
        writer = writer_class(stream, columns, sheet=sel.collection)
    progress.start(f"{label}: rows", total)
    summary = Summary()
    known = set(columns.kinds) if columns is not None and not sel.fields else None
    try:
        for batch in _batches(iter_docs(db, sel.collection, query, sel.fields, batch_size),
                              batch_size):
            if known is not None:
                for row in batch:
                    if not row.keys() <= known:
                        summary.late_columns.update(row.keys() - known)
            writer.write(batch)
            summary.rows += len(batch)
            progress.advance(len(batch))
    except BaseException:
        writer.abort()
        raise
    writer.close()
    summary.truncated_cells = writer.truncated
    return summary


def _check_size(db: Any, sel: Selection, query: dict[str, Any], fmt: str) -> None:
    if fmt == "xlsx":
        n = db[sel.collection].count_documents(query)
        if n + 1 > XLSX_MAX_ROWS:
            raise ExportError(f"{n:,} rows do not fit in an Excel sheet ({XLSX_MAX_ROWS - 1:,} "
                              f"at most): narrow the selection, use --per-account, csv or parquet")


def _part_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.part-{os.getpid()}")


def export(db: Any, sel: Selection, fmt: str, out: str | None, *, per_account: bool = False,
           progress: Any = None, batch_size: int = BATCH) -> Summary:
    """Export a selection to ``out`` (a file; ``None`` or ``-``: standard output; with
    ``per_account``: a directory). Files appear whole or not at all."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
    progress = progress or _Silent()
    query = build_filter(db, sel)
    if per_account:
        return _export_per_account(db, sel, query, fmt, out, progress, batch_size)
    _check_size(db, sel, query, fmt)
    if out in (None, "-"):
        if fmt in BINARY:
            raise ExportError(f"{fmt} is a binary format: give --out FILE")
        return write_one(db, sel, query, fmt, sys.stdout.buffer, progress, sel.collection,
                         batch_size)
    check_writable(out, per_account=False)
    path = Path(out)
    part = _part_path(path)
    try:
        with _open_out(part, out) as fh:
            summary = write_one(db, sel, query, fmt, fh, progress, sel.collection, batch_size)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    summary.files.append(path)
    return summary


def check_writable(out: str | None, per_account: bool) -> None:
    """Fail in one line, before any work, when ``out`` cannot be written."""
    if out in (None, "-"):
        return
    path = Path(out)
    if per_account:
        if path.exists() and not path.is_dir():
            raise ExportError(f"--out {out} is a file: --per-account needs a directory")
        target = path if path.is_dir() else next((p for p in path.parents if p.exists()), Path("."))
        if not os.access(target, os.W_OK | os.X_OK):
            raise ExportError(f"cannot write into {out}: permission denied")
        return
    if path.is_dir():
        raise ExportError(f"--out {out} is a directory (a file is expected; --per-account "
                          f"writes into a directory)")
    part = _part_path(path)
    _open_out(part, out).close()
    part.unlink(missing_ok=True)


def _open_out(path: Path, shown: str) -> IO[bytes]:
    try:
        return path.open("wb")
    except OSError as exc:
        raise ExportError(f"cannot write {shown}: {exc.strerror}") from None


def file_name(account_id: str | None, fmt: str) -> str:
    """The file of one account: ``p:6100000001`` -> ``p_6100000001.csv``."""
    if account_id is None:
        return f"no_account.{fmt}"
    stem = quote(str(account_id).replace(":", "_", 1), safe="-_.=@")
    return f"{stem.lstrip('.') or '_'}.{fmt}"


def accounts_of(db: Any, sel: Selection, query: dict[str, Any]) -> list[str | None]:
    """The accounts the selected documents belong to (``None``: documents without one)."""
    source = sel.source
    coll = db[sel.collection]
    if source.via_post:
        post_ids = coll.distinct(source.via_post, query)
        found = db["posts"].distinct("account_id", {"_id": {"$in": post_ids}})
    elif source.account:
        found = coll.distinct(source.account, query)
    else:
        raise ExportError(f"--per-account does not apply to {sel.collection}")
    named: list[str | None] = sorted(str(a) for a in found if a is not None)
    orphans = coll.count_documents(_and(query, account_clause(db, source, sel.collection, [None])))
    return named + ([None] if orphans else [])


def _export_per_account(db: Any, sel: Selection, query: dict[str, Any], fmt: str,
                        out: str | None, progress: Any, batch_size: int) -> Summary:
    if not out or out == "-":
        raise ExportError("--per-account writes one file per account: give --out DIR")
    check_writable(out, per_account=True)
    directory = Path(out)
    created = [d for d in (directory, *directory.parents) if not d.exists()]  # deepest first
    try:
        directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=directory))
    except OSError as exc:
        raise ExportError(f"cannot write into {out}: {exc.strerror}") from None
    summary = Summary()
    done = False
    try:
        written: list[str] = []
        for account in accounts_of(db, sel, query):
            one = _and(query, account_clause(db, sel.source, sel.collection, [account]))
            _check_size(db, sel, one, fmt)
            name = file_name(account, fmt)
            with (staging / name).open("wb") as fh:
                part = write_one(db, sel, one, fmt, fh, progress, account or "no account",
                                 batch_size)
            if part.rows:
                written.append(name)
                summary.add(part)
            else:
                (staging / name).unlink()
        for name in written:  # all files appear once every one is complete
            (staging / name).replace(directory / name)
            summary.files.append(directory / name)
        done = True
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for made in created if not done else ():
            try:
                made.rmdir()  # only when empty
            except OSError:
                break
    return summary


def format_for(fmt: str | None, out: str | None) -> str:
    """``--format``, else the suffix of ``--out``, else JSON lines."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
        return fmt
    if not out or out == "-":
        return "jsonl"
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix == "":
        return "jsonl"  # a directory of per-account files, or a file without a suffix
    raise ExportError(f"cannot tell the format of {out} from its suffix: give --format "
                      f"({', '.join(FORMATS)})")
