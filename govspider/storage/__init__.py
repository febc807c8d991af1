"""Storage: the only package that imports pymongo.

``MONGODB_URI`` selects any MongoDB; without it :mod:`govspider.storage.embedded` starts the
embedded MongoDB-compatible server (SecantusDB) on the data directory.
"""

from govspider.storage.connection import Connection, connect
from govspider.storage.writer import CorpusWriter, StorageUnavailable, WriteStats

__all__ = ["Connection", "connect", "CorpusWriter", "StorageUnavailable", "WriteStats"]
