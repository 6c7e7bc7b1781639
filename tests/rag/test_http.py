"""The one retry policy (rag/http.py) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from rag.http import RetryTransport, address_problem, backoff_s


@pytest.fixture()
def flaky() -> Iterator[tuple[str, list[int]]]:
    """A server answering each path's listed statuses in turn (then 200); it records what it served."""
    served: list[int] = []
    plan = {"/twice": [503, 503], "/missing": [404], "/always": [503] * 10}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            queue = plan.get(self.path, [])
            status = queue.pop(0) if queue else 200
            served.append(status)
            self.send_response(status)
            self.send_header("Retry-After", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()


def test_transient_statuses_are_retried_and_the_answer_returned(flaky):
    url, served = flaky
    with httpx.Client(transport=RetryTransport(max_retries=3, base_backoff_s=0.01)) as client:
        assert client.get(f"{url}/twice").status_code == 200
    assert served == [503, 503, 200]


def test_a_client_error_is_not_retried_and_retries_are_bounded(flaky):
    url, served = flaky
    with httpx.Client(transport=RetryTransport(max_retries=2, base_backoff_s=0.01)) as client:
        assert client.get(f"{url}/missing").status_code == 404
        assert client.get(f"{url}/always").status_code == 503
    assert served == [404, 503, 503, 503]  # one try, then 1 + 2 retries


def test_retry_after_is_honoured_and_backoff_is_capped():
    assert backoff_s(0, 0.5, httpx.Response(429, headers={"retry-after": "3"})) == 3.0
    assert backoff_s(30, 0.5) <= 20.0 * 1.2


def test_private_and_unresolvable_hosts_are_refused():
    assert "not a globally routable address" in address_problem("127.0.0.1")
    assert "does not resolve" in address_problem("no-such-host.invalid")
