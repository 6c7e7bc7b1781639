"""LLM calls in flight, for the spans of rag/tracing/llama_index.py.

A call gets one span, even when a subclass's method calls its parent's (``OpenAILike.astream_chat``
calling ``OpenAI.astream_chat``): LlamaIndex reports both, and its end event names the innermost.
A streamed call returns at once; its span lasts until that end event. Token counts are what the
server reported, else LlamaIndex's tokenizer's (``agent_factory.tokens_estimated``).

>>> from opentelemetry.sdk.trace import TracerProvider
>>> calls = LLMCalls()
>>> span = TracerProvider().get_tracer("t").start_span("OpenAILike.astream_chat")
>>> calls.start("outer", span, billed=True); calls.nest("inner", "outer")
>>> calls.returned("outer", streams=True); calls.span("inner")[0] is span, span.is_recording()
(True, True)
>>> calls.end("inner"); span.is_recording(), calls.span("inner")
(False, (None, False))
"""

from __future__ import annotations

from typing import Any

from llama_index.core.instrumentation.events.llm import LLMChatEndEvent, LLMCompletionEndEvent
from llama_index.core.utilities.token_counting import TokenCounter

MAX_STREAMING = 1000  # replies being streamed at once, far above a server's workers


class LLMCalls:
    """Each call's span, the LlamaIndex span ids that lead to it, and whether its tokens count."""

    def __init__(self) -> None:
        self._spans: dict[str, Any] = {}  # the call's outermost LlamaIndex span id -> its span
        self._of: dict[str, str] = {}  # any LlamaIndex span id of the call -> the outermost
        self._billed: set[str] = set()
        self._streaming: dict[str, None] = {}  # returned, reply still coming (oldest first)
        self._open_for: dict[tuple[int, int], str] = {}  # (the model object, the trace) -> its open call
        self._caller_of: dict[str, tuple[int, int]] = {}

    def outer(self, span_id: str | None) -> str | None:
        return self._of.get(span_id or "")

    def open_for(self, instance: Any, trace_id: int) -> str | None:
        """The open call of the model `instance` in the trace (``astream_chat`` reading ``stream_chat``)."""
        return self._open_for.get((id(instance), trace_id))

    def start(self, span_id: str, span: Any, billed: bool, caller: tuple[int, int] = (0, 0)) -> None:
        """A new call, with its span; `caller` is (the model object's id, the trace id)."""
        self._spans[span_id], self._of[span_id] = span, span_id
        self._open_for[caller], self._caller_of[span_id] = span_id, caller
        if billed:
            self._billed.add(span_id)

    def nest(self, span_id: str, outer: str) -> None:
        """`span_id` is a call inside the call `outer` (the same request): no span of its own."""
        self._of[span_id] = outer

    def span(self, span_id: str | None) -> tuple[Any, bool]:
        """The span of the call `span_id` belongs to, and whether its tokens count."""
        outer = self.outer(span_id)
        return self._spans.get(outer or ""), outer in self._billed

    def streaming(self, span_id: str | None) -> bool:
        return self.outer(span_id) in self._streaming

    def returned(self, span_id: str, streams: bool) -> None:
        """The call's outermost method returned: its span ends, or, for a stream, waits for the reply."""
        if not streams:
            self.end(span_id)
            return
        if len(self._streaming) >= MAX_STREAMING:  # replies nobody read to the end: close the oldest
            self.end(next(iter(self._streaming)))
        self._streaming[span_id] = None

    def end(self, span_id: str | None) -> None:
        outer = self.outer(span_id)
        if outer is None:
            return
        if (span := self._spans.pop(outer, None)) is not None:
            span.end()
        self._billed.discard(outer)
        self._streaming.pop(outer, None)
        self._open_for.pop(self._caller_of.pop(outer, (0, 0)), None)
        for inner in [k for k, v in self._of.items() if v == outer]:
            del self._of[inner]


def token_counts(event: LLMChatEndEvent | LLMCompletionEndEvent) -> dict[str, int | bool]:
    """What the server reported; else (a streamed reply carries none) counted with LlamaIndex's tokenizer."""
    if reported := _reported(event.response):
        return reported
    counter = TokenCounter()
    if isinstance(event, LLMChatEndEvent):
        prompt = counter.estimate_tokens_in_messages(event.messages)
        completion = counter.get_string_tokens(event.response.message.content or "")
    else:
        prompt, completion = (
            counter.get_string_tokens(event.prompt),
            counter.get_string_tokens(event.response.text),
        )
    return {"llm.token_count.prompt": prompt, "llm.token_count.completion": completion,
            "llm.token_count.total": prompt + completion, "agent_factory.tokens_estimated": True}  # fmt: skip


def _reported(response: Any) -> dict[str, int | bool]:
    """OpenAI's ``usage``, or the fields LlamaIndex copies into additional_kwargs; {} when absent."""
    raw = getattr(response, "raw", None)
    usage = raw.get("usage") if isinstance(raw, dict) else getattr(raw, "usage", None)
    if usage is not None and not isinstance(usage, dict):
        usage = usage.model_dump() if hasattr(usage, "model_dump") else vars(usage)
    usage = usage or getattr(response, "additional_kwargs", None) or {}
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return {}
    return {"llm.token_count.prompt": prompt, "llm.token_count.completion": completion,
            "llm.token_count.total": prompt + completion}  # fmt: skip
