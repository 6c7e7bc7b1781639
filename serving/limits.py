"""Request limits: body size before the body is read, and a request rate per bearer key.

The rate is a token bucket per key: a key may send `per_minute` requests at once, then
`per_minute / 60` a second. A team shares one key (and often one NAT address), so the limit
counts the key alone and is a flood guard, not fairness between people: its default
(``serve.requests_per_minute``: 2400, 40 a second) is above what 2 cores answer (about 28 a
second, benchmarks/RESULTS.md), so 8 people asking back to back are never refused, while a
runaway script on a bigger machine is held to 40 a second.

>>> limiter = RateLimiter(per_minute=2)
>>> limiter.allow("key", now=0.0), limiter.allow("key", now=0.0), limiter.allow("key", now=0.0)
(0, 0, 30)
>>> limiter.allow("key", now=30.0), limiter.allow("other", now=30.0)
(0, 0)
"""

from __future__ import annotations

import math
import threading
import time

from fastapi import Request

from serving.openai_api import ApiError


class RateLimited(ApiError):
    def __init__(self, retry_after: int, per_minute: int) -> None:
        super().__init__(
            429, f"more than {per_minute} requests a minute on this key (serve.requests_per_minute); "
            f"retry in {retry_after} s", "rate_limit_exceeded", "requests", retry_after=retry_after,
        )  # fmt: skip


class RateLimiter:
    """A token bucket per client key (the bearer key; the address when there is none)."""

    MAX_CLIENTS = 100_000  # bounded: full buckets carry no state and are forgotten

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> int:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60
        with self._lock:
            tokens, at = self._buckets.get(client, (self.per_minute, now))
            tokens = min(self.per_minute, tokens + (now - at) * rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return max(1, math.ceil((1 - tokens) / rate))
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > self.MAX_CLIENTS:
                self._forget_full(now, rate)
            return 0

    def check(self, request: Request) -> None:
        client = request.headers.get("authorization") or (request.client.host if request.client else "")
        if wait := self.allow(client):
            raise RateLimited(wait, self.per_minute)

    def _forget_full(self, now: float, rate: float) -> None:
        self._buckets = {
            k: (t, at) for k, (t, at) in self._buckets.items() if t + (now - at) * rate < self.per_minute
        }


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
