"""RESULTS.md is rendered from RESULTS.json by benchmarks/results.md.jinja (no benchmark runs here)."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest

from benchmarks.run import render

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "python -m benchmarks.run"


@pytest.fixture(scope="module")
def results() -> dict:
    return json.loads((ROOT / "benchmarks" / "RESULTS.json").read_text(encoding="utf-8"))


def test_the_committed_results_page_is_the_rendering_of_the_committed_numbers(results):
    assert render(results, COMMAND) == (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")


def test_a_partial_run_renders_only_its_sections(results):
    head = {k: results[k] for k in ("machine", "date", "sizes")}
    text = render(head | {"embedding": results["embedding"]}, COMMAND)
    assert "## 1. Embedding stage" in text and "## 2. Retrieval" not in text
    first = results["embedding"][0]
    assert f"| {first['batch_size']} | {first['raw_chunks_per_s']:.1f} |" in text
    scale = render(head | {"scale": results["scale"]}, COMMAND)  # no backends or fan-out measured
    assert "## 7. Scale" in scale and "Embedding backends" not in scale and "Fan-out" not in scale


def test_a_missing_number_is_an_error_not_an_empty_cell(results):
    head = {k: results[k] for k in ("machine", "date", "sizes")}
    rows = [{k: v for k, v in row.items() if k != "ratio"} for row in results["embedding"]]
    with pytest.raises(jinja2.UndefinedError, match="ratio"):
        render(head | {"embedding": rows}, COMMAND)
