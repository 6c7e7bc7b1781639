"""A LlamaIndex key-value store in one SQLite file: values are read when asked for, not at load.

LlamaIndex's ``SimpleKVStore`` holds every value in a dict (a 100k-chunk docstore took 3 GB of
heap); this one keeps them on disk, so a docstore over it (``KVDocumentStore``) costs only the
nodes a question touches. A store opened ``read_only`` never writes, locks or creates files
beside the database (SQLite's ``immutable`` mode): saved indexes are read-only artifacts.

>>> import tempfile
>>> store = SqliteKVStore(tempfile.mkdtemp() + "/kv.sqlite")
>>> store.put("a", {"text": "port 7341"}, collection="docs")
>>> store.get("a", collection="docs"), store.get("b", collection="docs")
({'text': 'port 7341'}, None)
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from llama_index.core.storage.kvstore.types import DEFAULT_BATCH_SIZE, DEFAULT_COLLECTION, BaseKVStore

SCHEMA = """CREATE TABLE IF NOT EXISTS kv (
    collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (collection, key)
) WITHOUT ROWID"""


class SqliteKVStore(BaseKVStore):
    """Collections of JSON values by key, in the SQLite file at `path` (one connection per thread)."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._local = threading.local()
        if not read_only:
            with self.connection() as db:
                db.execute(SCHEMA)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not cross threads)."""
        db = getattr(self._local, "db", None)
        if db is None:
            if self.read_only:
                uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
                db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            else:
                db = sqlite3.connect(self.path, check_same_thread=False)
            self._local.db = db
        return db

    def put(self, key: str, val: dict, collection: str = DEFAULT_COLLECTION) -> None:
        self.put_all([(key, val)], collection)

    async def aput(self, key: str, val: dict, collection: str = DEFAULT_COLLECTION) -> None:
        self.put(key, val, collection)

    def put_all(
        self, kv_pairs: list[tuple[str, dict]], collection: str = DEFAULT_COLLECTION,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:  # fmt: skip
        rows = [(collection, key, json.dumps(value)) for key, value in kv_pairs]
        with self.connection() as db:  # one transaction for the lot
            db.executemany("INSERT OR REPLACE INTO kv VALUES (?, ?, ?)", rows)

    def get(self, key: str, collection: str = DEFAULT_COLLECTION) -> dict | None:
        row = (
            self.connection()
            .execute("SELECT value FROM kv WHERE collection = ? AND key = ?", (collection, key))
            .fetchone()
        )
        return json.loads(row[0]) if row else None

    async def aget(self, key: str, collection: str = DEFAULT_COLLECTION) -> dict | None:
        return self.get(key, collection)

    def get_many(self, keys: list[str], collection: str = DEFAULT_COLLECTION) -> dict[str, dict]:
        """The values of `keys` that exist, in one query per 500 keys."""
        found: dict[str, dict] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.connection().execute(
                f"SELECT key, value FROM kv WHERE collection = ? AND key IN ({marks})", (collection, *part)
            )
            found.update((key, json.loads(value)) for key, value in rows)
        return found

    def get_all(self, collection: str = DEFAULT_COLLECTION) -> dict[str, dict]:
        """Every value of the collection: reads them all, so only for small stores and tests."""
        rows = self.connection().execute("SELECT key, value FROM kv WHERE collection = ?", (collection,))
        return {key: json.loads(value) for key, value in rows}

    async def aget_all(self, collection: str = DEFAULT_COLLECTION) -> dict[str, dict]:
        return self.get_all(collection)

    def delete(self, key: str, collection: str = DEFAULT_COLLECTION) -> bool:
        with self.connection() as db:
            cursor = db.execute("DELETE FROM kv WHERE collection = ? AND key = ?", (collection, key))
        return cursor.rowcount > 0

    async def adelete(self, key: str, collection: str = DEFAULT_COLLECTION) -> bool:
        return self.delete(key, collection)

    def close(self) -> None:
        """Close this thread's connection (others close when their thread's storage is collected)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
