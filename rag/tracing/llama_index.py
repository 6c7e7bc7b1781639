"""LlamaIndex's own steps as spans: the agent's run, its tool calls, retrievers, LLM calls.

LlamaIndex reports every instrumented call to the span and event handlers of its root
dispatcher; :class:`LlamaIndexSpans` turns the calls worth a span (:func:`worth_a_span`) made
inside one of our traces into OpenTelemetry spans (name, OpenInference kind, the tool's name,
the LLM's model and token counts, the retrieved pages and scores). It records no arguments, so
a span costs tens of microseconds; calls outside any trace (loading an index) make none.

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
from opentelemetry import trace
from opentelemetry.context import Context
from pydantic import PrivateAttr

from rag import tracing
from rag.tracing.llm_calls import LLMCalls, token_counts

AGENT_STEPS = {
    "run"
}  # an agent's methods worth a span: its run (model calls and tools are spans of their own)


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


def worth_a_span(name: str, kind: str, parent_kind: str | None) -> bool:
    """Model calls, retrievers, tools and the agent's run get spans; the private half of a public
    call (``_retrieve`` under ``retrieve``), a retriever inside a retriever (the candidates under
    the search: its stages have spans of their own), the agent's bookkeeping and an LLM's own
    embedding lookups (the extractive answerer's) do not: each span costs the exporter's CPU,
    which the answering threads share.

    >>> worth_a_span("DocsSearch.aretrieve", "RETRIEVER", "TOOL"), worth_a_span("DocsRetriever.retrieve", "RETRIEVER", "RETRIEVER")
    (True, False)
    >>> worth_a_span("ReActAgent.run", "CHAIN", None), worth_a_span("BaseWorkflowAgent.init_run", "CHAIN", "CHAIN")
    (True, False)
    >>> worth_a_span("LocalEmbedding.get_query_embedding", "EMBEDDING", "LLM")
    False
    """
    method = name.rsplit(".", 1)[-1]
    if method.startswith("_") or (kind, parent_kind) in {("EMBEDDING", "LLM"), ("RETRIEVER", "RETRIEVER")}:
        return False
    return kind != "CHAIN" or method in AGENT_STEPS


def _details(instance: Any) -> dict[str, Any]:
    if isinstance(instance, BaseTool):
        return {"tool.name": instance.metadata.name}
    if isinstance(instance, LLM):
        return {"llm.model_name": instance.metadata.model_name}
    if isinstance(instance, BaseEmbedding):
        return {"embedding.model_name": instance.model_name}
    return {}


class LlamaIndexSpans(BaseSpanHandler[Any]):
    """One OpenTelemetry span per LlamaIndex call worth one (:func:`worth_a_span`) inside a trace of ours."""

    _tracer: Any = PrivateAttr()
    _via: dict[str, Any] = PrivateAttr(
        default_factory=dict
    )  # a call given no span -> its nearest that has one
    _llm: LLMCalls = PrivateAttr(default_factory=LLMCalls)

    def __init__(self, tracer: Any) -> None:
        super().__init__()
        self._tracer = tracer

    @classmethod
    def class_name(cls) -> str:
        return "AgentFactoryLlamaIndexSpans"

    @property
    def llm_calls(self) -> LLMCalls:
        return self._llm

    def new_span(self, id_: str, bound_args: inspect.BoundArguments, instance: Any | None = None,
                 parent_span_id: str | None = None, tags: dict[str, Any] | None = None, **kwargs: Any) -> Any:  # fmt: skip
        parent = self._span_of(parent_span_id)
        if parent is None and not trace.get_current_span().is_recording():
            return None  # not inside a question or a build: no trace to join
        name, kind = id_.partition("-")[0], kind_of(instance)
        trace_of = (parent or trace.get_current_span()).get_span_context().trace_id
        outer = (
            self._llm.outer(parent_span_id) or self._llm.open_for(instance, trace_of)
            if kind == "LLM"
            else None
        )
        if outer:  # one model's methods calling each other in a question: one call, one span
            self._llm.nest(id_, outer)
            parent = self._llm.span(outer)[0]
        elif worth_a_span(name, kind, _kind(parent)):
            span = self._tracer.start_span(
                name, context=trace.set_span_in_context(parent) if parent is not None else None,
                attributes={"openinference.span.kind": kind, **_details(instance)},
            )  # fmt: skip
            if kind == "LLM":  # the extractive answerer's tokens do not count
                self._llm.start(id_, span, getattr(instance, "counts_tokens", True), (id(instance), trace_of))
            return span
        self._via[id_] = parent  # what it calls nests under its caller's span
        return None

    def prepare_to_exit_span(self, id_: str, bound_args: inspect.BoundArguments, instance: Any | None = None,
                             result: Any | None = None, **kwargs: Any) -> Any:  # fmt: skip
        span = self.open_spans.get(id_)
        if span is None:
            self._via.pop(id_, None)
        elif self._llm.outer(id_) == id_:
            self._llm.returned(id_, streams=inspect.isasyncgen(result) or inspect.isgenerator(result))
        else:
            if isinstance(instance, BaseRetriever) and isinstance(result, list):
                tracing.documents(span, result)
            span.end()
        return span

    def prepare_to_drop_span(self, id_: str, bound_args: inspect.BoundArguments, instance: Any | None = None,
                             err: BaseException | None = None, **kwargs: Any) -> Any:  # fmt: skip
        span = self.open_spans.get(id_)
        self._via.pop(id_, None)
        if span is not None:
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(err).__name__ if err else "dropped"))
            self._llm.end(id_) if self._llm.outer(id_) == id_ else span.end()
        return span

    def current(self) -> Context | None:
        """The context of the LlamaIndex span running now, for our spans inside it to nest under."""
        span = self._span_of(active_span_id.get())
        return trace.set_span_in_context(span) if span is not None else None

    def _span_of(self, span_id: str | None) -> Any:
        """The span a LlamaIndex call runs in: its own, or its nearest caller's that has one."""
        if not span_id:
            return None
        return self.open_spans.get(span_id) or self._via.get(span_id) or self._llm.span(span_id)[0]


def _kind(span: Any) -> str | None:
    attributes = getattr(span, "attributes", None) or {}
    return attributes.get("openinference.span.kind")


class LlamaIndexLLMUsage(BaseEventHandler):
    """Token counts (and, with text capture on, the prompt and reply) on each LLM call's span."""

    _calls: Any = PrivateAttr()

    def __init__(self, calls: LLMCalls) -> None:
        super().__init__()
        self._calls = calls

    @classmethod
    def class_name(cls) -> str:
        return "AgentFactoryLlamaIndexLLMUsage"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if not isinstance(event, LLMChatEndEvent | LLMCompletionEndEvent):
            return
        span, billed = self._calls.span(event.span_id)
        if span is None or event.response is None:
            return
        if billed:
            span.set_attributes(token_counts(event))
        if tracing.capturing_text():
            prompt = event.messages[-1].content if isinstance(event, LLMChatEndEvent) else event.prompt
            span.set_attributes({"input.value": str(prompt or ""), "output.value": str(event.response)})
        if self._calls.streaming(event.span_id):  # the reply's last chunk: the call is over
            self._calls.end(event.span_id)


def install(tracer: Any) -> LlamaIndexSpans:
    """Add the handlers to LlamaIndex's root dispatcher (once); returns the span handler."""
    dispatcher = get_dispatcher()
    uninstall()
    spans = LlamaIndexSpans(tracer)
    dispatcher.add_span_handler(spans)
    dispatcher.add_event_handler(LlamaIndexLLMUsage(spans.llm_calls))
    return spans


def uninstall() -> None:
    dispatcher = get_dispatcher()
    dispatcher.span_handlers[:] = [h for h in dispatcher.span_handlers if not isinstance(h, LlamaIndexSpans)]
    dispatcher.event_handlers[:] = [
        h for h in dispatcher.event_handlers if not isinstance(h, LlamaIndexLLMUsage)
    ]
