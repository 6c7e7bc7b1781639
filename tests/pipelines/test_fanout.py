"""Fan-out embedding: shards embedded by mapped steps merge into the single-step index exactly."""

from __future__ import annotations

import numpy as np
import pytest
from zenml.client import Client

from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from tests.helpers import make_config, write_corpus

pytestmark = pytest.mark.slow


def _index(model: str, version: str):
    return get_version(model, version).get_artifact("docs_index").load()


def test_sharded_build_equals_the_single_step_build(tmp_path, golden_path):
    corpus = write_corpus(tmp_path / "corpus")  # its own: other tests edit the shared one
    first_build = run_build(make_config("single_step_agent", corpus, golden_path))
    sharded = run_build(make_config("fanout_agent", corpus, golden_path, embedding={"shard_size": 3}))
    run = Client().get_pipeline_run(sharded.run_id)
    mapped = sorted(name for name in run.steps if name.startswith("map:embed_shard"))
    single = _index(first_build.model, first_build.version)
    fanned = _index("fanout_agent", sharded.version)
    chunks = single.manifest.vectors
    assert len(mapped) == -(-chunks // 3) > 1  # ceil: every shard its own step
    assert "build_index" not in run.steps and {"split_chunks", "merge_shards"} <= set(run.steps)
    positions = list(range(chunks))
    assert fanned.nodes.node_ids_at(positions) == single.nodes.node_ids_at(positions)  # same ids, same order
    assert np.array_equal(np.stack(fanned.vectors(positions)), np.stack(single.vectors(positions)))
    assert fanned.manifest.model_dump(exclude={"embedding_config"}) == single.manifest.model_dump(
        exclude={"embedding_config"}
    )
    assert sharded.status == "completed"
