"""A fake OpenAI-compatible server on 127.0.0.1 for tests: real HTTP, scripted replies and faults.

``reply(body)`` decides each chat/completions answer: a string (the assistant's text) or a
:class:`Fault` (an HTTP status, a delay that outlasts the client's timeout, custom headers).
The default reply is garbage that no judge prompt can parse. Every request is logged with its
headers, so tests can count retries and check which key was sent. With ``api_key`` set, other
keys get 401. ``usage`` counts tokens with LlamaIndex's default tokenizer, as a server would; a streamed chat
request gets server-sent chunks (with a usage chunk when ``stream_options.include_usage``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GARBAGE = "lorem ipsum ### not json at all"


def _tokens(text: str) -> int:
    from llama_index.core.utilities.token_counting import TokenCounter

    return TokenCounter().get_string_tokens(text)


@dataclass
class Fault:
    status: int = 200
    delay_s: float = 0.0
    text: str = GARBAGE
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def prompt(self) -> str:
        if "messages" in self.body:
            return "\n".join(str(m.get("content", "")) for m in self.body["messages"])
        return str(self.body.get("prompt", ""))


class FakeOpenAI:
    def __init__(
        self,
        reply: Callable[[Request], str | Fault] = lambda request: GARBAGE,
        models: tuple[str, ...] = ("fake-judge",),
        api_key: str | None = None,
    ) -> None:
        self.reply, self.models, self.api_key = reply, models, api_key
        self.requests: list[Request] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.handle_error = lambda *args: None  # clients that timed out hang up mid-reply
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def completions(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("completions")]

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _send(self, payload: dict, status: int = 200, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict, text: str, usage: dict) -> None:
                """Server-sent chunks: the text in one delta, usage when the client asked, then [DONE]."""
                head = {"id": "x", "object": "chat.completion.chunk", "created": int(time.time()),
                        "model": body.get("model", "fake")}  # fmt: skip
                delta = {"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                chunks = [head | {"choices": [delta]}]
                if (body.get("stream_options") or {}).get("include_usage"):
                    chunks.append(head | {"choices": [], "usage": usage})
                data = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(data.encode())))
                self.end_headers()
                self.wfile.write(data.encode())

            def _authorized(self) -> bool:
                if fake.api_key and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    self._send({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}, 401)  # fmt: skip
                    return False
                return True

            def do_GET(self) -> None:
                fake.requests.append(Request(self.path, dict(self.headers), {}))
                if self._authorized():
                    models = [{"id": m, "object": "model", "owned_by": "test"} for m in fake.models]
                    self._send({"object": "list", "data": models})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                request = Request(self.path, dict(self.headers), body)
                fake.requests.append(request)
                if not self._authorized():
                    return
                if self.path.endswith("/embeddings"):
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [
                        {"object": "embedding", "index": i, "embedding": [0.1] * 8}
                        for i in range(len(inputs))
                    ]
                    self._send({"object": "list", "data": data, "model": body.get("model"),
                                "usage": {"prompt_tokens": 1, "total_tokens": 1}})  # fmt: skip
                    return
                if body.get("model") not in fake.models:
                    self._send({"error": {"message": f"model {body.get('model')} not found"}}, 404)
                    return
                reply = fake.reply(request)
                fault = reply if isinstance(reply, Fault) else Fault(text=reply)
                time.sleep(fault.delay_s)
                if fault.status != 200:
                    self._send(
                        {"error": {"message": f"injected {fault.status}"}}, fault.status, fault.headers
                    )
                    return
                usage = {
                    "prompt_tokens": _tokens(request.prompt),
                    "completion_tokens": _tokens(fault.text),
                }
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
                if self.path.endswith("/chat/completions") and body.get("stream"):
                    self._stream(body, fault.text, usage)
                    return
                if self.path.endswith("/chat/completions"):
                    choice = {
                        "index": 0,
                        "message": {"role": "assistant", "content": fault.text},
                        "finish_reason": "stop",
                    }
                    kind = "chat.completion"
                else:
                    choice = {"index": 0, "text": fault.text, "finish_reason": "stop"}
                    kind = "text_completion"
                self._send({"id": "x", "object": kind, "created": int(time.time()), "model": body.get("model", "fake"),
                            "choices": [choice], "usage": usage})  # fmt: skip

        return Handler
