"""ChatSession: talk to an agent across turns, get answers with their sources.

>>> import tempfile
>>> from rag.config import RagConfig
>>> from rag.agent.local import build_local_agent, open_local_agent
>>> config = RagConfig.model_validate(
...     {"sources": [{"type": "directory", "path": "docs", "include": ["installation.md"]}]})
>>> folder = tempfile.mkdtemp() + "/agent"
>>> _ = build_local_agent(config, folder)
>>> with open_local_agent(folder) as session:  # a ChatSession
...     reply = session.ask("How do I install Agent Factory?")
...     streamed = "".join(session.stream("And how do I run the tests?"))
>>> reply.sources[0].doc_id, len(session.history), streamed == session.history[-1].answer
('docs/installation.md', 2, True)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from llama_index.core.agent.workflow import AgentStream, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.workflow import Context
from opentelemetry import context as otel_context
from opentelemetry import trace
from pydantic import BaseModel

from rag import tracing
from rag.agent.docs_agent import DocsAgent
from rag.errors import AgentFactoryError


class QuestionError(AgentFactoryError):
    """A question that cannot be asked: empty, or longer than the configured limit."""


class SourceRef(BaseModel):
    """A retrieved chunk: which document, how similar, and its text."""

    doc_id: str
    title: str = ""
    url: str = ""  # where a reader can open it (page#section); empty for unpublished files
    section: str = ""  # its heading path, "Page > Section"
    anchors: str = ""  # the anchors of the chunk's heading path, outermost first (section-level hits)
    node_id: str
    score: float | None
    text: str


class ToolCall(BaseModel):
    tool: str
    input: dict[str, Any]
    sources: list[SourceRef]


class ChatAnswer(BaseModel):
    """One turn: the answer, the chunks the agent retrieved, its tool calls and latency."""

    question: str
    answer: str
    sources: list[SourceRef]
    tool_calls: list[ToolCall]
    latency_s: float
    trace_id: str = ""  # its trace in the team's viewer; "" when tracing is off or it was not sampled


def _sources(raw_output: Any) -> list[SourceRef]:
    refs = []
    for hit in getattr(raw_output, "source_nodes", None) or []:
        meta = hit.node.metadata
        refs.append(
            SourceRef(
                doc_id=meta.get("doc_id", hit.node.ref_doc_id or ""),
                title=meta.get("title", ""),
                url=meta.get("url", ""),
                section=meta.get("section", ""),
                anchors=meta.get("anchors", ""),
                node_id=hit.node.node_id,
                score=hit.score,
                text=hit.node.get_content(),
            )
        )
    return refs


class ChatSession:
    """Memory across turns lives in one workflow ``Context`` on one private event loop."""

    def __init__(self, agent: DocsAgent, billed: bool = True, max_question_chars: int = 4000) -> None:
        self.agent = agent
        self.billed = billed  # whether its LLM's tokens cost money (rag.registry.Provider.billed)
        self.max_question_chars = max_question_chars
        self._loop = asyncio.new_event_loop()
        self._ctx, self._memory = Context(agent), agent.new_memory()
        self.history: list[ChatAnswer] = []

    def ask(self, question: str) -> ChatAnswer:
        """Answer one question (remembering earlier turns)."""
        for _ in self.stream(question):
            pass
        return self.history[-1]

    def stream(
        self,
        question: str,
        chat_history: list[ChatMessage] | None = None,
        traced: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        """Yield the answer as it is written; the full ChatAnswer lands in ``history``.

        An empty or over-long question is refused (:class:`QuestionError`) before anything runs,
        and the conversation so far is kept. `chat_history` replaces the remembered conversation
        (a stateless server passes the messages its client sent). With tracing on the turn is one
        trace, its root span carrying `traced` (version, channel) as attributes.
        """
        self.check(question)
        root = tracing.open_trace("question", "AGENT", {**(traced or {}), "input.value": question})
        inside = trace.set_span_in_context(root)
        events, before = self._turn(question, chat_history, tracing.trace_id(root)), len(self.history)
        try:
            while True:
                token = otel_context.attach(inside)  # the agent's tasks start in the question's trace
                try:
                    delta = self._loop.run_until_complete(events.__anext__())
                finally:
                    otel_context.detach(token)
                yield delta
        except StopAsyncIteration:
            return
        except BaseException as exc:
            root.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            _finish(root, self.history[-1] if len(self.history) > before else None)

    def check(self, question: str) -> None:
        """Raise :class:`QuestionError` for a question the agent must not be sent."""
        if not question.strip():
            raise QuestionError("the question is empty")
        if len(question) > self.max_question_chars:
            raise QuestionError(
                f"the question has {len(question)} characters; the limit is {self.max_question_chars} "
                "(chat.max_question_chars)"
            )

    def reset(self) -> None:
        """Forget the conversation."""
        self._ctx, self._memory = Context(self.agent), self.agent.new_memory()
        self.history.clear()

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def __enter__(self) -> ChatSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _turn(
        self, question: str, chat_history: list[ChatMessage] | None, trace_id: str
    ) -> AsyncIterator[str]:
        start = time.perf_counter()
        handler = self.agent.run(
            user_msg=question, ctx=self._ctx, chat_history=chat_history, memory=self._memory
        )
        calls: list[ToolCall] = []
        sent = 0
        async for event in handler.stream_events():
            if isinstance(event, ToolCallResult):
                calls.append(
                    ToolCall(
                        tool=event.tool_name,
                        input=dict(event.tool_kwargs),
                        sources=_sources(event.tool_output.raw_output),
                    )
                )
                sent = 0
            elif isinstance(event, AgentStream):
                # Only the text after "Answer:" is for the user; thoughts and actions are not.
                _head, marker, answer = event.response.partition("Answer:")
                if marker and len(answer.lstrip()) > sent:
                    delta = answer.lstrip()[sent:]
                    sent += len(delta)
                    yield delta
        result = await handler
        answer = (result.response.content or "").strip()
        if not sent and answer:
            yield answer  # an LLM that did not stream still shows its answer
        sources = [s for call in calls for s in call.sources]
        self.history.append(
            ChatAnswer(
                question=question,
                answer=answer,
                sources=sources,
                tool_calls=calls,
                latency_s=time.perf_counter() - start,
                trace_id=trace_id,
            )
        )


def _finish(root: trace.Span, answered: ChatAnswer | None) -> None:
    """End a question's span with what it gave: the answer (masked unless text capture is on), its pages."""
    if answered is not None and root.is_recording():
        root.set_attribute("output.value", answered.answer)
        root.set_attribute("agent_factory.pages", list(dict.fromkeys(s.doc_id for s in answered.sources)))
        root.set_attribute("agent_factory.tool_calls", len(answered.tool_calls))
    root.end()
