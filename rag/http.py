"""Outbound HTTP: one bounded retry policy for providers and the crawler, and the address gate.

LlamaIndex's OpenAI classes retry twice over (a tenacity decorator around the OpenAI SDK's
own retries, both driven by ``max_retries``), so a request could be sent up to
``(max_retries + 1) * max_retries`` times. We switch both off and retry here instead: on
429, 5xx, timeouts and dropped connections, at most ``max_retries`` times, with exponential
backoff (or the server's ``Retry-After``, capped).

>>> from rag.config import LLMConfig
>>> kwargs = openai_client_kwargs(LLMConfig(provider="openai_like", max_retries=2))
>>> kwargs["max_retries"], type(kwargs["http_client"]._transport).__name__
(0, 'RetryTransport')
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import socket
import time
from typing import Any

import httpx

from rag.config import EndpointConfig

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
MAX_BACKOFF_S = 20.0


def backoff_s(attempt: int, base_s: float, response: httpx.Response | None = None) -> float:
    """Seconds to wait before retry `attempt` (0-based): Retry-After if given, else 2^n with jitter."""
    header = response.headers.get("retry-after") if response is not None else None
    if header and header.replace(".", "", 1).isdigit():
        return min(float(header), MAX_BACKOFF_S)
    return min(base_s * 2**attempt, MAX_BACKOFF_S) * random.uniform(0.8, 1.2)


def _retryable(response: httpx.Response) -> bool:
    return response.status_code in RETRY_STATUS


def _note(request: httpx.Request, attempt: int, total: int, why: str) -> None:
    log.warning("%s %s: %s; retry %d/%d", request.method, request.url.path, why, attempt + 1, total)


class RetryTransport(httpx.BaseTransport):
    """Retries the wrapped transport's requests on transient failures, at most `max_retries` times."""

    def __init__(self, max_retries: int, base_backoff_s: float = 0.5) -> None:
        self.max_retries, self.base_backoff_s = max_retries, base_backoff_s
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self._inner.handle_request(request)
            except RETRY_ERRORS as exc:
                if last:
                    raise
                _note(request, attempt, self.max_retries, type(exc).__name__)
                time.sleep(backoff_s(attempt, self.base_backoff_s))
                continue
            if last or not _retryable(response):
                return response
            response.close()
            _note(request, attempt, self.max_retries, f"HTTP {response.status_code}")
            time.sleep(backoff_s(attempt, self.base_backoff_s, response))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The asyncio twin of :class:`RetryTransport`."""

    def __init__(self, max_retries: int, base_backoff_s: float = 0.5) -> None:
        self.max_retries, self.base_backoff_s = max_retries, base_backoff_s
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = await self._inner.handle_async_request(request)
            except RETRY_ERRORS as exc:
                if last:
                    raise
                _note(request, attempt, self.max_retries, type(exc).__name__)
                await asyncio.sleep(backoff_s(attempt, self.base_backoff_s))
                continue
            if last or not _retryable(response):
                return response
            await response.aclose()
            _note(request, attempt, self.max_retries, f"HTTP {response.status_code}")
            await asyncio.sleep(backoff_s(attempt, self.base_backoff_s, response))
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._inner.aclose()


def openai_client_kwargs(config: EndpointConfig) -> dict[str, Any]:
    """Keyword arguments for LlamaIndex's OpenAI classes: our retries and timeout, theirs off."""
    timeout = httpx.Timeout(config.timeout_s, connect=min(config.timeout_s, 10.0))
    return {
        "max_retries": 0,
        "timeout": config.timeout_s,
        "http_client": httpx.Client(transport=RetryTransport(config.max_retries), timeout=timeout),
        "async_http_client": httpx.AsyncClient(
            transport=AsyncRetryTransport(config.max_retries), timeout=timeout
        ),
    }


# -- the address gate: what a crawl may reach -------------------------------------
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IETF = ipaddress.ip_network(
    "192.0.0.0/24"
)  # protocol assignments (192.0.0.192: cloud metadata on some hosts)


def address_problem(host: str) -> str | None:
    """Why `host` may not be fetched (private, or unresolvable: the gate fails closed), else None."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return f"host {host!r} does not resolve (refused: only a resolved public address is fetched)"
    if not all(is_public(address) for address in addresses):
        return (
            "not a globally routable address (private, loopback, link-local...; set allow_private to allow)"
        )
    return None


def is_public(address: str) -> bool:
    """A globally routable address; an IPv6 address embedding an IPv4 one is judged by that IPv4.

    >>> [is_public(a) for a in ("93.184.215.14", "10.0.0.1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe",
    ...                         "2002:a9fe:a9fe::", "192.0.0.192", "fe80::1%lo")]
    [True, False, False, False, False, False, False]
    """
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        teredo = ip.teredo[1] if ip.teredo else None
        nat64 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None
        if embedded := ip.ipv4_mapped or ip.sixtofour or teredo or nat64:
            return is_public(str(embedded))
    return ip.is_global and ip not in _IETF
