"""Tracing a question end to end into a real OTLP/HTTP receiver on 127.0.0.1 (tests/fakes.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag import tracing
from rag.tracing.config import TracingConfig
from rag.tracing.setup import TracingError, start
from tests.fakes import OtlpReceiver
from tests.helpers import free_port

QUESTION = "Which TCP port does the widget server listen on?"
PLANTED = "af-PLANTED-trace-7c1e9b3d52"


@pytest.fixture()
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture()
def traced(otlp):
    """Start tracing to `otlp` with the given settings; stopped (LlamaIndex uninstrumented) after the test."""
    running = []

    def begin(**settings):
        running.append(start(TracingConfig(enabled=True, endpoint=otlp.endpoint, **settings)))
        return running[-1]

    yield begin
    for t in running:
        t.stop()


def test_a_question_is_one_trace_from_the_agent_to_the_search_stages_and_the_extractive_answer(
    session, otlp, traced
):
    tracer = traced()
    reply = session.ask(QUESTION)
    assert tracer.flush()
    spans = otlp.trace(reply.trace_id)
    by_name = {s["name"]: s for s in spans}
    (root,) = [s for s in spans if not s["parent"]]
    assert root["name"] == "question" and root["attributes"]["openinference.span.kind"] == "AGENT"
    assert root["attributes"]["agent_factory.pages"][0] == "docs/ports.rst"
    assert root["resource"]["service.name"] == "agent-factory"
    # LlamaIndex's steps (OpenInference's instrumentation) and ours, in one tree under the question
    assert {"DocsAgent.run", "QueryEngineTool.acall", "dense search", "lexical search", "fusion",
            "extractive answer"} <= set(by_name)  # fmt: skip
    assert by_name["QueryEngineTool.acall"]["attributes"]["tool.name"] == "docs_search"
    fusion = by_name["fusion"]["attributes"]
    assert fusion["agent_factory.lexical_weight"] == 3.0 and fusion["agent_factory.candidates"] >= 1
    answer = by_name["extractive answer"]["attributes"]
    assert (
        answer["agent_factory.answer.page"] == "docs/ports.rst"
        and answer["agent_factory.answer.dont_know"] is False
    )
    retrieved = [s for s in spans if s["attributes"].get("openinference.span.kind") == "RETRIEVER"
                 and "retrieval.documents.0.document.id" in s["attributes"]]  # fmt: skip
    assert retrieved and retrieved[0]["attributes"]["retrieval.documents.0.document.id"].startswith(
        "docs/ports.rst"
    )
    assert isinstance(retrieved[0]["attributes"]["retrieval.documents.0.document.score"], float)
    ids = {s["span_id"] for s in spans}
    assert all(s["parent"] in ids for s in spans if s is not root)  # one tree, nothing orphaned
    assert all(root["start"] <= s["start"] and s["end"] <= root["end"] for s in spans)


def test_with_text_capture_off_no_question_answer_or_passage_leaves_and_on_they_do(session, otlp, traced):
    tracer = traced()
    hidden = session.ask(QUESTION)
    tracer.flush()
    sent = b"".join(otlp.raw)
    assert QUESTION.encode() not in sent and hidden.answer[:40].encode() not in sent
    assert hidden.sources[0].text[:40].encode() not in sent
    tracer.stop()
    otlp.raw.clear()
    tracer = traced(capture_text=True)
    shown = session.ask("And which port does the dashboard use?")
    tracer.flush()
    sent = b"".join(otlp.raw)
    assert b"And which port does the dashboard use?" in sent and shown.answer[:40].encode() in sent


def test_no_header_value_or_secret_reaches_the_collector(session, otlp, traced, monkeypatch):
    monkeypatch.setenv("AF_TRACE_AUTH", f"Bearer {PLANTED}")
    monkeypatch.setenv("OPENAI_API_KEY", f"sk-{PLANTED}")
    tracer = traced(headers={"Authorization": {"env": "AF_TRACE_AUTH"}})
    with tracing.span("a call that quoted its settings") as current:  # as an LLM's parameters might
        current.set_attribute("llm.invocation_parameters", f'{{"api_key": "sk-{PLANTED}", "model": "m"}}')
        current.set_attribute("http.request.header.authorization", f"Bearer {PLANTED}")
    session.ask(QUESTION)
    tracer.flush()
    assert {h.get("Authorization") for h in otlp.headers} == {f"Bearer {PLANTED}"}  # sent where it belongs
    assert PLANTED.encode() not in b"".join(otlp.raw)  # and nowhere in a span
    quoted = next(s for s in otlp.spans if s["name"] == "a call that quoted its settings")["attributes"]
    assert quoted["llm.invocation_parameters"] == '{"api_key": "***", "model": "m"}'


def test_a_dead_collector_changes_no_answer_and_what_was_lost_is_counted(session, otlp):
    expected = session.ask(QUESTION).answer
    session.reset()
    dead = f"http://127.0.0.1:{free_port()}/v1/traces"  # nothing listens there
    tracer = start(TracingConfig(enabled=True, endpoint=dead, export_timeout_s=0.5))
    try:
        reply = session.ask(QUESTION)
        assert reply.answer == expected and len(reply.trace_id) == 32
    finally:
        tracer.stop()
    assert tracer.stats["sent"] == 0 and tracer.stats["not_sent"] >= 1


def test_unsampled_questions_have_no_trace(session, otlp, traced):
    tracer = traced(sample_ratio=0.0)
    reply = session.ask(QUESTION)
    tracer.flush()
    assert reply.trace_id == "" and otlp.spans == []


def test_settings_that_cannot_work_are_named(monkeypatch):
    monkeypatch.delenv("AF_UNSET_AUTH", raising=False)
    with pytest.raises(TracingError, match=r"tracing.headers.Authorization.env: \$AF_UNSET_AUTH is not set"):
        start(TracingConfig(enabled=True, headers={"Authorization": {"env": "AF_UNSET_AUTH"}}))
    assert not tracing.enabled()
    if not _has_grpc_exporter():
        with pytest.raises(TracingError, match="tracing.protocol: grpc needs"):
            start(TracingConfig(enabled=True, protocol="grpc"))
    assert start(TracingConfig()) is None and not tracing.enabled()  # off: nothing started


def _has_grpc_exporter() -> bool:
    import importlib.util

    return importlib.util.find_spec("opentelemetry.exporter.otlp.proto.grpc") is not None
