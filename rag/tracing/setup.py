"""Start and stop tracing: an OTLP exporter behind a bounded queue and a redacting exporter,
LlamaIndex's instrumentation, all on a tracer provider of our own (never the global one).

Sending happens on a background thread: a question only appends its spans to a bounded queue,
so an unreachable collector never slows or fails an answer; what could not be sent is counted
(:attr:`Tracing.stats`) and reported in one log line per minute.

>>> from rag.tracing.config import TracingConfig
>>> tracing = start(TracingConfig(enabled=True, endpoint="http://127.0.0.1:9/v1/traces", export_timeout_s=0.5))
>>> from rag.tracing import span, trace_id
>>> with span("question", "AGENT") as s:
...     len(trace_id(s))
32
>>> tracing.stop()
>>> with span("question", "AGENT") as s:  # stopped: the no-op again
...     trace_id(s)
''
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from rag import tracing
from rag.errors import AgentFactoryError
from rag.secrets import read_secret
from rag.tracing.config import HeaderValue, TracingConfig
from rag.tracing.export import EndedCounter, SafeExporter

log = logging.getLogger(__name__)
_lock = threading.Lock()
_active: Tracing | None = None


class TracingError(AgentFactoryError):
    """Tracing cannot start as configured: a header's key is missing, a protocol's package absent."""


class Tracing:
    """The running tracer of this process; :meth:`stop` sends what is queued (bounded) and ends it."""

    def __init__(self, config: TracingConfig, provider: TracerProvider, exporter: SafeExporter,
                 counter: EndedCounter) -> None:  # fmt: skip
        self.config, self.provider, self.exporter, self.counter = config, provider, exporter, counter
        self.stopped = False

    @property
    def stats(self) -> dict[str, int]:
        """Spans sent to the collector and spans it never got (failed sends; once stopped, every one
        that did not leave: a full queue, a collector still down at exit)."""
        return self.exporter.stats(self.counter.ended if self.stopped else None)

    def flush(self) -> bool:
        """Send what is queued now (tests, the end of a build); False if the collector did not take it."""
        return self.provider.force_flush(int(self.config.export_timeout_s * 2000))

    def stop(self) -> None:
        global _active
        with _lock:
            if _active is not self:
                return
            _active = None
        from rag.tracing import llama_index

        llama_index.uninstall()
        tracing.set_tracer(None)
        # One last send, waited for at most export_timeout_s: a dead collector never holds up an exit.
        last = threading.Thread(target=self.provider.shutdown, daemon=True, name="tracing-shutdown")
        last.start()
        last.join(self.config.export_timeout_s)
        self.stopped = True
        self.exporter.report(ended=self.counter.ended)


def start(config: TracingConfig) -> Tracing | None:
    """Trace this process as `config` says (None when tracing is off); replaces a running tracer."""
    if not config.enabled:
        return None
    from rag.tracing import llama_index

    # The exporter logs each retry; SafeExporter says once a minute what was lost instead.
    logging.getLogger("opentelemetry.exporter.otlp").setLevel(logging.CRITICAL)
    headers = {name: _header(name, value) for name, value in config.headers.items()}
    exporter = SafeExporter(
        _exporter(config, headers), config.endpoint, list(headers.values()), config.capture_text
    )
    provider = TracerProvider(
        # Phoenix files traces under the project named by openinference.project.name
        resource=Resource.create(
            {"service.name": config.service_name, "openinference.project.name": config.service_name}
        ),
        sampler=ParentBased(TraceIdRatioBased(config.sample_ratio)),
    )
    counter = EndedCounter()
    provider.add_span_processor(counter)
    provider.add_span_processor(BatchSpanProcessor(exporter, max_queue_size=config.max_queue,
                                                   export_timeout_millis=int(config.export_timeout_s * 1000)))  # fmt: skip
    global _active
    if _active is not None:
        _active.stop()
    with _lock:
        tracer = provider.get_tracer("agent_factory")
        steps = llama_index.install(tracer)
        tracing.set_tracer(tracer, config.capture_text, steps.current)
        _active = Tracing(config, provider, exporter, counter)
    atexit.register(_active.stop)
    log.info("tracing to %s (%s, sampling %.2f)", exporter.where, config.protocol, config.sample_ratio)
    return _active


def active() -> Tracing | None:
    return _active


def _header(name: str, value: HeaderValue) -> str:
    where = f"tracing.headers.{name}"
    if value.secret:
        return read_secret(value.secret, f"{where}.secret", f"{where}.env")
    found = os.environ.get(value.env, "")
    if not found:
        raise TracingError(f"{where}.env: ${value.env} is not set")
    return found


def _exporter(config: TracingConfig, headers: dict[str, str]) -> SpanExporter:
    timeout = config.export_timeout_s
    if config.protocol == "http":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=config.endpoint, headers=headers, timeout=timeout)
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
    except ImportError:
        raise TracingError(
            "tracing.protocol: grpc needs `pip install opentelemetry-exporter-otlp-proto-grpc==1.43.0`"
            " (or use protocol: http, which every collector named in docs/observability.md accepts)"
        ) from None
    return GrpcExporter(endpoint=config.endpoint, headers=headers, timeout=timeout)
