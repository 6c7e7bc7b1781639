"""A reranker from another installed package, found through its entry point and measured unchanged.

The package is written here as an installed distribution would be (a ``.dist-info`` folder with
``entry_points.txt`` on ``sys.path``); its step reverses the candidates, so a working benchmark
must measure it worse than the search without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import run_cli, write_corpus, write_golden

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = """
from typing import Literal
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from rag.config import SearchStepSettings
from rag.registry import SearchStep

class ReverseSettings(SearchStepSettings):
    type: Literal["reverse"] = "reverse"

class Reverse(BaseNodePostprocessor):
    def _postprocess_nodes(self, nodes, query_bundle=None):
        return nodes[::-1]

def build(settings, index):
    return Reverse()

STEP = SearchStep(config="af_reverse_step:ReverseSettings", factory="af_reverse_step:build")
"""


def _install_plugin(site: Path) -> None:
    (site / "af_reverse_step.py").parent.mkdir(parents=True, exist_ok=True)
    (site / "af_reverse_step.py").write_text(PLUGIN)
    info = site / "af_reverse_step-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: af-reverse-step\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[agent_factory.search_steps]\nreverse = af_reverse_step:STEP\n")


def test_a_plugin_reranker_is_picked_up_and_measured(tmp_path: Path):
    site = tmp_path / "site"
    _install_plugin(site)
    write_corpus(tmp_path / "docs")
    write_golden(tmp_path / "golden.jsonl")
    config = tmp_path / "agent.yaml"
    config.write_text(
        "name: plug\nsources: [{type: directory, path: docs}]\nevaluation: {golden_set: golden.jsonl}\n"
    )
    assert run_cli("index", "--config", config, "--out", tmp_path / "agent", cwd=tmp_path).returncode == 0
    variants = tmp_path / "variants.yaml"
    variants.write_text("search: {}\nreversed: {steps: [{type: reverse, candidates: 50}]}\n")
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    out = subprocess.run([sys.executable, "-m", "benchmarks.search_variants", str(config), str(tmp_path / "agent"),
                          str(variants)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {row["variant"]: row for row in json.loads(out.stdout)["rows"]}
    both = ("tune", "held_out")
    assert sum(rows["reversed"][h]["mrr@10"] for h in both) < sum(rows["search"][h]["mrr@10"] for h in both)
    assert rows["reversed"]["ms_per_question"] > 0
    # Without the package the same variants file is an error naming the step, not a silent skip.
    out = subprocess.run([sys.executable, "-m", "benchmarks.search_variants", str(config), str(tmp_path / "agent"),
                          str(variants)], capture_output=True, text=True, cwd=ROOT, timeout=600)  # fmt: skip
    assert out.returncode != 0 and "unknown search step 'reverse'" in out.stderr
