"""Spread requests over the server processes: each response closes its connection.

With ``serve.processes`` above one, uvicorn's worker processes share one listening socket and
the kernel gives each *connection* to whichever process accepts it first. Clients keep
connections alive (the ``openai`` client, browsers, Slack's retries), so a handful of clients
stay pinned to the process that accepted them: with 8 clients on 2 processes one often holds 5
or 6, and their answers queue there while the other process idles (two processes against one,
side by side on 2 cores: 1.52x the requests/s with connections kept, 1.67-1.72x closed). Closing after each
response makes every request a new accept, which the idle process wins. The price is a TCP
handshake per request, negligible on a local network next to an answer's tens of milliseconds.

>>> import asyncio
>>> sent = []
>>> async def app(scope, receive, send):
...     await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
>>> async def send(message):
...     sent.append(message)
>>> asyncio.run(OneRequestPerConnection(app)({"type": "http"}, None, send))
>>> sent[0]["headers"]
[(b'content-type', b'text/plain'), (b'connection', b'close')]
"""

from __future__ import annotations

from typing import Any


class OneRequestPerConnection:
    """ASGI middleware: ``Connection: close`` on every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def closing(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        return await self.app(scope, receive, closing)


def install(app_runner: Any) -> None:
    """The ZenML app extension (serving/deploy.py adds it when several processes answer)."""
    app_runner.asgi_app.add_middleware(OneRequestPerConnection)
