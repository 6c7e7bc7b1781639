"""Incremental rebuilds: only changed chunks are embedded; removed documents disappear."""

from __future__ import annotations

import pytest
from zenml.client import Client

from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from rag.retrieval.search import retrieve
from tests.helpers import make_config, write_golden

pytestmark = pytest.mark.slow


def cache_stats(run_id: str) -> dict:
    return Client().get_pipeline_run(run_id).steps["build_index"].run_metadata["embedding_cache"]


def test_one_changed_document_of_100_is_the_only_one_embedded(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(100):
        (corpus / f"doc{i:03d}.md").write_text(
            f"# Part {i}\n\nWidget part number {i} weighs {i * 7 + 3} grams and is painted colour {i}.\n"
        )
    golden = write_golden(tmp_path / "golden.jsonl", [
        {"id": "w", "question": "How much does widget part number 42 weigh?", "reference_answer": "297 grams.",
         "reference_sources": ["docs/doc042.md"], "must_include": ["297"]},
        {"id": "oos", "question": "Who won the football world cup in 1998?", "expect_refusal": True},
    ])  # fmt: skip
    config = make_config("incremental_agent", corpus, golden)
    first = run_build(config)
    assert cache_stats(first.run_id) == {"chunks_embedded": 100, "chunks_reused": 0}

    (corpus / "doc042.md").write_text(
        "# Part 42\n\nWidget part number 42 was redesigned and now weighs 512 grams.\n"
    )
    second = run_build(config)
    assert cache_stats(second.run_id) == {"chunks_embedded": 1, "chunks_reused": 99}
    index = get_version("incremental_agent", second.version).get_artifact("docs_index").load()
    hit = retrieve(index, "How much does widget part number 42 weigh?", 1)[0]
    assert "512 grams" in hit.node.text

    (corpus / "doc007.md").unlink()
    third = run_build(config)
    assert cache_stats(third.run_id) == {"chunks_embedded": 0, "chunks_reused": 99}
    index = get_version("incremental_agent", third.version).get_artifact("docs_index").load()
    assert "docs/doc007.md" not in {n.metadata["doc_id"] for n in index.docstore.docs.values()}
    assert index.manifest.vectors == 99
