"""Shared fixtures: a real MongoDB-compatible server over TCP, and the local sandbox.

Storage tests run against the embedded SecantusDB server over TCP, or against the MongoDB at
``GOVSPIDER_TEST_MONGODB_URI`` when it is set. No in-process fakes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pymongo
import pytest

#: The parser fixtures (``tests/fixtures/<platform>/<kind>/<case>/``, loaded by
#: ``tests/fixturecases.py``) and the injected "now" of parser tests.
from tests.fixturecases import FIXTURES, FROZEN_NOW  # noqa: F401 - imported from here by tests


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URI of a MongoDB-compatible server for the whole session."""
    uri = os.environ.get("GOVSPIDER_TEST_MONGODB_URI")
    if uri:
        yield uri
        return
    from govspider.storage.embedded import EmbeddedServer

    server = EmbeddedServer(tmp_path_factory.mktemp("mongo"))
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture
def mongo_client(mongo_uri: str) -> Iterator[pymongo.MongoClient[dict[str, Any]]]:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_uri, tz_aware=True)
    yield client
    client.close()


@pytest.fixture
def db_name(mongo_client: pymongo.MongoClient[dict[str, Any]]) -> Iterator[str]:
    """A fresh database name for one test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    mongo_client.drop_database(name)


@pytest.fixture
def db(mongo_client: pymongo.MongoClient[dict[str, Any]], db_name: str) -> Any:
    from govspider.storage.schema import ensure_indexes

    database = mongo_client[db_name]
    ensure_indexes(database)
    return database


@pytest.fixture
def crawl_settings(mongo_uri: str, db_name: str) -> dict[str, Any]:
    """Scrapy settings that store into this test's database."""
    return {"MONGODB_URI": mongo_uri, "MONGODB_DATABASE": db_name, "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False}


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Any]:
    """The local sandbox of the platforms, served by a subprocess for the whole session.

    ``sandbox.settings`` maps base-URL settings (``WEIBO_BASE_URL``...) to the sandbox;
    ``sandbox.world`` is the same generated world, in-process, to compare crawls against.
    """
    from govspider.sandbox.server import SandboxServer

    with SandboxServer(seed=7, size="small", now="2026-11-20T12:00:00+08:00") as server:
        yield server
