"""Shared fixtures (isolation of ZenML and caches: the conftest.py at the project root)."""

from __future__ import annotations

import atexit
from pathlib import Path

import pytest

from tests.helpers import make_config, write_corpus, write_golden


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def agent_config(corpus_dir: Path):
    from factory.config import AgentConfig

    return AgentConfig.model_validate(
        {"sources": [{"type": "directory", "name": "docs", "path": str(corpus_dir)}]}
    )


@pytest.fixture(scope="session")
def embed_model(agent_config):
    from rag.index.embeddings import build_embedding

    return build_embedding(agent_config.embedding)


@pytest.fixture(scope="session")
def docs_index(agent_config, embed_model):
    from rag.index.docs_index import DocsIndex
    from rag.index.embeddings import describe
    from rag.ingest.chunking import chunk_documents
    from rag.ingest.sources import load_documents

    nodes = chunk_documents(load_documents(agent_config.sources), agent_config.chunking)
    info = describe(agent_config.embedding, embed_model)
    return DocsIndex.build(nodes, embed_model, agent_config.embedding, info, agent_config.index)


@pytest.fixture()
def session(agent_config, docs_index):
    from rag.agent.spec import AgentSpec, open_session

    with open_session(AgentSpec.from_config(agent_config), docs_index) as chat:
        yield chat


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL with pgvector on 127.0.0.1 (pgserver's binaries), for the session.

    pgserver creates the cluster (as an unprivileged user when run as root) and starts it on a
    socket only; it is restarted here listening on 127.0.0.1, as a user's server would be.
    """
    import pgserver
    from pgserver._commands import pg_ctl

    from tests.helpers import free_port

    data = tmp_path_factory.mktemp("postgres") / "data"
    server = pgserver.get_server(data, cleanup_mode=None)
    server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
    pg_ctl(["-w", "stop"], pgdata=data, user=server.system_user)
    port = free_port()
    pg_ctl(["-w", "-o", f"-h 127.0.0.1 -p {port} -k {data}", "-l", str(data / "tcp.log"), "start"],
           pgdata=data, user=server.system_user)  # fmt: skip
    yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    pg_ctl(["-w", "stop"], pgdata=data, user=server.system_user)
    atexit.unregister(server._cleanup)  # stopped here; its exit hook would recreate its lock folder


# One real (temporary) ZenML store per session (the conftest.py at the project root); the
# model these build is shared read-only by the pipeline, factory and CLI tests of a worker.
@pytest.fixture(scope="session")
def pipeline_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("pipeline-corpus"))


@pytest.fixture(scope="session")
def golden_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_golden(tmp_path_factory.mktemp("golden") / "widgets.jsonl")


@pytest.fixture(scope="session")
def otlp():
    """A real OTLP/HTTP receiver on 127.0.0.1 (tests/fakes.py) that the shared builds trace to."""
    from tests.fakes import OtlpReceiver

    receiver = OtlpReceiver()
    yield receiver
    receiver.close()


TRACE_URL = "http://traces.example/trace/{trace_id}"


@pytest.fixture(scope="session")
def pipeline_config(pipeline_corpus: Path, golden_path: Path, otlp):
    """The shared build's config; traced (text capture off), so every pipeline test runs with tracing on."""
    tracing = {"enabled": True, "endpoint": otlp.endpoint, "trace_url": TRACE_URL}
    return make_config("test_agent", pipeline_corpus, golden_path, tracing=tracing)


@pytest.fixture(scope="session")
def first_build(pipeline_config):
    from pipelines.agent_pipeline import run_build

    return run_build(pipeline_config)
