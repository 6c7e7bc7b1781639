"""Pipeline fixtures: one real (temporary) ZenML store for the session, set up in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_config, write_corpus, write_golden


@pytest.fixture(scope="session")
def pipeline_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("pipeline-corpus"))


@pytest.fixture(scope="session")
def golden_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_golden(tmp_path_factory.mktemp("golden") / "widgets.jsonl")


@pytest.fixture(scope="session")
def pipeline_config(pipeline_corpus: Path, golden_path: Path):
    return make_config("test_agent", pipeline_corpus, golden_path)


@pytest.fixture(scope="session")
def first_build(pipeline_config):
    from pipelines.agent_pipeline import run_build

    return run_build(pipeline_config)
