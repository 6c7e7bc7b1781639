"""SafeExporter: what leaves the process, checked on the way out, and what never arrived, counted.

Every span passes through :func:`clean` before the real OTLP exporter sends it: attributes
whose name says they hold a credential are hidden, and any string holding a header value or
a secret-named environment variable's value has it replaced (rag/secrets.py), so a key that
reached a span by accident (an error message quoting a URL, an LLM's invocation parameters)
still never leaves. Sending failures are counted and logged at most once a minute; they never
raise into the program.

>>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
>>> from opentelemetry.sdk.trace import TracerProvider
>>> from opentelemetry.sdk.trace.export import SimpleSpanProcessor
>>> inner = InMemorySpanExporter()
>>> provider = TracerProvider()
>>> provider.add_span_processor(SimpleSpanProcessor(SafeExporter(inner, "memory", hidden=["s3cr3t-value"])))
>>> with provider.get_tracer("t").start_as_current_span("call", attributes={
...         "llm.invocation_parameters": '{"api_key": "s3cr3t-value", "model": "m"}', "api_key": "x"}):
...     pass
>>> dict(inner.get_finished_spans()[0].attributes)
{'llm.invocation_parameters': '{"api_key": "***", "model": "m"}', 'api_key': '***'}
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status

from rag.secrets import HIDDEN, SECRET_NAME, redact_secrets, redact_text

log = logging.getLogger(__name__)
REPORT_EVERY_S = 60.0
TEXT_KEYS = {"input.value", "output.value"}


class SafeExporter(SpanExporter):
    """Cleans each span (see the module docstring), sends through `inner`, counts the outcome."""

    def __init__(
        self, inner: SpanExporter, endpoint: str, hidden: Sequence[str] = (), capture_text: bool = False
    ) -> None:
        self.inner, self.where, self.capture_text = inner, redact_text(endpoint), capture_text
        self.hidden = [v for v in hidden if v]
        self._lock = threading.Lock()
        self._sent = self._failed = self._reported = 0
        self._last_report = time.monotonic()  # a short run says it once, when tracing stops

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self.inner.export([clean(s, self.hidden, self.capture_text) for s in spans])
        except Exception as exc:  # a collector's failure is never the program's
            log.debug("tracing: sending to %s failed: %s", self.where, type(exc).__name__)
            result = SpanExportResult.FAILURE
        with self._lock:
            if result is SpanExportResult.SUCCESS:
                self._sent += len(spans)
            else:
                self._failed += len(spans)
        self.report()
        return result

    def stats(self, ended: int | None = None) -> dict[str, int]:
        """Spans sent, and spans not sent: failed sends, or (given the spans `ended`) every one not sent."""
        with self._lock:
            return {"sent": self._sent, "not_sent": self._lost(ended)}

    def report(self, ended: int | None = None) -> None:
        """One warning line when spans were lost since the last one: at most a line a minute, and a
        last one when tracing stops (`ended` given: what never left counts too)."""
        with self._lock:
            lost, now = self._lost(ended), time.monotonic()
            if lost == self._reported or (ended is None and now - self._last_report < REPORT_EVERY_S):
                return
            new, self._reported, self._last_report = lost - self._reported, lost, now
        log.warning("tracing: %d spans could not be sent to %s (%d in all); answers are not affected",
                    new, self.where, lost)  # fmt: skip

    def _lost(self, ended: int | None) -> int:
        return self._failed if ended is None else max(ended - self._sent, self._failed)

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)


class EndedCounter(SpanProcessor):
    """Counts the spans that ended (recorded and sampled): what the collector should have got."""

    def __init__(self) -> None:
        self.ended = 0

    def on_end(self, span: ReadableSpan) -> None:
        self.ended += 1  # one int add under the GIL: cheaper than a lock on every span


def clean(span: ReadableSpan, hidden: Sequence[str], capture_text: bool = True) -> ReadableSpan:
    """`span` with credential-named attributes and known secret values hidden (events and status
    too), and without question, answer and passage text unless `capture_text`."""
    events = [Event(e.name, _attributes(e.attributes, hidden), e.timestamp) for e in span.events]
    attributes = _attributes(span.attributes, hidden)
    if not capture_text:
        attributes = {k: v for k, v in attributes.items() if not is_text(k)}
    status = span.status
    if status.description:
        status = Status(status.status_code, _text(status.description, hidden))
    return ReadableSpan(
        name=span.name, context=span.context, parent=span.parent, resource=span.resource,
        attributes=attributes, events=events, links=span.links, kind=span.kind,
        status=status, start_time=span.start_time, end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )  # fmt: skip


def is_text(key: str) -> bool:
    """Whether an attribute holds what people wrote or read: a question, an answer, a passage, a prompt."""
    return key in TEXT_KEYS or key.endswith(".content")


def _attributes(attributes: Any, hidden: Sequence[str]) -> dict[str, Any]:
    return {
        key: HIDDEN if SECRET_NAME.search(key.rsplit(".", 1)[-1]) else _value(value, hidden)
        for key, value in (attributes or {}).items()
    }


def _value(value: Any, hidden: Sequence[str]) -> Any:
    if isinstance(value, str):
        return _text(value, hidden)
    if isinstance(value, tuple | list):
        return tuple(_text(v, hidden) if isinstance(v, str) else v for v in value)
    return value


def _text(text: str, hidden: Sequence[str]) -> str:
    for secret in hidden:
        text = text.replace(secret, HIDDEN)
    return redact_secrets(text)
