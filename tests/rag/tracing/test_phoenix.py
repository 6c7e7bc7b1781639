"""End to end against a real Arize Phoenix (issue 47), run in its own virtual environment.

Phoenix's dependencies conflict with the project's (../shared/STACK.md), so it is never installed
here: point AGENT_FACTORY_PHOENIX at the ``phoenix`` executable of a separate venv
(``python -m venv /tmp/phoenix && /tmp/phoenix/bin/pip install arize-phoenix``) to run this test.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from rag.tracing.config import TracingConfig
from rag.tracing.setup import start
from tests.helpers import free_port, serve

PHOENIX = os.environ.get("AGENT_FACTORY_PHOENIX", "")
pytestmark = pytest.mark.skipif(
    not Path(PHOENIX).is_file(),
    reason="no Phoenix here: set AGENT_FACTORY_PHOENIX to the phoenix executable of its own venv",
)


def test_phoenix_receives_the_question_as_one_trace_it_can_show(session, tmp_path: Path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("PHOENIX_WORKING_DIR", str(tmp_path / "phoenix"))
    monkeypatch.setenv("PHOENIX_PORT", str(port))
    monkeypatch.setenv("PHOENIX_GRPC_PORT", str(free_port()))
    base = f"http://127.0.0.1:{port}"
    with serve([PHOENIX, "serve"], f"{base}/healthz", tmp_path / "phoenix.log", timeout_s=180):
        config = TracingConfig(enabled=True, endpoint=f"{base}/v1/traces", service_name="phoenix_e2e")
        tracer = start(config)
        try:
            reply = session.ask("Which TCP port does the widget server listen on?")
            assert tracer.flush()
        finally:
            tracer.stop()
        ours = _spans_of(base, "phoenix_e2e", reply.trace_id)
    kinds = {s["name"]: s["span_kind"] for s in ours}
    assert kinds["question"] == "AGENT" and kinds["dense search"] == "RETRIEVER"
    assert kinds["QueryEngineTool.acall"] == "TOOL" and kinds["ExtractiveLLM.astream_chat"] == "LLM"
    (root,) = [s for s in ours if s["parent_id"] is None]
    assert root["name"] == "question" and "output.value" not in root["attributes"]  # text capture is off


def _spans_of(base: str, project: str, trace_id: str, timeout_s: float = 60) -> list[dict]:
    """The trace's spans once Phoenix has stored them (it ingests in the background)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = httpx.get(f"{base}/v1/projects/{project}/spans", params={"limit": 500}, timeout=30)
        if found.status_code == 200:
            spans = [s for s in found.json()["data"] if s["context"]["trace_id"] == trace_id]
            if any(s["parent_id"] is None for s in spans):
                return spans
        time.sleep(0.5)
    raise AssertionError(f"Phoenix never showed trace {trace_id}: {found.status_code} {found.text[:300]}")
