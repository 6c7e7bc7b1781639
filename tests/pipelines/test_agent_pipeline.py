"""The real pipeline on a real temporary ZenML store."""

from __future__ import annotations

import pytest
from zenml.client import Client
from zenml.enums import ExecutionStatus

from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from rag.agent.spec import AgentSpec
from rag.index.docs_index import DocsIndex
from rag.retrieval.search import retrieve
from tests.helpers import refuse_pickle

pytestmark = pytest.mark.slow


def step_status(run_id: str, step: str) -> ExecutionStatus:
    return Client().get_pipeline_run(run_id).steps[step].status


def test_build_creates_a_version_with_full_metadata(first_build, pipeline_config):
    assert first_build.status == "completed"
    mv = get_version("test_agent", first_build.version)
    meta = mv.run_metadata
    assert meta["settings"]["chunking"]["chunk_size"] == 1000
    assert meta["corpus"]["documents"] == 5 and meta["corpus"]["chunks"] >= 5
    assert len(meta["corpus"]["content_hash"]) == 64 and meta["corpus"]["sources"] == ["docs"]
    assert meta["index"]["embedding"] == {"provider": "local", "model": "all-MiniLM-L6-v2", "dimension": 384,
                                          "identity": "local|all-MiniLM-L6-v2|||int8"}  # fmt: skip
    assert len(meta["code"]["commit"]) in (40, len("unknown")) and "dirty" in meta["code"]
    assert meta["libraries"]["zenml"] == "0.98.0"
    assert {t.name for t in mv.tags} == {
        "embedding:local/all-MiniLM-L6-v2",
        "llm:extractive/extractive",
        "gate:production",
    }
    # Also on the run's step, where the open-source dashboard shows it.
    step = Client().get_pipeline_run(first_build.run_id).steps["register_version"]
    assert step.run_metadata["corpus"]["documents"] == 5


def test_artifacts_round_trip_without_pickle(first_build, monkeypatch):
    refuse_pickle(monkeypatch)
    mv = get_version("test_agent", first_build.version)
    index = mv.get_artifact("docs_index").load()
    spec = mv.get_artifact("agent_spec").load()
    assert isinstance(index, DocsIndex) and isinstance(spec, AgentSpec)
    assert (
        retrieve(index, "Which TCP port does the server listen on?", 1)[0].node.metadata["doc_id"]
        == "docs/ports.rst"
    )
    for name in ("corpus", "chunks", "corpus_fingerprint", "index_manifest"):
        assert mv.get_artifact(name).load() is not None
    # Every output of every step: none is pickled, all load with pickle refusing to run.
    loaded = []
    for step in Client().get_pipeline_run(first_build.run_id).steps.values():
        for name, versions in step.outputs.items():
            for artifact in versions:
                assert "pickle" not in str(artifact.materializer).lower(), (name, artifact.materializer)
                assert artifact.load() is not None
                loaded.append(name)
    assert {"evaluation", "decision", "golden_set", "evaluation_report", "agent_spec"} <= set(loaded)


def test_unchanged_rebuild_is_cached_and_a_changed_document_rebuilds(
    first_build, pipeline_config, pipeline_corpus
):
    first_build  # noqa: B018  (ensures ordering)
    again = run_build(pipeline_config)
    assert int(again.version) == int(first_build.version) + 1
    assert step_status(again.run_id, "ingest") == ExecutionStatus.COMPLETED  # reads the world every time
    assert step_status(again.run_id, "build_index") == ExecutionStatus.CACHED
    # The cached index is still linked to the new version and loads.
    assert get_version("test_agent", again.version).get_artifact("docs_index").load().manifest.vectors > 0

    (pipeline_corpus / "ports.rst").write_text(
        "Network ports\n=============\n\nThe widget server now listens on port 9100.\n"
    )
    changed = run_build(pipeline_config)
    assert step_status(changed.run_id, "build_index") == ExecutionStatus.COMPLETED
    index = get_version("test_agent", changed.version).get_artifact("docs_index").load()
    assert "9100" in retrieve(index, "Which port does the server listen on?", 1)[0].node.text


def test_a_build_is_one_trace_and_each_evaluated_question_a_trace_linked_to_it(
    first_build, otlp, golden_path
):
    """pipelines/tracing.py: the build's root span carries its version, each step is a child of it; the
    evaluation's questions are traces of their own linked to the build, and the report links to them."""
    (build,) = [s for s in otlp.spans if s["name"] == "build"
                and s["attributes"].get("agent_factory.version") == first_build.version]  # fmt: skip
    spans = otlp.trace(build["trace_id"])
    steps = {s["name"]: s for s in spans if s["name"].startswith("step ")}
    assert {"step ingest", "step register_version", "step release_gate"} <= set(steps)
    assert {s["parent"] for s in steps.values()} == {build["span_id"]}
    assert build["attributes"]["agent_factory.model"] == "test_agent"
    questions = [s for s in otlp.spans if s["name"] == "question" and build["trace_id"] in s["links"]]
    records = get_version("test_agent", first_build.version).get_artifact("evaluation").load().records
    if "step evaluate" in steps:  # not cached: it asked every golden question, each its own trace
        assert sorted(s["trace_id"] for s in questions) == sorted(r.trace_id for r in records)
        assert len({r.trace_id for r in records}) == len(records) and all(
            len(r.trace_id) == 32 for r in records
        )
        report = get_version("test_agent", first_build.version).get_artifact("evaluation_report").load()
        assert f"http://traces.example/trace/{records[0].trace_id}" in str(report)
    # Text capture is off: no golden question and no answer reached the collector.
    sent = b"".join(otlp.raw)
    assert not [r.question for r in records if r.question.encode() in sent]
    assert not [r.answer for r in records if len(r.answer) > 20 and r.answer.encode() in sent]
