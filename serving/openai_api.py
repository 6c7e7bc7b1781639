"""OpenAI's response wire format over :class:`~serving.service.AgentService`.

``POST /v1/chat/completions`` answers with a ``chat.completion`` or, streaming,
``chat.completion.chunk`` server-sent events ending in ``data: [DONE]``; the legacy
``POST /v1/completions`` the same as ``text_completion``. What a request may ask is in
serving/openai_request.py. The answer's sources, its id (for feedback, and the response's
``id``) and the version that answered are in the extra field ``agent_factory`` of the
completion (and of the last chunk when streaming)::

    {"agent_factory": {"answer_id": "9f…", "model": "docs_agent", "version": "3",
                       "sources": [{"doc_id": "docs/installation.md", "title": "…", "score": 0.71}],
                       "trace_id": "4bf9…"}}  # "" unless tracing is on (docs/observability.md)

Errors use OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``.

>>> ApiError(404, "no model x", "model_not_found", param="model").body()["error"]["code"]
'model_not_found'
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from serving.service import Answered
from serving.tokens import AnswerCut, count_tokens

Kind = Literal["chat", "text"]


class ApiError(Exception):
    """An error answered in OpenAI's shape with an HTTP status."""

    def __init__(self, status: int, message: str, code: str, kind: str = "invalid_request_error",
                 param: str | None = None, retry_after: int | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.code, self.kind, self.param, self.retry_after = (
            status,
            code,
            kind,
            param,
            retry_after,
        )

    def body(self) -> dict[str, Any]:
        return {"error": {"message": str(self), "type": self.kind, "param": self.param, "code": self.code}}


def extra(answered: Answered, answer_id: str, model: str) -> dict[str, Any]:
    """The ``agent_factory`` field: answer id, version and sources."""
    sources = [
        {"doc_id": s.doc_id, "title": s.title, "section": s.section, "url": s.url, "score": s.score}
        for s in answered.sources
    ]
    return {"answer_id": answer_id, "model": model, "version": answered.version, "sources": sources,
            "trace_id": answered.trace_id}  # fmt: skip


def usage(prompt_tokens: int, text: str) -> dict[str, int]:
    """Estimated tokens (serving/tokens.py): the prompt's messages and the visible answer."""
    completion = count_tokens(text)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion}  # fmt: skip


def _envelope(kind: Kind, answer_id: str, model: str, chunk: bool) -> dict[str, Any]:
    obj = {"chat": "chat.completion.chunk" if chunk else "chat.completion", "text": "text_completion"}[kind]
    prefix = "chatcmpl" if kind == "chat" else "cmpl"
    return {"id": f"{prefix}-{answer_id}", "object": obj, "created": int(time.time()), "model": model}


def _choice(kind: Kind, text: str | None, finish: str | None, chunk: bool, role: bool = False) -> dict:
    if kind == "text":
        return {"index": 0, "text": text or "", "logprobs": None, "finish_reason": finish}
    if not chunk:
        return {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
    delta = ({"role": "assistant"} if role else {}) | ({"content": text} if text is not None else {})
    return {"index": 0, "delta": delta, "finish_reason": finish}


def response(kind: Kind, answered: Answered, cut: AnswerCut, answer_id: str, model: str,
             prompt_tokens: int) -> dict[str, Any]:  # fmt: skip
    """A whole (non-streaming) completion of the visible answer."""
    text = cut.feed(answered.answer) + cut.flush()
    return {
        **_envelope(kind, answer_id, model, chunk=False),
        "choices": [_choice(kind, text, cut.finish_reason, chunk=False)],
        "usage": usage(prompt_tokens, text),
        "agent_factory": extra(answered, answer_id, model),
    }


def _event(body: dict[str, Any]) -> str:
    return f"data: {json.dumps(body)}\n\n"


async def sse(events: AsyncIterator[str | Answered], kind: Kind, cut: AnswerCut, answer_id: str, model: str,
              prompt_tokens: int | None, on_done: Callable[[Answered, str], None]) -> AsyncIterator[str]:  # fmt: skip
    """Chunks as the answer is written; the last carries ``agent_factory`` (and, when
    `prompt_tokens` is given, a usage chunk follows); then ``[DONE]``.

    `on_done(answered, visible_text)` stores the answer. An error after the first byte cannot
    change the status code, so it is sent as OpenAI's ``error`` event and the stream ends.
    """
    envelope = _envelope(kind, answer_id, model, chunk=True)
    yield _event({**envelope, "choices": [_choice(kind, "", None, chunk=True, role=True)]})
    try:
        async for event in events:
            if isinstance(event, Answered):
                if rest := cut.flush():
                    yield _event({**envelope, "choices": [_choice(kind, rest, None, chunk=True)]})
                on_done(event, cut.visible)
                last = _choice(kind, None, cut.finish_reason, chunk=True)
                yield _event({**envelope, "choices": [last], "agent_factory": extra(event, answer_id, model)})
                if prompt_tokens is not None:
                    yield _event({**envelope, "choices": [], "usage": usage(prompt_tokens, cut.visible)})
            elif part := cut.feed(event):
                yield _event({**envelope, "choices": [_choice(kind, part, None, chunk=True)]})
    except Exception as exc:
        error = ApiError(500, f"the agent failed: {exc}", "agent_error", "server_error")
        yield _event(error.body())
        return
    yield "data: [DONE]\n\n"
