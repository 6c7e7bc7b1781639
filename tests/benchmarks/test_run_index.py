"""Smoke run of the embedding, incremental, chunking, retrieval, scale and backend sections: their code, not their numbers."""

import pytest

from tests.helpers import needs_datasets

pytestmark = [pytest.mark.slow, pytest.mark.benchmark, needs_datasets]


def test_index_sections(smoke):
    text, results = smoke("embedding", "incremental", "chunking", "retrieval", "scale", "backends")
    assert (
        "## 1. Embedding stage" in text and "## 2. Retrieval at scale" in text and "## 4. Incremental" in text
    )
    assert all(row["ratio"] > 0 for row in results["embedding"])
    flat = next(r for r in results["retrieval"] if r["index"].startswith("flat"))
    assert flat["recall@10"] == 1.0
    scale = {(row["n"], row["index_type"]) for row in results["scale"]}
    assert scale == {(2_000, "flat"), (2_000, "ivf"), (2_000, "pgvector")} and "## 7. Scale" in text
    assert all(row["answered"] == 1.0 and row["baseline"]["nodes"] == 2_000 for row in results["scale"])
    (zenml,) = results["backends"]["sets"]
    assert [row["backend"] for row in zenml["rows"]] == ["onnx before fusion", "torch", "onnx", "onnx_int8"]
    assert zenml["question_kind"] == "the set's own" and "### Embedding backends" in text
    assert "### Chunking hostile input" in text
    assert all(row["growth"] > 0 and row["chars"] == 200_000 for row in results["chunking"])
