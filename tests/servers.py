"""Real servers for tests, as child processes on 127.0.0.1 (llama_cpp.server, moto_server)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A port nothing listens on (also what a test wants for an unreachable URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(args: list[str], ready_url: str, log: Path, timeout_s: float = 90) -> Iterator[None]:
    """Start `args`, wait until `ready_url` answers 200, stop it afterwards; fail with its log."""
    with log.open("w") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(ready_url, timeout=1).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{args[0]} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)
