"""Request limits: body size before the body is read, and a request rate per bearer key.

The rate is a token bucket per key: a key may send `per_minute` requests at once, then
`per_minute / 60` a second. A team shares one key (and often one NAT address), so the limit
counts the key alone and is a flood guard, not fairness between people: its default
(``serve.requests_per_minute``: 2400, 40 a second) is above what 2 cores answer (benchmarks/
RESULTS.md), so 8 people asking back to back are never refused, while a runaway script on a
bigger machine is held to 40 a second.

The buckets live in one SQLite file shared by the deployment's server processes
(``serve.processes``), each request one short transaction: the limit is the key's, whichever
process answers (a bucket per process would multiply it). Keys are stored hashed.

>>> limiter = RateLimiter(per_minute=2)  # no path: this process alone
>>> limiter.allow("key", now=0.0), limiter.allow("key", now=0.0), limiter.allow("key", now=0.0)
(0, 0, 30)
>>> limiter.allow("key", now=30.0), limiter.allow("other", now=30.0)
(0, 0)
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
import time
from pathlib import Path

from fastapi import Request

from serving.openai_api import ApiError


class RateLimited(ApiError):
    def __init__(self, retry_after: int, per_minute: int) -> None:
        super().__init__(
            429, f"more than {per_minute} requests a minute on this key (serve.requests_per_minute); "
            f"retry in {retry_after} s", "rate_limit_exceeded", "requests", retry_after=retry_after,
        )  # fmt: skip


_SCHEMA = (
    "create table if not exists buckets (client text primary key, tokens real not null, at real not null)"
)


class RateLimiter:
    """A token bucket per client key (the bearer key; the address when there is none), kept in the
    SQLite file `path` that every process of a deployment shares (in memory when None)."""

    MAX_CLIENTS = 100_000  # bounded: full buckets carry no state and are forgotten

    def __init__(self, per_minute: int, path: str | Path | None = None) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None, timeout=10
        )
        self._db.execute("pragma journal_mode=wal")  # processes wait for each other only to write
        self._db.execute("pragma synchronous=off")  # a bucket lost in a crash refills: nothing to keep
        self._db.execute(_SCHEMA)

    def allow(self, client: str, now: float | None = None) -> int:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.time() if now is None else now  # wall clock: the same in every process
        rate, key = self.per_minute / 60, hashlib.sha256(client.encode()).hexdigest()
        with self._lock:
            self._db.execute("begin immediate")  # read and write the bucket as one step
            try:
                wait = self._take(key, now, rate)
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")
        return wait

    def _take(self, key: str, now: float, rate: float) -> int:
        row = self._db.execute("select tokens, at from buckets where client = ?", (key,)).fetchone()
        tokens, at = row or (self.per_minute, now)
        tokens = min(self.per_minute, tokens + max(0.0, now - at) * rate)  # a clock set back adds nothing
        if tokens < 1:
            self._db.execute("replace into buckets values (?, ?, ?)", (key, tokens, now))
            return max(1, math.ceil((1 - tokens) / rate))
        self._db.execute("replace into buckets values (?, ?, ?)", (key, tokens - 1, now))
        if row is None and self.clients() > self.MAX_CLIENTS:
            self._db.execute(
                "delete from buckets where tokens + (? - at) * ? >= ?", (now, rate, self.per_minute)
            )
        return 0

    def clients(self) -> int:
        """How many buckets are kept."""
        return self._db.execute("select count(*) from buckets").fetchone()[0]

    def check(self, request: Request) -> None:
        client = request.headers.get("authorization") or (request.client.host if request.client else "")
        if wait := self.allow(client):
            raise RateLimited(wait, self.per_minute)

    def close(self) -> None:
        self._db.close()


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to pass `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body has {declared} bytes; the limit is {limit} (serve.max_body_bytes)",
                       "request_too_large")  # fmt: skip
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise ApiError(413, f"the body passes the limit of {limit} bytes (serve.max_body_bytes)",
                           "request_too_large")  # fmt: skip
    return bytes(body)
