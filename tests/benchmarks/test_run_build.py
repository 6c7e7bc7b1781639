"""Smoke run of the build (cold, cached, cold start, fan-out), large build and judge sections."""

import pytest

from tests.helpers import needs_datasets

pytestmark = [pytest.mark.slow, pytest.mark.benchmark, needs_datasets]


def test_build_sections(smoke):
    text, results = smoke("build", "large_build", "judge")
    for heading in ["## 3. Build end to end", "## 5. Evaluation cost", "## 6. Memory"]:
        assert heading in text
    assert results["build"]["cached"]["steps"]["build_index"]["status"] == "cached"
    assert results["build"]["cold"]["steps"]["build_index"]["status"] == "completed"
    cold = results["cold_start"]
    assert cold["cold_ask_s"] > 0 and cold["vector_onnx_s"] > 0 and "Cold `agent-factory ask`" in text
    assert cold["helper_ask_s"] > 0 and cold["helper_rss_mb"] > 0 and "answered by the warm helper" in text
    assert results["fanout"]["identical"] and results["fanout"]["shards"] > 1
    judge = results["judge"]
    assert judge["calls_estimated"] == judge["calls_measured"] > 0 and judge["ratio"] > 0
    assert "Judge tier, all five metrics" in text
    large = results["large_build"]["setups"]["this code"]
    assert large["chunks"] >= 40 and large["chunks_per_s"] > 0 and large["steps_s"]["build_index"] > 0
    assert "A first build of a large Markdown set" in text
