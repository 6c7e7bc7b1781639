"""LlamaIndex's steps in a question's trace, with a generative LLM behind a real HTTP server.

The LLM is OpenAILike pointed at benchmarks/fake_openai.py (a scripted OpenAI-compatible server on
127.0.0.1): it first asks for the docs tool, then answers; its replies stream without usage, as
most servers' do, so the token counts are the tokenizer's and say so.
"""

from __future__ import annotations

from benchmarks.fake_openai import FakeOpenAI
from rag.agent.spec import AgentSpec, open_session
from rag.tracing.config import TracingConfig
from rag.tracing.setup import start
from tests.fakes import OtlpReceiver

CALL = 'Thought: I should search.\nAction: docs_search\nAction Input: {"input": "backup time"}'
ANSWER = "Thought: I know now.\nAnswer: Every night at 02:00."


def test_llm_calls_are_spans_with_token_counts_and_our_search_nests_under_the_retriever(
    agent_config, docs_index
):
    otlp = OtlpReceiver()
    reply_to = lambda request: ANSWER if _observed(request.body) else CALL  # noqa: E731
    with FakeOpenAI(reply_to, models=("fake-model",)) as server:
        llm = {
            "provider": "openai_like",
            "model": "fake-model",
            "api_base": server.base_url,
            "api_key_env": "AF_NO_KEY",
        }
        spec = AgentSpec.from_config(agent_config.model_validate(agent_config.model_dump() | {"llm": llm}))
        tracer = start(TracingConfig(enabled=True, endpoint=otlp.endpoint))
        try:
            with open_session(spec, docs_index) as session:
                reply = session.ask("When are backups written?")
            tracer.flush()
        finally:
            tracer.stop()
            otlp.close()
    assert reply.answer == "Every night at 02:00."
    spans = otlp.trace(reply.trace_id)
    llm_calls = [s for s in spans if s["attributes"].get("openinference.span.kind") == "LLM"
                 and "llm.token_count.prompt" in s["attributes"]]  # fmt: skip
    assert len(llm_calls) == 2  # the tool call, then the answer
    first = llm_calls[0]["attributes"]
    assert first["llm.model_name"] == "fake-model" and first["agent_factory.tokens_estimated"] is True
    assert (
        first["llm.token_count.prompt"] > 100
        and first["llm.token_count.total"] > first["llm.token_count.prompt"]
    )
    by_id = {s["span_id"]: s for s in spans}
    (dense,) = [s for s in spans if s["name"] == "dense search"]
    assert by_id[dense["parent"]]["name"] == "DocsSearch.aretrieve"  # ours nest inside LlamaIndex's
    (tool,) = [s for s in spans if s["attributes"].get("openinference.span.kind") == "TOOL"]
    assert tool["attributes"]["tool.name"] == "docs_search"


def _observed(body: dict) -> bool:
    """Whether the agent sent the tool's observation (then it is time to answer)."""
    return str(body["messages"][-1]["content"]).startswith("Observation:")
