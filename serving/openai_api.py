"""OpenAI's chat-completions wire format over :class:`~serving.service.AgentService`.

``POST /v1/chat/completions`` takes OpenAI's request (``messages``, ``stream``) and answers
with a ``chat.completion`` or, streaming, ``chat.completion.chunk`` server-sent events ending
in ``data: [DONE]``. Anything built on the official ``openai`` client works. The answer's
sources, its id (for feedback) and the version that answered are in the extra field
``agent_factory`` of the completion (and of the last chunk when streaming)::

    {"agent_factory": {"answer_id": "9f…", "model": "docs_agent", "version": "3",
                       "sources": [{"doc_id": "docs/installation.md", "title": "…", "score": 0.71}]}}

The conversation is the messages sent: the last ``user`` message is the question, earlier
``user``/``assistant`` messages are its context; ``system`` messages are ignored (the agent
has its own persona). Errors use OpenAI's shape, ``{"error": {"message", "type", "code"}}``.

>>> ChatRequest.model_validate({"messages": [{"role": "user", "content": "Hi?"}]}).turn().question
'Hi?'
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from serving.service import Answered, Turn


class ApiError(Exception):
    """An error answered in OpenAI's shape with an HTTP status."""

    def __init__(self, status: int, message: str, code: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.code, self.kind = status, code, kind

    def body(self) -> dict[str, Any]:
        return {"error": {"message": str(self), "type": self.kind, "code": self.code}}


class ContentPart(BaseModel):
    type: str
    text: str = ""


class Message(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content if part.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """The fields of OpenAI's request this service reads; others (temperature, …) are accepted and ignored."""

    model: str = ""
    messages: list[Message] = Field(min_length=1)
    stream: bool = False

    def turn(self) -> Turn:
        talk = [m for m in self.messages if m.role in ("user", "assistant")]
        if not talk or talk[-1].role != "user":
            raise ApiError(400, "the last user or assistant message must be from the user", "no_question")
        return Turn(question=talk[-1].text(), history=[(m.role, m.text()) for m in talk[:-1]])


def parse_request(body: bytes, max_messages: int) -> ChatRequest:
    """The request, or an ApiError naming the field that is wrong."""
    try:
        request = ChatRequest.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(400, f"{where}: {first['msg']}", "invalid_request") from None
    if len(request.messages) > max_messages:
        raise ApiError(
            400,
            f"messages: {len(request.messages)} messages; the limit is {max_messages}",
            "too_many_messages",
        )
    return request


def extra(answered: Answered, answer_id: str, model: str) -> dict[str, Any]:
    """The ``agent_factory`` field: answer id, version and sources."""
    sources = [
        {"doc_id": s.doc_id, "title": s.title, "url": s.url, "score": s.score} for s in answered.sources
    ]
    return {"answer_id": answer_id, "model": model, "version": answered.version, "sources": sources}


def completion(answered: Answered, answer_id: str, model: str) -> dict[str, Any]:
    """A non-streaming ``chat.completion``."""
    return {
        "id": f"chatcmpl-{answer_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answered.answer},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},  # the default bills nothing
        "agent_factory": extra(answered, answer_id, model),
    }


def chunk(request_id: str, model: str, delta: dict[str, str], finish: str | None = None, **more: Any) -> str:
    """One server-sent event holding a ``chat.completion.chunk``."""
    body = {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **more,
    }
    return f"data: {json.dumps(body)}\n\n"


async def sse(
    events: AsyncIterator[str | Answered], request_id: str, model: str, on_done: Any
) -> AsyncIterator[str]:
    """Chunks as the answer is written; the last carries ``agent_factory``; then ``[DONE]``.

    `on_done(answered)` stores the answer and returns its id. An error after the first byte
    cannot change the status code, so it is sent as OpenAI's ``error`` event and the stream ends.
    """
    yield chunk(request_id, model, {"role": "assistant", "content": ""})
    try:
        async for event in events:
            if isinstance(event, Answered):
                answer_id = on_done(event)
                yield chunk(request_id, model, {}, "stop", agent_factory=extra(event, answer_id, model))
            else:
                yield chunk(request_id, model, {"content": event})
    except Exception as exc:
        error = ApiError(500, f"the agent failed: {exc}", "agent_error", "server_error")
        yield f"data: {json.dumps(error.body())}\n\n"
        return
    yield "data: [DONE]\n\n"
