"""Bring a corpus to the current data model (``govspider db migrate``).

Version 1 -> 2 (``docs/data-model.md``, "Changes from version 1"), step by step, each one
idempotent (a second run changes nothing) and able to say what it would change without
writing (``dry_run``):

* ``posts``: the normal form of :func:`govspider.normalform.normalize_post`
  (``deleted`` a boolean, the lists of a post with a text, ``monitored``);
* ``accounts``: ``region`` a GB/T 2260 code and ``region_name`` from the imported registry; a
  ``region`` that was the profile's IP属地 (a name, on a platform that declares ``ip_region``
  for accounts: the short-video platform) moves to ``ip_region``, another name to ``region_name``;
  ``last_post_at`` from the stored posts;
* ``pages``: ``platform: web``, the ``unit`` whose registry ``website`` the page is under, no
  ``account_id`` (never set, removed from the model);
* ``findings``: ISO 8601 times in ``evidence`` become dates; ``unit`` of the subject (or its
  account); ``platform: web`` on findings about pages;
* ``meta``: ``schema_version`` 2, then the validators.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from pymongo import UpdateOne
from pymongo.database import Database

from govspider.datamodel import declared, platforms
from govspider.normalform import normalize_account, normalize_post
from govspider.processors import parse_time
from govspider.registry import REGION_CODE, RegistryAccount
from govspider.storage.derived import refresh_last_post_at
from govspider.storage.schema import (
    SCHEMA_VERSION,
    apply_validators,
    check_not_newer,
    stored_version,
)

#: ``YYYY-MM-DDTHH:MM[:SS[.f]]`` with an offset: how version 1 wrote times into evidence
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)")
_BATCH = 500


@dataclass
class StepResult:
    """What one step found: documents looked at, documents changed, and fields changed."""

    name: str
    checked: int = 0
    changed: int = 0
    fields: Counter[str] = field(default_factory=Counter)

    def line(self, dry_run: bool) -> str:
        verb = "would change" if dry_run else "changed"
        detail = ", ".join(f"{k} {n:,}" for k, n in sorted(self.fields.items()))
        return (f"{self.name}: {self.checked:,} documents checked, {self.changed:,} {verb}"
                + (f" ({detail})" if detail else ""))


@dataclass
class Step:
    name: str
    collection: str  #: what it iterates (for the progress total)
    run: Callable[[Database[dict[str, Any]], StepResult, Callable[[int], None], bool], None]


# ------------------------------------------------------------------------------ helpers
def _updates(db: Database[dict[str, Any]], collection: str, result: StepResult,
             changes: Iterator[tuple[Any, dict[str, Any], list[str]]],
             advance: Callable[[int], None], dry_run: bool) -> None:
    """Write ``(_id, fields to set, fields to unset)`` in bulk, counting them."""
    ops: list[UpdateOne] = []

    def flush() -> None:
        if ops and not dry_run:
            db[collection].bulk_write(ops, ordered=False)
        ops.clear()

    for _id, to_set, to_unset in changes:
        result.checked += 1
        advance(1)
        if not to_set and not to_unset:
            continue
        result.changed += 1
        result.fields.update(list(to_set) + [f"-{name}" for name in to_unset])
        update: dict[str, Any] = {}
        if to_set:
            update["$set"] = to_set
        if to_unset:
            update["$unset"] = dict.fromkeys(to_unset, "")
        ops.append(UpdateOne({"_id": _id}, update))
        if len(ops) >= _BATCH:
            flush()
    flush()


def _registry_units(db: Database[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["_id"]: d for d in db["registry"].find()}


def _declares_ip_region(platform: str | None) -> bool:
    found = platforms().get(platform or "")
    return found is not None and "ip_region" in declared(found, "accounts")


# ------------------------------------------------------------------------------ steps
def _posts(db: Database[dict[str, Any]], result: StepResult, advance: Callable[[int], None],
           dry_run: bool) -> None:
    monitored = {d["_id"] for d in db["accounts"].find({}, {"_id": 1})}

    def changes() -> Iterator[tuple[Any, dict[str, Any], list[str]]]:
        for doc in db["posts"].find({}, {"raw_html": 0, "extra": 0, "metrics": 0}):
            yield doc["_id"], normalize_post(doc, monitored), []

    _updates(db, "posts", result, changes(), advance, dry_run)


def _accounts(db: Database[dict[str, Any]], result: StepResult, advance: Callable[[int], None],
              dry_run: bool) -> None:
    units = _registry_units(db)

    def changes() -> Iterator[tuple[Any, dict[str, Any], list[str]]]:
        for doc in db["accounts"].find({}, {"platform": 1, "platform_id": 1, "unit": 1,
                                            "region": 1, "region_name": 1, "ip_region": 1}):
            to_set: dict[str, Any] = {}
            to_unset: list[str] = []
            old = doc.get("region")
            if isinstance(old, str) and not REGION_CODE.fullmatch(old.strip()):
                to_unset.append("region")
                doc.pop("region")
                if old.strip():  # a name: the profile's IP属地 on one platform, else a region's name
                    target = "ip_region" if _declares_ip_region(doc.get("platform")) \
                        else "region_name"
                    if not doc.get(target):
                        to_set[target] = doc[target] = old.strip()
            unit = units.get(doc.get("unit") or "")
            if unit is not None:
                entry = RegistryAccount(unit=unit["_id"], platform=str(doc.get("platform")),
                                        platform_id=str(doc.get("platform_id")),
                                        region=str(unit.get("region") or ""),
                                        region_name=str(unit.get("region_name") or ""))
                to_set.update(normalize_account(doc, entry))
                if "region" in to_set and "region" in to_unset:
                    to_unset.remove("region")
            yield doc["_id"], to_set, to_unset

    _updates(db, "accounts", result, changes(), advance, dry_run)


def _last_post_at(db: Database[dict[str, Any]], result: StepResult,
                  advance: Callable[[int], None], dry_run: bool) -> None:
    result.checked = db["accounts"].count_documents({})
    result.changed = refresh_last_post_at(db, dry_run=dry_run)
    if result.changed:
        result.fields["last_post_at"] = result.changed
    advance(result.checked)


def _sites(units: dict[str, dict[str, Any]], base_url: str) -> list[tuple[str, str]]:
    """(site prefix, unit) of every registry ``website``, longest prefix first."""
    out = []
    for name, unit in units.items():
        sites = unit.get("website") or []
        for site in [sites] if isinstance(sites, str) else list(sites):
            url = str(site).strip()
            if url.startswith("/") and base_url:
                url = base_url.rstrip("/") + url
            if urlsplit(url).scheme in ("http", "https"):
                out.append((urljoin(url, "."), name))
    return sorted(out, key=lambda s: -len(s[0]))


def _site_unit(url: Any, sites: list[tuple[str, str]]) -> str | None:
    return next((unit for prefix, unit in sites if str(url).startswith(prefix)), None)


def _pages(db: Database[dict[str, Any]], result: StepResult, advance: Callable[[int], None],
           dry_run: bool, base_url: str = "") -> None:
    sites = _sites(_registry_units(db), base_url)

    def changes() -> Iterator[tuple[Any, dict[str, Any], list[str]]]:
        for doc in db["pages"].find({}, {"url": 1, "platform": 1, "unit": 1, "account_id": 1}):
            to_set: dict[str, Any] = {}
            if doc.get("platform") is None:
                to_set["platform"] = "web"  # names-a-plugin: schema 1 pages all came from it
            if doc.get("unit") is None:
                unit = _site_unit(doc.get("url"), sites)
                if unit is not None:
                    to_set["unit"] = unit
            yield doc["_id"], to_set, ["account_id"] if "account_id" in doc else []

    _updates(db, "pages", result, changes(), advance, dry_run)


def dated(value: Any) -> Any:
    """``value`` with every ISO 8601 time text in it (at any depth) as a UTC datetime."""
    if isinstance(value, str) and ISO_TIME.fullmatch(value):
        return parse_time(value).astimezone(timezone.utc)
    if isinstance(value, dict):
        return {k: dated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [dated(v) for v in value]
    return value


def _findings(db: Database[dict[str, Any]], result: StepResult, advance: Callable[[int], None],
              dry_run: bool, base_url: str = "") -> None:
    account_units = {d["_id"]: d.get("unit") for d in db["accounts"].find({}, {"unit": 1})}
    sites = _sites(_registry_units(db), base_url)  # a dry run did not give pages their units
    page_units = {d["_id"]: d.get("unit") or _site_unit(d.get("url"), sites)
                  for d in db["pages"].find({}, {"unit": 1, "url": 1})}

    def changes() -> Iterator[tuple[Any, dict[str, Any], list[str]]]:
        for doc in db["findings"].find({}, {"evidence": 1, "subject_type": 1, "subject_id": 1,
                                            "account_id": 1, "unit": 1, "platform": 1}):
            to_set: dict[str, Any] = {}
            evidence = dated(doc.get("evidence"))
            if evidence != doc.get("evidence"):
                to_set["evidence"] = evidence
            page = doc.get("subject_type") == "page"
            if page and doc.get("platform") is None:
                to_set["platform"] = "web"  # names-a-plugin: schema 1 pages all came from it
            if doc.get("unit") is None:
                unit = page_units.get(doc.get("subject_id")) if page \
                    else account_units.get(doc.get("account_id"))
                if unit:
                    to_set["unit"] = unit
            yield doc["_id"], to_set, []

    _updates(db, "findings", result, changes(), advance, dry_run)


def steps(base_url: str = "") -> list[Step]:
    """The steps from version 1 to 2, in order (pages before findings: their units)."""
    return [
        Step("posts", "posts", _posts),
        Step("accounts", "accounts", _accounts),
        Step("accounts.last_post_at", "accounts", _last_post_at),
        Step("pages", "pages",
             lambda db, r, a, d: _pages(db, r, a, d, base_url=base_url)),
        Step("findings", "findings",
             lambda db, r, a, d: _findings(db, r, a, d, base_url=base_url)),
    ]


# ------------------------------------------------------------------------------ the command
@dataclass
class Migration:
    """What :func:`migrate` did (or would do)."""

    from_version: int | None
    to_version: int
    dry_run: bool
    results: list[StepResult] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(r.changed for r in self.results)


def migrate(db: Database[dict[str, Any]], *, dry_run: bool = False, base_url: str = "",
            validation: str = "warn",
            progress: Callable[[str, int], Callable[[int], None]] | None = None) -> Migration:
    """Bring the corpus to :data:`SCHEMA_VERSION`. ``progress(step, total)`` returns the
    callback each step advances. A corpus newer than this code is a
    :class:`~govspider.storage.schema.SchemaVersionError`; an empty database has nothing to
    migrate."""
    version = stored_version(db)
    check_not_newer(db, version)
    result = Migration(from_version=version, to_version=SCHEMA_VERSION, dry_run=dry_run)
    if version is None:
        return result
    for step in steps(base_url):
        advance = progress(step.name, db[step.collection].estimated_document_count()) \
            if progress else (lambda n: None)
        outcome = StepResult(step.name)
        step.run(db, outcome, advance, dry_run)
        result.results.append(outcome)
    if not dry_run:
        if version < SCHEMA_VERSION:
            db["meta"].update_one({"_id": "schema"}, {"$set": {
                "schema_version": SCHEMA_VERSION, "migrated_at": datetime.now(timezone.utc)}},
                upsert=True)
        apply_validators(db, validation)
    return result
