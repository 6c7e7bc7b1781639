"""Sentence vectors shared by the processes of one deployment, in one SQLite file.

The extractive answerer embeds the sentences of the passages it reads, and popular sections come
back all day, so each process remembers them (rag/answer/extractive.py). With a process per core
each would embed every sentence again, and a restarted server would start cold: this file keeps
them once for all the deployment's processes and across restarts. Keys are the embedder's identity
and the sentence (hashed), so vectors of another model never match; at most ``MAX_ROWS`` are kept,
the oldest dropped first. A file that cannot be read or written costs time, never an answer.

>>> import tempfile
>>> import numpy as np
>>> shared = SharedVectors(Path(tempfile.mkdtemp()) / "vectors.sqlite", "local|all-MiniLM-L6-v2|int8")
>>> shared.put({"Port 7341.": np.ones(3, dtype=np.float32)})
>>> shared.get(["Port 7341.", "Not seen."])
{'Port 7341.': array([1., 1., 1.], dtype=float32)}
>>> SharedVectors(shared.path, "another model").get(["Port 7341."])
{}
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
MAX_ROWS = 100_000  # ~160 MB of 384-dimensional vectors; a docs site has tens of thousands of sentences
TRIM_EVERY = 1_000  # rows written between checks of the bound


class SharedVectors:
    """Vectors by (embedder identity, sentence) in a SQLite file several processes share."""

    def __init__(self, path: Path, identity: str, max_rows: int = MAX_ROWS) -> None:
        self.path, self.identity, self.max_rows = Path(path), identity, max_rows
        self._lock = threading.Lock()
        self._written = 0
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=5, check_same_thread=False, isolation_level=None)
            self._db.execute("pragma journal_mode=wal")  # readers never wait for a writer
            self._db.execute(
                "create table if not exists vectors (key blob primary key, vector blob not null)"
            )
        except (sqlite3.Error, OSError) as exc:
            self._give_up(exc)

    def get(self, sentences: list[str]) -> dict[str, np.ndarray]:
        """The vectors known for `sentences` (a sentence not known is left out)."""
        if self._db is None or not sentences:
            return {}
        keys = {self._key(s): s for s in sentences}
        wanted, rows = list(keys), []
        try:
            with self._lock:
                for start in range(0, len(wanted), 500):  # SQLite bounds a statement's parameters
                    part = wanted[start : start + 500]
                    query = f"select key, vector from vectors where key in ({','.join('?' * len(part))})"
                    rows += self._db.execute(query, part).fetchall()
        except sqlite3.Error as exc:
            self._give_up(exc)
            return {}
        return {keys[key]: np.frombuffer(vector, dtype=np.float32).copy() for key, vector in rows}

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        if self._db is None or not vectors:
            return
        rows = [(self._key(s), np.asarray(v, dtype=np.float32).tobytes()) for s, v in vectors.items()]
        try:
            with self._lock:
                self._db.executemany("insert or ignore into vectors (key, vector) values (?, ?)", rows)
                self._written += len(rows)
                if self._written >= TRIM_EVERY:
                    self._written = 0
                    self._trim()
        except sqlite3.Error as exc:
            self._give_up(exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _key(self, sentence: str) -> bytes:
        return hashlib.sha256(f"{self.identity}\0{sentence}".encode()).digest()[:16]

    def _trim(self) -> None:
        """Drop the oldest rows past the bound (rowids grow with each insert)."""
        (count,) = self._db.execute("select count(*) from vectors").fetchone()
        if count > self.max_rows:
            drop = count - self.max_rows * 9 // 10  # some room, so the next writes do not trim again
            self._db.execute(
                "delete from vectors where rowid in (select rowid from vectors order by rowid limit ?)",
                (drop,),
            )

    def _give_up(self, exc: Exception) -> None:
        log.warning("sentence vectors are not shared (%s: %s); each process keeps its own", self.path, exc)
        self.close()
