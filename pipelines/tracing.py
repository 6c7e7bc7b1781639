"""Builds as traces: each step a span of its build's trace (rag/tracing; nothing when tracing is off).

``run_build`` opens the build's root span; on the local orchestrator the steps run in the same
thread, so each :func:`traced` step nests under it, and the evaluation's questions are traces of
their own linked to the ``evaluate`` step. (On a remote orchestrator a step runs elsewhere, where
no tracer was started: the build's trace then holds its root span only.)
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from opentelemetry.trace import Span

from rag import progress, tracing
from rag.tracing.config import TracingConfig
from rag.tracing.setup import start

F = TypeVar("F", bound=Callable[..., Any])


def traced(step: F) -> F:
    """`step` run inside a span named after it, the progress it ticks shown (rag/progress.py: bars in
    a terminal, else a line per interval in the step's log); ZenML still sees the function's own signature."""

    @functools.wraps(step)
    def run(*args: Any, **kwargs: Any) -> Any:
        say = logging.getLogger(step.__module__).info
        with tracing.span(f"step {step.__name__}", "CHAIN"), progress.shown(say, progress.terminal()):
            return step(*args, **kwargs)

    return run  # type: ignore[return-value]


@contextlib.contextmanager
def build_trace(settings: TracingConfig, model: str) -> Iterator[Span]:
    """Tracing started as `settings` say, the build's root span open inside; stopped after, so
    what is queued is sent (bounded) and the build's trace arrives whole."""
    traced = start(settings)
    try:
        with tracing.span("build", "CHAIN", {"agent_factory.model": model}) as root:
            yield root
    finally:
        if traced:
            traced.stop()
