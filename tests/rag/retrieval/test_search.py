from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.config import RagConfig, RetrievalConfig
from rag.retrieval.search import DocsSearch, retrieve

QUESTION = "Where is widget part 123 stored?"


def _ids(hits) -> list[str]:
    return [h.node.node_id for h in hits]


def test_steps_from_the_config_rerank_the_candidates_before_the_top_k(parts_index, cross_encoder: Path):
    plain = _ids(retrieve(parts_index, QUESTION, 3))
    assert plain[0] != "parts/p123.md#1"
    step = {"type": "onnx_rerank", "path": str(cross_encoder), "candidates": 20}
    config = RetrievalConfig.model_validate({"top_k": 3, "steps": [step]})
    reranked = DocsSearch.from_defaults(parts_index, config).retrieve(QUESTION)
    assert len(reranked) == 3 and _ids(reranked)[0] == "parts/p123.md#1"  # "spare gasket" weighs most


def test_a_step_reads_only_its_candidates_and_the_rest_keep_their_order(parts_index, cross_encoder: Path):
    step = {"type": "onnx_rerank", "path": str(cross_encoder), "candidates": 2}
    config = RetrievalConfig.model_validate({"top_k": 6, "steps": [step]})
    plain = _ids(retrieve(parts_index, QUESTION, 6))
    reranked = _ids(DocsSearch.from_defaults(parts_index, config).retrieve(QUESTION))
    assert (
        reranked[:2] == plain[1::-1] and reranked[2:] == plain[2:]
    )  # the two swapped, the rest as they were


def test_steps_validate_by_their_own_settings_and_errors_name_the_field():
    with pytest.raises(ValidationError, match=r"retrieval.steps.0.type\n.*unknown search step 'cohere'"):
        RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}],
                                  "retrieval": {"steps": [{"type": "cohere"}]}})  # fmt: skip
    with pytest.raises(ValidationError, match=r"retrieval.steps.0.url\n"):
        RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}],
                                  "retrieval": {"steps": [{"type": "http_rerank", "url": "ftp://x"}]}})  # fmt: skip
    config = RetrievalConfig.model_validate({"steps": [{"type": "http_rerank", "url": "http://r:1/rerank"}]})
    assert config.model_dump()["steps"][0]["url"] == "http://r:1/rerank"  # dumped with the step's own fields
