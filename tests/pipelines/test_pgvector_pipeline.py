"""The pipeline and `ask` with index.type pgvector, against a real PostgreSQL on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from tests.helpers import make_config, write_corpus

pytestmark = pytest.mark.slow


def test_a_pgvector_version_is_built_gated_and_answers_from_another_process(
    tmp_path, golden_path, postgres_url, monkeypatch
):
    monkeypatch.setenv("AGENT_FACTORY_PGVECTOR_URL", postgres_url)
    corpus = write_corpus(tmp_path / "corpus")  # its own: other tests edit the shared one
    config = make_config("pg_agent", corpus, golden_path, index={"type": "pgvector"})
    built = run_build(config)
    assert built.status == "completed"
    metadata = get_version("pg_agent", built.version).run_metadata["index"]
    assert metadata["index_type"] == "pgvector" and metadata["vector_table"].startswith("agent_factory_")
    assert postgres_url not in str(metadata)  # the URL (credentials) is never recorded
    ask = [str(Path(sys.executable).with_name("agent-factory")), "ask", "Which TCP port does the server listen on?",
           "--model", "pg_agent", "--version", built.version]  # fmt: skip
    out = subprocess.run(ask, capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "7341" in out.stdout and "docs/ports.rst" in out.stdout
    without = {k: v for k, v in os.environ.items() if k != "AGENT_FACTORY_PGVECTOR_URL"}
    out = subprocess.run(ask, capture_output=True, text=True, timeout=300, env=without)
    assert out.returncode != 0 and "AGENT_FACTORY_PGVECTOR_URL is not set" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
