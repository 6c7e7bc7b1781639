"""Test doubles (each says what it fakes and why).

ScriptedLLM is a **scripted fake LLM for tests only**: it replays fixed ReAct turns so the
agent's control flow (tool call, observation, final answer) can be tested deterministically.
It is not a language model and never ships as a provider.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import ChatMessage, ChatResponse, CompletionResponse, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from pydantic import Field


class ScriptedLLM(CustomLLM):
    """Returns `script[i]` on the i-th call and records every prompt it was sent."""

    script: list[str]
    calls: list[list[ChatMessage]] = Field(default_factory=list)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted", is_chat_model=True)

    def _next(self, messages: Sequence[ChatMessage]) -> str:
        self.calls.append(list(messages))
        return self.script[min(len(self.calls), len(self.script)) - 1]

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return ChatResponse(message=ChatMessage(role="assistant", content=self._next(messages)))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Iterator[ChatResponse]:
        text = self._next(messages)
        yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=text)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._next([ChatMessage(role="user", content=prompt)]))

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> Iterator[CompletionResponse]:
        yield self.complete(prompt)


class RandomEmbedding(BaseEmbedding):
    """A deliberately broken embedder for tests: a fixed random unit vector per text.

    Retrieval over it is as good as chance, so an agent built on it must not pass the gate.
    """

    dimension: int = 384

    def _vector(self, text: str) -> list[float]:
        seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
        v = np.random.default_rng(seed).normal(size=self.dimension)
        return (v / np.linalg.norm(v)).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def random_embedding(config: object) -> RandomEmbedding:
    """A provider factory for the broken embedder (benchmarks/living_docs.py registers it)."""
    return RandomEmbedding(model_name="random")


class JsonPeer:
    """An HTTP peer on 127.0.0.1 answering JSON: `respond(method, path, body)` -> (status, reply).

    The one small server behind the test stand-ins below and in the tests (each says what it fakes);
    ``headers`` holds each request's headers, in order.
    """

    def __init__(self, respond: Any) -> None:
        headers: list[dict[str, str]] = []
        self.headers = headers
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def _answer(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers.append(dict(self.headers))
                status, reply = respond(method, self.path, body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeSlack:
    """A fake of **Slack's Web API** on 127.0.0.1 (Slack itself is not reachable here).

    Answers ``auth.test`` as a bot and records ``chat.postMessage`` calls; everything else a
    real Slack app does (signing, events, Bolt) runs for real against it.
    """

    def __init__(self) -> None:
        self.posted: list[dict[str, Any]] = []
        self._peer = JsonPeer(self._respond)
        self.url = f"{self._peer.base}/api/"

    def _respond(self, method: str, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        import json
        from urllib.parse import parse_qsl

        text = raw.decode()
        body = json.loads(text) if text.startswith("{") else dict(parse_qsl(text))
        reply: dict[str, Any] = {"ok": True}
        if path.endswith("/auth.test"):
            reply |= {"user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0TEAM", "user": "docs-bot"}
        elif path.endswith("/chat.postMessage"):
            ts = f"1800000000.{len(self.posted):06d}"
            self.posted.append(body | {"ts": ts})
            reply |= {"channel": body.get("channel"), "ts": ts, "message": {"text": body.get("text")}}
        return 200, reply

    def close(self) -> None:
        self._peer.close()


class OtlpReceiver:
    """An **OTLP/HTTP trace collector** on 127.0.0.1 (what Phoenix, Langfuse or Jaeger run), for tests.

    Each POST to ``/v1/traces`` is decoded with OpenTelemetry's own protobuf classes; ``spans``
    are the decoded spans (attributes as a plain dict), ``raw`` every body as sent (to hunt
    for text that must not be there), ``headers`` each request's headers.
    """

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self._peer = JsonPeer(self._respond)
        self.headers = self._peer.headers
        self.endpoint = f"{self._peer.base}/v1/traces"

    def _respond(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        if method != "POST" or path != "/v1/traces":
            return 404, {}
        self.raw.append(body)
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            service = {a.key: _any_value(a.value) for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                for span in scope.spans:
                    self.spans.append({
                        "name": span.name, "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                        "parent": span.parent_span_id.hex(), "status": span.status.code,
                        "attributes": {a.key: _any_value(a.value) for a in span.attributes},
                        "resource": service, "start": span.start_time_unix_nano, "end": span.end_time_unix_nano,
                        "links": [link.trace_id.hex() for link in span.links],
                    })  # fmt: skip
        return 200, {}

    def trace(self, trace_id: str) -> list[dict[str, Any]]:
        return [s for s in self.spans if s["trace_id"] == trace_id]

    def close(self) -> None:
        self._peer.close()


def _any_value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_any_value(v) for v in value.array_value.values]
    return getattr(value, kind) if kind else None
