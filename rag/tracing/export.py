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

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status

from rag.secrets import HIDDEN, MIN_SECRET, SECRET_NAME, redact_secrets, redact_text

log = logging.getLogger(__name__)
REPORT_EVERY_S = 60.0
TEXT_KEYS = {"input.value", "output.value"}


class SafeExporter(SpanExporter):
    """Cleans each span (see the module docstring), sends through `inner`, counts the outcome."""

    def __init__(
        self, inner: SpanExporter, endpoint: str, hidden: Sequence[str] = (), capture_text: bool = False
    ) -> None:
        self.inner, self.where, self.capture_text = inner, redact_text(endpoint), capture_text
        self.redactor = Redactor(hidden)
        self._lock = threading.Lock()
        self._sent = self._failed = self._reported = 0
        self._last_report = time.monotonic()  # a short run says it once, when tracing stops

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self.inner.export([clean(s, self.redactor, self.capture_text) for s in spans])
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


class Redactor:
    """Hides credentials in span attributes: `hidden` values (header values) and the value of every
    secret-named environment variable, wherever they appear, plus URL passwords and ``key=value``
    credentials. Built once: the regular expressions run on the exporter's thread, where every
    microsecond is taken from the answering threads (one GIL, two cores)."""

    def __init__(self, hidden: Sequence[str], environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        values = {v for v in hidden if v} | {
            v for k, v in env.items() if SECRET_NAME.search(k) and len(v) >= MIN_SECRET
        }
        ordered = [
            re.escape(v) for v in sorted(values, key=len, reverse=True)
        ]  # longest first: none half-hidden
        self._values = re.compile("|".join(ordered)) if ordered else None
        self._suspect = re.compile("|".join([*ordered, "://", "="]))  # one scan says whether to look closer

    def text(self, text: str) -> str:
        if not self._suspect.search(text):
            return text
        if self._values is not None:
            text = self._values.sub(HIDDEN, text)
        return redact_secrets(text, {})

    def attributes(self, attributes: Any) -> dict[str, Any]:
        return {
            key: HIDDEN if _secret_name(key) else self._value(value)
            for key, value in (attributes or {}).items()
        }

    def _value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, tuple | list):
            return tuple(self.text(v) if isinstance(v, str) else v for v in value)
        return value


@functools.lru_cache(maxsize=4096)
def _secret_name(key: str) -> bool:
    """Whether an attribute's name says it holds a credential (its last part: ``...api_key``)."""
    return bool(SECRET_NAME.search(key.rsplit(".", 1)[-1]))


def clean(span: ReadableSpan, redactor: Redactor, capture_text: bool = True) -> ReadableSpan:
    """`span` with credentials hidden (attributes, events, status) and without question, answer
    and passage text unless `capture_text`."""
    events = [Event(e.name, redactor.attributes(e.attributes), e.timestamp) for e in span.events]
    attributes = redactor.attributes(span.attributes)
    if not capture_text:
        attributes = {k: v for k, v in attributes.items() if not is_text(k)}
    if attributes == dict(span.attributes or {}) and not span.events and not span.status.description:
        return span  # nothing to hide (the usual case): no copy
    status = span.status
    if status.description:
        status = Status(status.status_code, redactor.text(status.description))
    return ReadableSpan(
        name=span.name, context=span.context, parent=span.parent, resource=span.resource,
        attributes=attributes, events=events, links=span.links, kind=span.kind,
        status=status, start_time=span.start_time, end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )  # fmt: skip


def is_text(key: str) -> bool:
    """Whether an attribute holds what people wrote or read: a question, an answer, a passage, a prompt."""
    return key in TEXT_KEYS or key.endswith(".content")
