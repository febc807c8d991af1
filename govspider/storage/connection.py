"""Connecting to the corpus: ``MONGODB_URI`` or the embedded server."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pymongo
from pymongo.database import Database

from govspider.storage.embedded import EmbeddedServer
from govspider.storage.schema import DEFAULT_VALIDATION, ensure_indexes

logger = logging.getLogger(__name__)

DEFAULT_DATABASE = "govspider"
DEFAULT_DATA_DIR = "./data"


@dataclass
class Connection:
    """An open connection to the corpus, and the embedded server behind it if any."""

    client: pymongo.MongoClient[dict[str, Any]]
    db: Database[dict[str, Any]]
    uri: str
    server: EmbeddedServer | None = None

    def close(self) -> None:
        self.client.close()
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _get(settings: Mapping[str, Any] | Any, key: str, default: Any = None) -> Any:
    value = settings.get(key) if settings is not None else None
    return default if value in (None, "") else value


def connect(settings: Mapping[str, Any] | Any = None, *, indexes: bool = True) -> Connection:
    """Connect as the settings say; start the embedded server when no URI is given.

    Looks at ``MONGODB_URI`` (setting, then environment), ``MONGODB_DATABASE`` and
    ``GOVSPIDER_DATA_DIR``. Creates the indexes and applies the validators
    (``GOVSPIDER_SCHEMA_VALIDATION``: ``warn``, ``error`` or ``off``) unless ``indexes=False``.
    """
    uri = _get(settings, "MONGODB_URI") or os.environ.get("MONGODB_URI")
    server = None
    if not uri:
        data_dir = (_get(settings, "GOVSPIDER_DATA_DIR") or os.environ.get("GOVSPIDER_DATA_DIR")
                    or DEFAULT_DATA_DIR)
        server = EmbeddedServer(data_dir)
        uri = server.start()
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=int(_get(settings, "MONGODB_TIMEOUT_MS", 15000)))
    name = (_get(settings, "MONGODB_DATABASE") or os.environ.get("MONGODB_DATABASE")
            or _database_from_uri(uri) or DEFAULT_DATABASE)
    db = client[name]
    conn = Connection(client=client, db=db, uri=uri, server=server)
    try:
        client.admin.command("ping")
        if indexes:
            ensure_indexes(db, str(_get(settings, "GOVSPIDER_SCHEMA_VALIDATION")
                                   or os.environ.get("GOVSPIDER_SCHEMA_VALIDATION")
                                   or DEFAULT_VALIDATION))
    except Exception:
        conn.close()
        raise
    return conn


def _database_from_uri(uri: str) -> str | None:
    try:
        return pymongo.uri_parser.parse_uri(uri).get("database")
    except Exception:
        return None


def redact(uri: str) -> str:
    """The URI without its password, for logs."""
    if "@" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
