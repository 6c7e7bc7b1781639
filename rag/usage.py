"""Counting LLM calls and tokens, per question and in total.

A :class:`UsageMeter` listens on an LLM's LlamaIndex callback manager. Tokens come from the
usage the server reported; when a response carries none (streamed replies, some local
servers) they are counted with the tokenizer and the record says ``estimated``. Calls are
attributed to the scope open where they happen: scopes live in a ``contextvars`` variable,
so concurrent asyncio tasks each count to their own question.

>>> from llama_index.core.llms import MockLLM
>>> llm = MockLLM(max_tokens=5)
>>> meter = UsageMeter().attach(llm)
>>> with meter.scope("q1"):
...     _ = llm.complete("How do I install?")
>>> meter.usage("q1").calls, meter.total().calls
(1, 1)
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload
from llama_index.core.callbacks.base_handler import BaseCallbackHandler
from llama_index.core.callbacks.token_counting import get_llm_token_counts
from llama_index.core.utilities.token_counting import TokenCounter
from pydantic import BaseModel

_scope: contextvars.ContextVar[str] = contextvars.ContextVar("usage_scope", default="")


class Usage(BaseModel):
    """LLM calls and tokens; ``estimated`` when some counts come from the tokenizer, not the server.

    ``failed`` counts calls that raised after our retries (nothing billed, nothing counted).
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failed: int = 0
    estimated: bool = False

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            failed=self.failed + other.failed,
            estimated=self.estimated or other.estimated,
        )


def _reported(response: Any) -> bool:
    raw = getattr(response, "raw", None)
    usage = raw.get("usage") if isinstance(raw, dict) else getattr(raw, "usage", None)
    return bool(usage) or "prompt_tokens" in (getattr(response, "additional_kwargs", None) or {})


class UsageMeter(BaseCallbackHandler):
    """Counts every LLM call of the LLMs it is attached to, under the scope open at the time.

    ``free=True`` (the extractive answerer) counts calls but no tokens: nothing is billed.
    """

    def __init__(self, free: bool = False) -> None:
        super().__init__(event_starts_to_ignore=[], event_ends_to_ignore=[])
        self.free = free
        self._by_scope: dict[str, Usage] = defaultdict(Usage)
        self._counter = TokenCounter()

    def attach(self, llm: Any) -> UsageMeter:
        # LLMs share LlamaIndex's global callback manager by default: give this one its own,
        # or the meter would count every LLM in the process.
        llm.callback_manager = CallbackManager([*llm.callback_manager.handlers, self])
        return self

    def detach(self, llm: Any) -> None:
        llm.callback_manager.remove_handler(self)

    @contextlib.contextmanager
    def scope(self, key: str) -> Iterator[None]:
        token = _scope.set(key)
        try:
            yield
        finally:
            _scope.reset(token)

    def usage(self, key: str) -> Usage:
        return self._by_scope.get(key, Usage())

    def total(self) -> Usage:
        return sum(self._by_scope.values(), Usage())

    def on_event_end(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        **kwargs: Any,
    ) -> None:
        if event_type != CBEventType.LLM or not payload:
            return
        if EventPayload.EXCEPTION in payload:
            self._by_scope[_scope.get()] += Usage(failed=1)
            return
        if self.free:
            self._by_scope[_scope.get()] += Usage(calls=1)
            return
        counts = get_llm_token_counts(self._counter, payload, event_id)
        response = payload.get(EventPayload.RESPONSE) or payload.get(EventPayload.COMPLETION)
        self._by_scope[_scope.get()] += Usage(
            calls=1,
            prompt_tokens=counts.prompt_token_count,
            completion_tokens=counts.completion_token_count,
            estimated=not _reported(response),
        )

    def on_event_start(self, event_type: CBEventType, payload: Any = None, event_id: str = "", parent_id: str = "", **kwargs: Any) -> str:  # fmt: skip
        return event_id

    def start_trace(self, trace_id: str | None = None) -> None:
        pass

    def end_trace(self, trace_id: str | None = None, trace_map: Any = None) -> None:
        pass
