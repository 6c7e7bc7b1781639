"""Pipeline fixtures: one real (temporary) ZenML store for the session, set up in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_corpus


@pytest.fixture(scope="session")
def pipeline_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("pipeline-corpus"))


@pytest.fixture(scope="session")
def pipeline_config(pipeline_corpus: Path):
    from rag.config import AgentConfig

    return AgentConfig.model_validate(
        {"name": "test_agent", "sources": [{"type": "directory", "name": "docs", "path": str(pipeline_corpus)}]}
    )


@pytest.fixture(scope="session")
def first_build(pipeline_config):
    from pipelines.agent_pipeline import run_build

    return run_build(pipeline_config)
