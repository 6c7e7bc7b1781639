"""RESULTS.md is rendered from RESULTS.json by benchmarks/results.md.jinja (no benchmark runs here)."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest

from benchmarks.common import cpu
from benchmarks.render import render
from benchmarks.run import SMOKE, collect

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


def test_sections_kept_from_another_run_say_when_and_on_what_cpu(results):
    head = {k: results[k] for k in ("machine", "date", "sizes")}
    head["machine"] = head["machine"] | {"cpu_model": "Xeon", "int8": "AMX"}
    here = {"date": head["date"], "cpu_model": "Xeon", "int8": "AMX"}
    there = {"date": "2026-11-30T10:00:00", "cpu_model": "AMD EPYC 7B13", "int8": "AVX2"}
    r = head | {"embedding": results["embedding"], "scale": results["scale"], "chunking": results["chunking"]}
    text = render(r | {"measured": {"embedding": here, "scale": there}}, COMMAND)
    assert "2 cores of Xeon (int8 instructions: AMX)" in text
    kept = next(line for line in text.splitlines() if line.startswith("Sections kept from earlier runs"))
    assert "scale: 2026-11-30 on AMD EPYC 7B13 (int8: AVX2)" in kept
    assert "chunking: earlier runs, machine not recorded" in kept and "embedding" not in kept
    same = {"embedding": here, "scale": here, "chunking": here}
    assert "Sections kept" not in render(r | {"measured": same}, COMMAND)


def test_a_partial_run_stamps_its_sections_and_keeps_the_others_stamps(results):
    there = {"date": "2026-11-30T10:00:00", "cpu_model": "AMD EPYC 7B13", "int8": "AVX2"}
    earlier = {"scale": results["scale"], "measured": {"scale": there}}
    ran = collect(SMOKE, ROOT / "configs" / "default.yaml", ["chunking"], earlier)
    assert ran["measured"]["scale"] == there and ran["scale"] == results["scale"]
    assert ran["measured"]["chunking"] == {"date": ran["date"], **cpu()}
    assert ran["machine"]["int8"] == cpu()["int8"] and "chunking" in ran
