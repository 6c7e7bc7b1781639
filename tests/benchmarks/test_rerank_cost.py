"""The reranker-cost benchmark on the tests' pages: a real MiniLM-shaped cross-encoder exported and timed."""

import json
from pathlib import Path

import pytest

from benchmarks.rerank_cost import main

pytestmark = pytest.mark.slow


def test_rerank_cost_times_the_search_alone_and_reranked(docs_index, tmp_path: Path):
    saved = docs_index.save(tmp_path / "index")
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "".join(json.dumps({"question": q}) + "\n" for q in ("Which port?", "How to back up?"))
    )
    result = main(str(saved), str(questions), [3])
    alone, reranked = result["rows"]
    assert alone == {"candidates": 0, "ms_per_question": alone["ms_per_question"], "ratio": 1.0}
    assert reranked["candidates"] == 3 and reranked["ms_per_question"] > 0 and result["questions"] == 2
