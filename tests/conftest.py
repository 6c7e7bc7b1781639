"""Shared fixtures (isolation of ZenML and caches: the conftest.py at the project root)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_corpus


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def agent_config(corpus_dir: Path):
    from pipelines.config import AgentConfig

    return AgentConfig.model_validate(
        {"sources": [{"type": "directory", "name": "docs", "path": str(corpus_dir)}]}
    )


@pytest.fixture(scope="session")
def embed_model(agent_config):
    from rag.embeddings import build_embedding

    return build_embedding(agent_config.embedding)


@pytest.fixture(scope="session")
def docs_index(agent_config, embed_model):
    from rag.chunking import chunk_documents
    from rag.embeddings import describe
    from rag.index import DocsIndex
    from rag.sources import load_documents

    nodes = chunk_documents(load_documents(agent_config.sources), agent_config.chunking)
    info = describe(agent_config.embedding, embed_model)
    return DocsIndex.build(nodes, embed_model, agent_config.embedding, info, agent_config.index)


@pytest.fixture()
def session(agent_config, docs_index):
    from rag.agent import AgentSpec, open_session

    with open_session(AgentSpec.from_config(agent_config), docs_index) as chat:
        yield chat
