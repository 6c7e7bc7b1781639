"""The reranker-cost section (benchmarks/run.py, rerank_cost.py): a MiniLM-shaped cross-encoder exported and timed."""

import pytest

from benchmarks.run import _rerank_cost

pytestmark = [pytest.mark.slow, pytest.mark.benchmark]


def test_rerank_cost_times_the_search_alone_and_reranked():
    result = _rerank_cost(2, (3, 5))  # this project's docs, two golden questions
    alone, *reranked = result["rows"]
    assert result["questions"] == 2 and alone == {
        "candidates": 0,
        "ms_per_question": alone["ms_per_question"],
        "ratio": 1.0,
    }
    assert [row["candidates"] for row in reranked] == [3, 5]
    assert all(row["ms_per_question"] > 0 and row["ratio"] > 0 for row in reranked)
