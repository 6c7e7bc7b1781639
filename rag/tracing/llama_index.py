"""LlamaIndex's own steps as spans: the agent's steps, its tool calls, retrievers, LLM calls.

LlamaIndex reports every instrumented call to the span and event handlers of its root
dispatcher; :class:`LlamaIndexSpans` turns each call made inside one of our traces into an
OpenTelemetry span (its name, OpenInference kind, the tool's name, the LLM's model and token
counts, the retrieved pages and scores). It records no arguments unless text capture is on, so
it costs microseconds a call; calls outside a trace (loading, a build's embedding) make none.

>>> from rag.tracing.llama_index import kind_of
>>> from llama_index.core.llms import MockLLM
>>> kind_of(MockLLM())
'LLM'
"""

from __future__ import annotations

import inspect
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent, LLMCompletionEndEvent
from llama_index.core.instrumentation.span import active_span_id
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from llama_index.core.llms.llm import LLM
from llama_index.core.tools.types import BaseTool
from llama_index.core.utilities.token_counting import TokenCounter
from opentelemetry import trace
from opentelemetry.context import Context
from pydantic import PrivateAttr

from rag import tracing

MAX_STREAMING = 1000  # LLM replies being streamed at once, far above a server's workers


def kind_of(instance: Any) -> str:
    """The OpenInference span kind of a call on `instance`."""
    for base, kind in (
        (LLM, "LLM"),
        (BaseRetriever, "RETRIEVER"),
        (BaseEmbedding, "EMBEDDING"),
        (BaseTool, "TOOL"),
    ):
        if isinstance(instance, base):
            return kind
    return "CHAIN"


def _details(instance: Any) -> dict[str, Any]:
    if isinstance(instance, BaseTool):
        return {"tool.name": instance.metadata.name}
    if isinstance(instance, LLM):
        return {"llm.model_name": instance.metadata.model_name}
    if isinstance(instance, BaseEmbedding):
        return {"embedding.model_name": instance.model_name}
    return {}


class LlamaIndexSpans(BaseSpanHandler[Any]):
    """One OpenTelemetry span per LlamaIndex span that starts inside a trace of ours.

    An LLM call that streams returns at once; its span lasts until LlamaIndex's end event for
    the reply (:meth:`reply_ended`), which names the innermost of the calls that wrapped it.
    """

    _tracer: Any = PrivateAttr()
    _llm_calls: dict[str, str] = PrivateAttr(default_factory=dict)  # open LLM span -> its parent span
    _billed: set[str] = PrivateAttr(default_factory=set)  # LLM spans whose tokens count
    _streaming: dict[str, Any] = PrivateAttr(default_factory=dict)  # returned, their reply still coming

    def __init__(self, tracer: Any) -> None:
        super().__init__()
        self._tracer = tracer

    @classmethod
    def class_name(cls) -> str:
        return "AgentFactoryLlamaIndexSpans"

    def llm_span(self, span_id: str) -> tuple[Any, bool]:
        """The span of an LLM call (running, or streaming its reply) and whether its tokens count."""
        return self.open_spans.get(span_id) or self._streaming.get(span_id), span_id in self._billed

    def reply_ended(self, span_id: str) -> None:
        """A reply is complete: its call's span ends, and those of the LLM calls that wrapped it."""
        while span_id in self._llm_calls:
            parent = self._llm_calls.pop(span_id)
            self._billed.discard(span_id)
            if (span := self._streaming.pop(span_id, None)) is not None:
                span.end()
            span_id = parent

    def new_span(self, id_: str, bound_args: inspect.BoundArguments, instance: Any | None = None,
                 parent_span_id: str | None = None, tags: dict[str, Any] | None = None, **kwargs: Any) -> Any:  # fmt: skip
        parent = self.open_spans.get(parent_span_id) if parent_span_id else None
        if parent is None and not trace.get_current_span().is_recording():
            return None  # not inside a question or a build: no trace to join
        if isinstance(instance, LLM):
            self._llm_calls[id_] = parent_span_id or ""
            if getattr(instance, "counts_tokens", True):  # not the extractive answerer
                self._billed.add(id_)
        context = trace.set_span_in_context(parent) if parent is not None else None
        attributes = {"openinference.span.kind": kind_of(instance), **_details(instance)}
        return self._tracer.start_span(id_.partition("-")[0], context=context, attributes=attributes)

    def prepare_to_exit_span(self, id_: str, bound_args: inspect.BoundArguments, instance: Any | None = None,
                             result: Any | None = None, **kwargs: Any) -> Any:  # fmt: skip
        span = self.open_spans.get(id_)
        if span is None:
            return None
        if id_ in self._llm_calls and (inspect.isasyncgen(result) or inspect.isgenerator(result)):
            if len(self._streaming) >= MAX_STREAMING:  # replies nobody read to the end: close the oldest
                self.reply_ended(next(iter(self._streaming)))
            self._streaming[id_] = span
            return span
        if isinstance(instance, BaseRetriever) and isinstance(result, list):
            tracing.documents(span, result)
        self._llm_calls.pop(id_, None)
        self._billed.discard(id_)
        span.end()
        return span

    def prepare_to_drop_span(self, id_: str, bound_args: inspect.BoundArguments, instance: Any | None = None,
                             err: BaseException | None = None, **kwargs: Any) -> Any:  # fmt: skip
        span = self.open_spans.get(id_)
        self._llm_calls.pop(id_, None)
        self._billed.discard(id_)
        if span is not None:
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(err).__name__ if err else "dropped"))
            span.end()
        return span

    def current(self) -> Context | None:
        """The context of the LlamaIndex span running now, for our spans inside it to nest under."""
        span = self.open_spans.get(active_span_id.get() or "")
        return trace.set_span_in_context(span) if span is not None else None


class LlamaIndexLLMUsage(BaseEventHandler):
    """Token counts (and, with text capture on, the prompt and reply) on each LLM call's span."""

    _spans: Any = PrivateAttr()

    def __init__(self, spans: LlamaIndexSpans) -> None:
        super().__init__()
        self._spans = spans

    @classmethod
    def class_name(cls) -> str:
        return "AgentFactoryLlamaIndexLLMUsage"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if not isinstance(event, LLMChatEndEvent | LLMCompletionEndEvent):
            return
        span, billed = self._spans.llm_span(event.span_id or "")
        if span is not None and event.response is not None:
            if billed:
                span.set_attributes(_token_counts(event))
            if tracing.capturing_text():
                prompt = event.messages[-1].content if isinstance(event, LLMChatEndEvent) else event.prompt
                span.set_attributes({"input.value": str(prompt or ""), "output.value": str(event.response)})
        self._spans.reply_ended(event.span_id or "")


def _token_counts(event: LLMChatEndEvent | LLMCompletionEndEvent) -> dict[str, int | bool]:
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


def install(tracer: Any) -> LlamaIndexSpans:
    """Add the handlers to LlamaIndex's root dispatcher (once); returns the span handler."""
    dispatcher = get_dispatcher()
    uninstall()
    spans = LlamaIndexSpans(tracer)
    dispatcher.add_span_handler(spans)
    dispatcher.add_event_handler(LlamaIndexLLMUsage(spans))
    return spans


def uninstall() -> None:
    dispatcher = get_dispatcher()
    dispatcher.span_handlers[:] = [h for h in dispatcher.span_handlers if not isinstance(h, LlamaIndexSpans)]
    dispatcher.event_handlers[:] = [
        h for h in dispatcher.event_handlers if not isinstance(h, LlamaIndexLLMUsage)
    ]
