"""Tracing: one OpenTelemetry trace per question, from the served API (or ``ask``) to the answer.

Code marks what it does with :func:`span`; until :func:`rag.tracing.setup.start` is called
(``tracing.enabled`` in the config) every span is OpenTelemetry's no-op, so an untraced run
pays nothing. Attributes follow OpenInference (``openinference.span.kind``, ``input.value``,
``retrieval.documents.N.document.id``), which Phoenix and Langfuse read; LlamaIndex's own steps
(agent, tool, LLM calls with token counts) come through its instrumentation (rag/tracing/llama_index.py).
Text (``input.value``, ``output.value``, ``*.content``) leaves only with text capture on: the
exporter drops it otherwise (rag/tracing/export.py).

>>> with span("search", "RETRIEVER", {"agent_factory.candidates": 40}) as s:
...     trace_id(s)  # tracing is off: nothing is recorded, no trace id
''
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

Kind = str  # an OpenInference span kind: AGENT, CHAIN, RETRIEVER, RERANKER, TOOL, LLM, EMBEDDING
_NO_OP = trace.NoOpTracer()
_tracer: Any = _NO_OP  # set by rag.tracing.setup.start
_capture = False  # whether question, answer and passage text may go into spans


def _nowhere() -> otel_context.Context | None:
    return None  # no LlamaIndex step running: spans nest under the current context


_inside: Callable[[], otel_context.Context | None] = _nowhere  # the LlamaIndex step running now


def set_tracer(
    tracer: Any | None,
    capture_text: bool = False,
    inside: Callable[[], otel_context.Context | None] | None = None,
) -> None:
    """Install the tracer spans are made with (None: back to the no-op); `inside` gives the context
    of the LlamaIndex step running now, so our spans nest under it."""
    global _tracer, _capture, _inside
    _tracer, _capture = (tracer, capture_text) if tracer is not None else (_NO_OP, False)
    _inside = inside or _nowhere


def enabled() -> bool:
    return _tracer is not _NO_OP


def capturing_text() -> bool:
    return _capture


@contextlib.contextmanager
def span(name: str, kind: Kind = "CHAIN", attributes: Mapping[str, Any] | None = None) -> Iterator[Span]:
    """A span around the block, a child of the current one; an exception marks it failed."""
    attrs = {"openinference.span.kind": kind, **(attributes or {})}
    with _tracer.start_as_current_span(
        name, context=_inside(), attributes=attrs, record_exception=False, set_status_on_exception=False
    ) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_status(
                Status(StatusCode.ERROR, type(exc).__name__)
            )  # the type: messages may quote text
            raise


def open_trace(name: str, kind: Kind = "CHAIN", attributes: Mapping[str, Any] | None = None) -> Span:
    """The root span of a new trace, which the caller ends (a question: one trace each, also when it
    is asked inside another, such as a build's evaluation, which it then links to)."""
    around = trace.get_current_span().get_span_context()
    return _tracer.start_span(
        name,
        context=otel_context.Context(),  # no parent: a trace of its own
        attributes={"openinference.span.kind": kind, **(attributes or {})},
        links=[trace.Link(around)] if around.is_valid else (),
    )


def note(attributes: Mapping[str, Any]) -> None:
    """Add attributes to the current span (what a step found: counts, choices, scores)."""
    current = trace.get_current_span()
    if current.is_recording():
        current.set_attributes(attributes)


def trace_id(current: Span) -> str:
    """The span's trace id as 32 hex digits, or "" when it is not recorded (tracing off, not sampled)."""
    context = current.get_span_context()
    return trace.format_trace_id(context.trace_id) if current.is_recording() and context.is_valid else ""


def documents(current: Span, hits: Sequence[Any], prefix: str = "retrieval.documents") -> None:
    """Each hit's page id and score, best first (LlamaIndex ``NodeWithScore``s); their text only
    when text capture is on."""
    if not current.is_recording():
        return
    for n, hit in enumerate(hits):
        meta = hit.node.metadata
        current.set_attribute(f"{prefix}.{n}.document.id", str(meta.get("doc_id", hit.node.node_id)))
        if hit.score is not None:
            current.set_attribute(f"{prefix}.{n}.document.score", float(hit.score))
        if _capture:
            current.set_attribute(f"{prefix}.{n}.document.content", hit.node.get_content())
