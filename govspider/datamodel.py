"""The corpus's data model as code: the one source of the data dictionary and the validators.

Every collection is described by a class: the item classes of :mod:`govspider.items` for what
crawls and scans store, and the record classes below for what storage, the registry import
and the scheduler store. A field's type comes from its annotation, its description from its
``#:`` comment, and whether every document holds it from the class (``required``, ``stored``,
``stored_with``, fields without a ``None`` default). Which platforms set a field comes from
the platform plugins' declarations (``Platform.fields``).

From these come:

* the data dictionary, ``docs/data-dictionary.md`` (:func:`render_markdown`; ``govspider db
  dictionary`` writes it, and a test fails when the file differs from what the code says);
* the MongoDB ``$jsonSchema`` validator of each collection (:func:`json_schema`), applied by
  :func:`govspider.storage.schema.ensure_indexes`;
* :func:`check_document`, which tells what in a stored document the dictionary does not
  describe (an undocumented field, a key a platform did not declare, a missing field).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import re
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from bson import ObjectId

from govspider import items
from govspider.plugins import installed_plugins

#: The version of the data model this code writes (``meta``, ``_id: "schema"``). Version 2:
#: one rule per field (``docs/data-model.md``, "Changes from version 1"); ``govspider db
#: migrate`` brings a version-1 corpus to it. (Also importable from govspider.storage.schema.)
SCHEMA_VERSION = 2

#: Fields whose values are objects with keys a platform declares (``extra.bid``...).
DECLARED_KEYS = ("extra", "metrics")


# ================================================================================== records
@dataclass
class Record:
    """A collection that no item type fills: storage's, the registry import's, the scheduler's."""

    collection: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    #: where the documents come from (the dictionary says it)
    written_by: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ("_id",)
    stored: ClassVar[tuple[str, ...]] = ()
    stored_with: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: documents may hold fields beyond these (the registry file's own keys)
    open: ClassVar[bool] = False
    #: fields that may hold ``null``
    nullable: ClassVar[tuple[str, ...]] = ()
    #: no validator is applied (a collection another library manages)
    validated: ClassVar[bool] = True


@dataclass
class Sighting(Record):
    """What storage adds to every document of a crawled collection (and to findings)."""

    first_seen_at: datetime  #: when the document was first stored
    #: when a crawl (or a scan, or an import) last saw it; absent on a registry stub no crawl
    #: has reached
    last_seen_at: datetime | None = None
    #: the run that last saw it (a ``crawl_runs`` ``_id``; ``scan-<time>`` for findings,
    #: ``import`` for imported metrics)
    crawl_id: str | None = None
    #: hash of what the last sighting said (every field the crawler set, storage's own
    #: excluded): a re-sighting with the same hash only moves ``last_seen_at`` and ``crawl_id``
    doc_hash: str | None = None


@dataclass
class FindingMarks(Record):
    """What scans and alerts add to findings."""

    cleared_at: datetime | None = None  #: when a scan no longer found it (``status: cleared``)
    alerted_at: datetime | None = None  #: when every alert receiver took the veto finding


@dataclass
class PostVersion(Record):
    collection: ClassVar[str] = "post_versions"
    summary: ClassVar[str] = "one state of a post (text or deletion) a crawl saw"
    written_by: ClassVar[str] = "storage, when a re-sighting of a post changes its text or deletion"

    _id: str  #: ``<post _id>|<content_hash>|<1 when deleted, else 0>``
    post_id: str  #: ``_id`` of the post
    deleted: bool  #: the post was deleted in this state
    seen_at: datetime  #: the earliest sighting of this state
    #: ``content_hash`` of this state; absent for a post never seen with its text
    content_hash: str | None = None
    title: str | None = None  #: the title in this state
    text: str | None = None  #: the text in this state
    deleted_reason: str | None = None  #: the platform's notice, in a deleted state


@dataclass
class CrawlRun(Record):
    collection: ClassVar[str] = "crawl_runs"
    summary: ClassVar[str] = "one run of one spider"
    written_by: ClassVar[str] = "the store pipeline, when the crawl opens and when it closes"
    stored_with: ClassVar[dict[str, tuple[str, ...]]] = {
        "finished_at": ("finish_reason", "stats", "errors", "write_errors")}

    _id: str  #: the crawl id, ``<spider>-<UTC time>-<random>``
    spider: str  #: the spider's name
    started_at: datetime  #: when the crawl opened
    status: str  #: ``running`` while the crawl runs, ``finished`` once it closed
    finished_at: datetime | None = None  #: when it closed
    #: Scrapy's finish reason (``finished``, ``shutdown``, ``storage_unavailable``...)
    finish_reason: str | None = None
    #: the crawl's stats, with ``.`` and ``$`` in names replaced by ``_``; the health verdict
    #: is ``govspider/health/passed``
    stats: dict[str, Any] | None = None
    errors: dict[str, int] | None = None  #: platform errors by kind (``login_required``...)
    write_errors: list[dict[str, Any]] | None = None  #: documents storage could not write
    #: the accounts a *completed* run was asked to crawl (where the next incremental crawl of
    #: each stops); absent on a run that was not completed
    accounts_completed: list[str] | None = None
    #: the frozen clock the crawl ran at (``GOVSPIDER_NOW``): the sandbox world's "now" for
    #: a sandbox crawl, or a replay's; absent for a crawl on the real clock
    now: datetime | None = None


@dataclass
class RawResponse(Record):
    collection: ClassVar[str] = "raw_responses"
    summary: ClassVar[str] = "an archived response body, evidence that survives deletion"
    written_by: ClassVar[str] = "the spiders, with GOVSPIDER_ARCHIVE_RESPONSES on"

    _id: str  #: sha256 (hex) of the body: the same body is kept once
    url: str  #: the URL it was fetched from
    status: int  #: the HTTP status
    fetched_at: datetime  #: when it was fetched
    headers: dict[str, str]  #: content-type, date, last-modified, etag, server (never cookies)
    size: int  #: the body's length in bytes
    encoding: str  #: ``zlib``
    body: bytes  #: the compressed body


@dataclass
class RegistryUnit(Record):
    collection: ClassVar[str] = "registry"
    summary: ClassVar[str] = "a unit of the imported account registry"
    written_by: ClassVar[str] = "`govspider accounts import` (and the demo)"
    open: ClassVar[bool] = True

    _id: str  #: the unit's name
    name: str  #: the unit's name (主办单位)
    imported_at: datetime  #: when the registry was last imported
    accounts: list[dict[str, Any]]  #: ``[{"platform", "platform_id", "name"}]``
    #: ``[{"name", "abbreviations", "developer", "package", "bundle_id", "itunes_id"}]``
    apps: list[dict[str, Any]]
    region: str | None = None  #: the region as the registry file gives it (a GB/T 2260 code)
    region_name: str | None = None  #: the region's name
    level: str | None = None  #: ``province``, ``city``, ``county`` or ``""``
    website: Any = None  #: the unit's site: a URL or a list of URLs (paths join the web plugin's base URL)


@dataclass
class Meta(Record):
    collection: ClassVar[str] = "meta"
    summary: ClassVar[str] = "facts about the corpus itself"
    written_by: ClassVar[str] = "storage, when it connects, and `govspider db migrate`"

    _id: str  #: ``schema`` (the data model's version) or ``search_index`` (search coverage)
    #: ``schema``: the version of this data model the corpus follows
    schema_version: int | None = None
    #: ``schema``: when ``govspider db migrate`` brought the corpus to its version
    migrated_at: datetime | None = None
    #: ``search_index``: collection -> whether ``search_segments`` cover every document of it
    complete: dict[str, bool] | None = None


@dataclass
class SearchSegment(Record):
    collection: ClassVar[str] = "search_segments"
    summary: ClassVar[str] = ("a compressed block of the searchable texts of posts or comments "
                              "(`govspider search`; `govspider.storage.search_index`)")
    written_by: ClassVar[str] = "storage, for each batch of new or changed posts and comments, and `govspider db index-text`"

    _id: str  #: ``<collection>:<hash>``
    texts_of: str  #: ``posts`` or ``comments``: whose texts the segment holds
    seq: int  #: when it was written (ns since 1970); the newest segment holding a document wins
    n: int  #: entries in the segment
    normalized: bool  #: whether its texts are normalized already (``db index-text`` does it)
    created_at: datetime  #: when it was written
    #: zlib of five columns: ``_id``, ``account_id``, ``platform``, ``published_at`` (ms), text
    data: bytes


@dataclass
class ScheduleJob(Record):
    collection: ClassVar[str] = "schedule_jobs"
    summary: ClassVar[str] = "a job of `govspider schedule run --config` (APScheduler's job store)"
    written_by: ClassVar[str] = "APScheduler's MongoDB job store (no validator: the library owns it)"
    nullable: ClassVar[tuple[str, ...]] = ("next_run_time",)
    validated: ClassVar[bool] = False

    _id: str  #: ``job:<name>``, or ``deferred:<name>`` for a run waiting for its time window
    next_run_time: float | None  #: next run, UTC seconds since 1970 (``null``: paused)
    job_state: bytes  #: the pickled job


@dataclass
class ScheduleRun(Record):
    collection: ClassVar[str] = "schedule_runs"
    summary: ClassVar[str] = "one run of a scheduled job"
    written_by: ClassVar[str] = "`govspider schedule run`"
    stored_with: ClassVar[dict[str, tuple[str, ...]]] = {
        "finished_at": ("failed_steps", "steps")}

    _id: ObjectId  #: an ObjectId
    job: str  #: the job's name
    status: str  #: ``running``, ``ok``, ``failed``, or ``deferred`` (due outside its window)
    started_at: datetime | None = None  #: when the run started
    finished_at: datetime | None = None  #: when it ended
    due_at: datetime | None = None  #: deferred: when it was due
    run_at: datetime | None = None  #: deferred: when its window opens
    spiders: list[str] | None = None  #: the job's spiders
    deferred: bool | None = None  #: the run was deferred to its window before
    failed_steps: int | None = None  #: crawls and scan of the round that failed
    steps: list[str] | None = None  #: one line per step: what ran, its exit code


RECORDS: tuple[type[Record], ...] = (PostVersion, CrawlRun, RawResponse, RegistryUnit, Meta,
                                     SearchSegment, ScheduleJob, ScheduleRun)
#: item collections whose documents storage stamps (:class:`Sighting`)
SIGHTED = tuple(cls.collection for cls in items.ITEM_TYPES.values())
#: collections whose documents belong to one platform (a column per platform in the dictionary)
PER_PLATFORM = ("accounts", "account_metrics", "posts", "comments", "apps", "pages")


# ================================================================================== fields
@dataclass(frozen=True)
class FieldSpec:
    """One field of a collection."""

    name: str
    bson: tuple[str, ...]  #: BSON types (``()``: any)
    description: str
    required: bool = False  #: on every document
    required_with: str | None = None  #: on every document that holds this other field
    general: bool = False  #: per-platform collections: any platform's documents may hold it
    storage: bool = False  #: added by storage (:class:`Sighting`, :class:`FindingMarks`)
    items: tuple[str, ...] = ()  #: arrays: the BSON types of the elements
    values: tuple[str, ...] = ()  #: objects: the BSON types of the values, when one type


@dataclass(frozen=True)
class CollectionSpec:
    """One collection: its fields, in the order the class declares them."""

    name: str
    summary: str
    source: str  #: the class it is generated from
    written_by: str
    fields: tuple[FieldSpec, ...]
    open: bool = False
    validated: bool = True
    nullable: tuple[str, ...] = ()

    @property
    def per_platform(self) -> bool:
        return self.name in PER_PLATFORM

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def common(self) -> set[str]:
        """Fields any platform's documents may hold (no per-platform declaration needed)."""
        return {f.name for f in self.fields if f.required or f.general or f.storage}


_SCALARS: dict[Any, tuple[str, ...]] = {
    str: ("string",), bool: ("bool",), int: ("int", "long"), float: ("double", "int", "long"),
    datetime: ("date",), bytes: ("binData",), ObjectId: ("objectId",)}


def _bson(tp: Any) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(types, element types, value types) of an annotation."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in args if a is not type(None)]
        if len(kinds) == 1:
            return _bson(kinds[0])
        return tuple(dict.fromkeys(t for k in kinds for t in _bson(k)[0])), (), ()
    if tp is Any:
        return (), (), ()
    if origin in (list, tuple):
        return ("array",), _bson(args[0])[0] if args else (), ()
    if origin is dict or tp is dict:
        return ("object",), (), _bson(args[1])[0] if len(args) == 2 else ()
    if tp in _SCALARS:
        return _SCALARS[tp], (), ()
    raise TypeError(f"no BSON type for the annotation {tp!r}")


@functools.cache
def _comments(cls: type) -> dict[str, str]:
    """Field name -> its ``#:`` comment (the lines above the field, or the one after it)."""
    out: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r"\s{4}(\w+)\s*:\s*([^#]*?)(?:\s*#:\s*(.*))?$", line)
        if match and not line.startswith(" " * 5) and "ClassVar" not in match.group(2):
            trailing = match.group(3)
            out[match.group(1)] = " ".join(pending + [trailing] if trailing else pending)
        pending = []
    return out


def _fields_of(cls: type, *, general: tuple[str, ...] = (), storage: bool = False,
               required_with: dict[str, str] | None = None,
               required_extra: tuple[str, ...] = ()) -> list[FieldSpec]:
    hints = typing.get_type_hints(cls)
    comments = _comments(cls)
    required = set(getattr(cls, "required", ())) | set(getattr(cls, "stored", ())) \
        | set(required_extra)
    out = []
    for f in dataclasses.fields(cls):
        always = f.default is not None  # no default, a default factory, or a default value
        bson, element, values = _bson(hints[f.name])
        description = comments.get(f.name, "")
        if not description:
            raise ValueError(f"{cls.__name__}.{f.name} has no #: description")
        out.append(FieldSpec(
            name=f.name, bson=bson, description=description, items=element, values=values,
            required=f.name in required or (always and f.name not in (required_with or {})),
            required_with=(required_with or {}).get(f.name), general=f.name in general,
            storage=storage))
    return out


def _dependencies(cls: type) -> dict[str, str]:
    return {target: source for source, targets in getattr(cls, "stored_with", {}).items()
            for target in targets}


def _item_spec(cls: type[items.Item]) -> CollectionSpec:
    deps = _dependencies(cls)
    fields = _fields_of(cls, general=cls.general, required_with=deps)
    if "_id" not in cls.required:  # an _id storage sets (account_metrics): first, as elsewhere
        fields = [dataclasses.replace(f, required=True) for f in fields if f.name == "_id"] \
            + [f for f in fields if f.name != "_id"]
    # storage's fields: a registry stub of an account no crawl reached has first_seen_at only
    stub = cls.collection == "accounts"
    sighting = _fields_of(Sighting, storage=True,
                          required_with={n: "crawl_id" for n in ("last_seen_at", "doc_hash")}
                          if stub else None,
                          required_extra=() if stub else ("last_seen_at", "crawl_id", "doc_hash"))
    fields += sighting
    if cls.collection == "findings":
        fields += _fields_of(FindingMarks, storage=True)
    return CollectionSpec(name=cls.collection, summary=cls.summary,
                          source=f"{cls.__module__}.{cls.__qualname__}",
                          written_by="crawls" if cls.collection != "findings" else "scans (and crawls with detection on)",
                          fields=tuple(fields))


def _record_spec(cls: type[Record]) -> CollectionSpec:
    return CollectionSpec(name=cls.collection, summary=cls.summary,
                          source=f"{cls.__module__}.{cls.__qualname__}",
                          written_by=cls.written_by,
                          fields=tuple(_fields_of(cls, required_with=_dependencies(cls))),
                          open=cls.open, validated=cls.validated, nullable=cls.nullable)


@functools.cache
def collections() -> dict[str, CollectionSpec]:
    """Every collection of the corpus, item collections first."""
    out = {cls.collection: _item_spec(cls) for cls in items.ITEM_TYPES.values()}
    out.update((cls.collection, _record_spec(cls)) for cls in RECORDS)
    return out


# ================================================================================== platforms
def platforms(builtin_only: bool = False) -> dict[str, Any]:
    """Installed platforms by name (``builtin_only``: the project's own plugins, as the
    generated dictionary lists them)."""
    reg = installed_plugins()
    found = dict(sorted(reg.platforms.items()))
    if builtin_only:
        found = {name: p for name, p in found.items()
                 if reg.module_of("platform", name).startswith("govspider_plugins.")}
    return found


def declared(platform: Any, collection: str) -> dict[str, str]:
    """Fields (and ``extra.*`` / ``metrics.*`` keys) a platform declares for a collection."""
    return dict((getattr(platform, "fields", None) or {}).get(collection, {}))


def platform_of(collection: str, doc: dict[str, Any]) -> str | None:
    """The platform a document belongs to (``account_metrics``: its account's)."""
    if doc.get("platform"):
        return str(doc["platform"])
    if collection == "account_metrics" and isinstance(doc.get("account_id"), str):
        return doc["account_id"].split(":", 1)[0]
    return None


# ================================================================================== validators
def json_schema(spec: CollectionSpec) -> dict[str, Any]:
    """The ``$jsonSchema`` of a collection (MongoDB's dialect: ``bsonType``, draft 4)."""
    props: dict[str, Any] = {}
    for f in spec.fields:
        prop: dict[str, Any] = {}
        kinds = f.bson + (("null",) if f.name in spec.nullable else ())
        if kinds:
            prop["bsonType"] = kinds[0] if len(kinds) == 1 else list(kinds)
        if f.items:
            prop["items"] = {"bsonType": f.items[0] if len(f.items) == 1 else list(f.items)}
        if f.values:
            prop["additionalProperties"] = {
                "bsonType": f.values[0] if len(f.values) == 1 else list(f.values)}
        props[f.name] = prop
    schema: dict[str, Any] = {"bsonType": "object",
                              "required": [f.name for f in spec.fields if f.required],
                              "properties": props}
    if not spec.open:
        schema["additionalProperties"] = False
    deps: dict[str, list[str]] = {}
    for f in spec.fields:
        if f.required_with:
            deps.setdefault(f.required_with, []).append(f.name)
    if deps:
        schema["dependencies"] = deps
    return schema


def validators() -> dict[str, dict[str, Any]]:
    """Collection -> its ``$jsonSchema``, for the collections that get a validator."""
    return {name: json_schema(spec) for name, spec in collections().items() if spec.validated}


def _is_bson(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("int", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        return -2**31 <= value < 2**31 if kind == "int" else -2**63 <= value < 2**63
    if kind == "double":
        return isinstance(value, float)
    if kind == "date":
        return isinstance(value, datetime)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, (list, tuple))
    if kind == "binData":
        return isinstance(value, bytes)
    if kind == "objectId":
        return isinstance(value, ObjectId)
    if kind == "null":
        return value is None
    raise ValueError(f"unknown bsonType {kind!r}")


def python_validator(collection: str) -> Any:
    """A ``jsonschema`` validator of a collection's ``$jsonSchema`` for documents as pymongo
    returns them (the ``bsonType`` keyword checked as MongoDB does)."""
    import jsonschema  # import-here: the dev extra's (not a dependency); only tests validate

    def bson_type(validator: Any, kinds: Any, instance: Any, schema: Any) -> Any:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is_bson(k, instance) for k in kinds):
            yield jsonschema.ValidationError(f"{instance!r:.60} is not of bsonType {kinds}")

    cls = jsonschema.validators.extend(jsonschema.Draft4Validator, {"bsonType": bson_type})
    return cls(json_schema(collections()[collection]))


# ================================================================================== checks
def check_document(collection: str, doc: dict[str, Any],
                   known: dict[str, Any] | None = None) -> list[str]:
    """What in a stored document the dictionary does not say: a field it does not list, a
    field or ``extra`` / ``metrics`` key the document's platform does not declare, a field
    every such document holds that is missing. ``known``: platforms by name (default: the
    installed ones)."""
    spec = collections()[collection]
    problems = []
    names = {f.name for f in spec.fields}
    if not spec.open:
        problems += [f"{key}: not in the dictionary" for key in doc if key not in names]
    for f in spec.fields:
        if f.name in doc:
            continue
        if f.required:
            problems.append(f"{f.name}: missing (on every document)")
        elif f.required_with and f.required_with in doc:
            problems.append(f"{f.name}: missing (on every document with {f.required_with})")
    if spec.per_platform:
        name = platform_of(collection, doc)
        platform = (known if known is not None else platforms()).get(name or "")
        if platform is None:
            return problems + [f"platform {name!r}: not an installed platform"]
        allowed = declared(platform, collection)
        allowed.update((key.split(".", 1)[0], "") for key in list(allowed) if "." in key)
        common = spec.common()
        problems += [f"{key}: not declared by {name}" for key in doc
                     if key in names and key not in common and key not in allowed]
        for key in DECLARED_KEYS:
            value = doc.get(key)
            if isinstance(value, dict):
                problems += [f"{key}.{sub}: not declared by {name}" for sub in value
                             if f"{key}.{sub}" not in allowed]
    return problems


# ================================================================================== markdown
def _md(text: str) -> str:
    """A ``#:`` comment (reST double backticks) as Markdown table-cell text."""
    return text.replace("``", "`").replace("|", "\\|")


def _type_name(f: FieldSpec) -> str:
    def one(kinds: tuple[str, ...]) -> str:
        if not kinds:
            return "any"
        if kinds in (("int", "long"),):
            return "int"
        if kinds == ("double", "int", "long"):
            return "number"
        return " or ".join(kinds)

    if f.items:
        return f"array of {one(f.items)}"
    if f.values:
        return f"object of {one(f.values)}"
    return one(f.bson)


def _required_text(f: FieldSpec) -> str:
    if f.required:
        return "yes"
    if f.required_with:
        return f"with `{f.required_with}`"
    return ""


def _platform_cell(spec: CollectionSpec, f: FieldSpec, known: dict[str, Any]) -> str:
    if f.name in spec.common():
        return "all"
    names = [n for n, p in known.items()
             if f.name in declared(p, spec.name)
             or (f.name in DECLARED_KEYS and any(k.startswith(f.name + ".")
                                                 for k in declared(p, spec.name)))]
    return ", ".join(names) or "—"


def render_markdown(version: int | None = None) -> str:
    """``docs/data-dictionary.md``: every collection and field, generated from the code."""
    version = SCHEMA_VERSION if version is None else version
    known = platforms(builtin_only=True)
    specs = collections()
    lines = [
        "# Data dictionary",
        "",
        "<!-- Generated by `govspider db dictionary --out docs/data-dictionary.md` from",
        "     govspider/items.py, govspider/datamodel.py and the plugins' `fields` declarations.",
        "     Do not edit: tests/core/test_datamodel.py fails when it differs from the code. -->",
        "",
        f"Schema version **{version}** (stored in `meta`, `_id: \"schema\"`). The rules behind "
        "these fields, and what changed from version 1, are in [data-model.md](data-model.md).",
        "",
        "How to read the tables:",
        "",
        "- **required** `yes`: every document holds the field; `with X`: every document that "
        "holds `X` holds it too; empty: absent when unknown (never `null`, never 0 for an "
        "unknown count).",
        "- **platforms** (collections whose documents belong to one platform): `all` when any "
        "platform's documents may hold it, else the platforms whose documents do; keys inside "
        "`extra` and `metrics` are listed per platform below each table.",
        "- Types are BSON types: `date` is a UTC date (pymongo: `tz_aware=True`), `int` a 32- "
        "or 64-bit integer, `number` an integer or a double.",
        "- The validator of each collection (`$jsonSchema`) is at the end; see "
        "[data-model.md](data-model.md#validators) for how it is applied.",
        "",
        "Platforms: " + ", ".join(f"`{n}`" for n in known) + ".",
        "",
        "| collection | one document per | written by |",
        "|---|---|---|",
    ]
    lines += [f"| [`{s.name}`](#{s.name}) | {_md(s.summary)} | "
              f"{_md(s.written_by)} |" for s in specs.values()]
    for spec in specs.values():
        summary = _md(spec.summary)
        lines += ["", f"## {spec.name}", "", f"{summary[:1].upper()}{summary[1:]}. Generated "
                  f"from `{spec.source}`."]
        if spec.open:
            lines += ["", "Other keys of the registry file's unit are kept as they are."]
        lines += [""]
        if spec.per_platform:
            lines += ["| field | type | required | platforms | description |", "|---|---|---|---|---|"]
        else:
            lines += ["| field | type | required | description |", "|---|---|---|---|"]
        for f in spec.fields:
            desc = _md(f.description) + (" *(storage)*" if f.storage else "")
            cells = [f"`{f.name}`", _type_name(f), _required_text(f)]
            if spec.per_platform:
                cells.append(_platform_cell(spec, f, known))
            lines.append("| " + " | ".join(cells + [desc]) + " |")
        if spec.per_platform:
            notes = [(n, key, text) for n, p in known.items()
                     for key, text in declared(p, spec.name).items()
                     if text or "." in key]
            if notes:
                lines += ["", "Platform notes:", "", "| platform | field | on this platform |",
                          "|---|---|---|"]
                lines += [f"| {n} | `{key}` | {_md(text) or '—'} |" for n, key, text in notes]
    lines += ["", "## Validators", "",
              "The `$jsonSchema` of each collection, as `govspider` applies it "
              "(`schedule_jobs` has none: APScheduler owns it).", ""]
    for name, schema in validators().items():
        lines += [f"### {name}", "", "```json", json.dumps(schema, ensure_ascii=False, indent=1),
                  "```", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown(), end="")
