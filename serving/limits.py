"""Request limits: body size before the body is read, and requests per minute per client.

>>> limiter = RateLimiter(per_minute=2)
>>> limiter.allow("10.0.0.1", now=0.0), limiter.allow("10.0.0.1", now=1.0), limiter.allow("10.0.0.1", now=2.0)
(0, 0, 58)
>>> limiter.allow("10.0.0.1", now=61.0)
0
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
            429, f"more than {per_minute} requests a minute from this client; retry in {retry_after} s",
            "rate_limited", "rate_limit_error",
        )  # fmt: skip
        self.retry_after = retry_after


class RateLimiter:
    """A fixed one-minute window per client (its bearer key and address)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> int:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            start, count = self._windows.get(client, (now, 0))
            if now - start >= 60:
                start, count = now, 0
            if count >= self.per_minute:
                return max(1, math.ceil(60 - (now - start)))
            self._windows[client] = (start, count + 1)
            if len(self._windows) > 100_000:  # bounded: forget windows that ended
                self._windows = {k: v for k, v in self._windows.items() if now - v[0] < 60}
            return 0

    def check(self, request: Request) -> None:
        client = f"{request.headers.get('authorization', '')}|{request.client.host if request.client else ''}"
        if wait := self.allow(client):
            raise RateLimited(wait, self.per_minute)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to pass `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(
            413, f"the body has {declared} bytes; the limit is {limit} (serve.max_body_bytes)", "too_large"
        )
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise ApiError(
                413, f"the body passes the limit of {limit} bytes (serve.max_body_bytes)", "too_large"
            )
    return bytes(body)
