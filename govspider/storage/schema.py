"""Collections, their indexes and validators, and the schema version (``docs/data-model.md``)."""

from __future__ import annotations

import logging
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, OperationFailure

from govspider.datamodel import SCHEMA_VERSION, validators

logger = logging.getLogger(__name__)

#: What MongoDB does with a write that breaks a collection's ``$jsonSchema``
#: (``GOVSPIDER_SCHEMA_VALIDATION``): ``warn`` (stored; the server logs it), ``error``
#: (refused: the writer counts and logs it), ``off`` (no validator).
VALIDATION_ACTIONS = ("warn", "error", "off")
DEFAULT_VALIDATION = "warn"

INDEXES: dict[str, list[IndexModel]] = {
    "accounts": [IndexModel([("platform", ASCENDING), ("platform_id", ASCENDING)]),
                 IndexModel([("unit", ASCENDING)])],
    "account_metrics": [IndexModel([("account_id", ASCENDING), ("at", ASCENDING)])],
    "posts": [IndexModel([("account_id", ASCENDING), ("published_at", DESCENDING)]),
              IndexModel([("platform", ASCENDING), ("published_at", DESCENDING)]),
              IndexModel([("repost_of", ASCENDING)], sparse=True)],
    "comments": [IndexModel([("post_id", ASCENDING), ("published_at", ASCENDING)]),
                 IndexModel([("account_id", ASCENDING), ("is_official", ASCENDING)])],
    "apps": [IndexModel([("platform", ASCENDING), ("package", ASCENDING)]),
             IndexModel([("developer", ASCENDING)])],
    "pages": [IndexModel([("url", ASCENDING)]), IndexModel([("unit", ASCENDING)])],
    "findings": [IndexModel([("account_id", ASCENDING), ("detector", ASCENDING)]),
                 IndexModel([("detector", ASCENDING), ("severity", ASCENDING)]),
                 IndexModel([("subject_id", ASCENDING)])],
    "post_versions": [IndexModel([("post_id", ASCENDING), ("seen_at", ASCENDING)])],
    "raw_responses": [IndexModel([("url", ASCENDING)])],
    "crawl_runs": [IndexModel([("spider", ASCENDING), ("started_at", DESCENDING)])],
    "registry": [IndexModel([("unit", ASCENDING)])],
    "search_segments": [IndexModel([("texts_of", ASCENDING), ("seq", DESCENDING)])],
}
#: Collections whose documents show that a corpus predates the ``meta`` version record.
_DATA = ("accounts", "posts", "comments", "apps", "pages", "findings")


class SchemaVersionError(RuntimeError):
    """The corpus follows a data model this code does not write."""


def stored_version(db: Database[dict[str, Any]]) -> int | None:
    """The corpus's schema version; ``None`` for an empty database without one."""
    meta = db["meta"].find_one({"_id": "schema"})
    if meta is not None:
        return int(meta.get("schema_version", 1))
    if any(db[name].find_one({}, {"_id": 1}) is not None for name in _DATA):
        return 1  # written before the version was recorded
    return None


def check_not_newer(db: Database[dict[str, Any]], version: int | None) -> None:
    """:class:`SchemaVersionError` when the corpus is newer than this code."""
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the corpus in database {db.name!r} follows schema version {version}, newer than "
            f"this govspider's {SCHEMA_VERSION}: upgrade govspider")


def ensure_indexes(db: Database[dict[str, Any]], validation: str = DEFAULT_VALIDATION) -> int:
    """Create every index (idempotent), record the schema version of a new corpus, and apply
    the validators to a corpus at the current version. Returns the corpus's version.

    An older corpus keeps its version (``govspider db migrate`` brings it up to date, then
    applies the validators) and a warning says so; a newer one is a
    :class:`SchemaVersionError`.
    """
    version = stored_version(db)
    if version is None:
        db["meta"].update_one({"_id": "schema"},
                              {"$setOnInsert": {"schema_version": SCHEMA_VERSION}}, upsert=True)
        version = int(db["meta"].find_one({"_id": "schema"})["schema_version"])
    check_not_newer(db, version)
    for name, models in INDEXES.items():
        db[name].create_indexes(models)
    if version < SCHEMA_VERSION:
        logger.warning("The corpus in database %r follows schema version %d; this govspider "
                       "writes version %d: run `govspider db migrate`", db.name, version,
                       SCHEMA_VERSION)
    else:
        apply_validators(db, validation)
    return version


def check_validation(validation: str) -> str:
    """``validation`` when it is a ``GOVSPIDER_SCHEMA_VALIDATION`` value, else ``ValueError``."""
    if validation not in VALIDATION_ACTIONS:
        raise ValueError(f"GOVSPIDER_SCHEMA_VALIDATION: {validation!r} is not one of "
                         f"{', '.join(VALIDATION_ACTIONS)}")
    return validation


def apply_validators(db: Database[dict[str, Any]], validation: str = DEFAULT_VALIDATION) -> None:
    """Put each collection's ``$jsonSchema`` (:func:`govspider.datamodel.validators`) on it,
    with ``validationAction`` ``validation`` (``off`` removes them)."""
    check_validation(validation)
    existing = set(db.list_collection_names())
    for name, schema in validators().items():
        options: dict[str, Any] = {"validator": {"$jsonSchema": schema},
                                   "validationLevel": "strict", "validationAction": validation}
        if validation == "off":
            options = {"validator": {}, "validationLevel": "off"}
        if name not in existing:
            try:
                db.create_collection(name, **options)
                continue
            except (CollectionInvalid, OperationFailure):  # another process created it first
                pass
        db.command("collMod", name, **options)
