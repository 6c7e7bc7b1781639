"""`tune`: choosing on one half of the golden set, confirming on the other, writing the outcome.

Over this project's own docs and golden set (42 questions with reference pages: 25 to choose,
17 to confirm), a local agent folder built once for the file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from evaluation.config import GateConfig
from evaluation.golden import load_golden
from factory.tune import GRID, TuneError, candidates, split, tune
from rag.config import RetrievalConfig
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's default config (and what it names), with a local agent folder."""
    from factory.config import load_config
    from rag.agent.local import build_local_agent

    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copytree(ROOT / "golden_questions", root / "golden_questions")
    (root / "configs").mkdir()
    text = (ROOT / "configs" / "default.yaml").read_text()
    (root / "configs" / "default.yaml").write_text(
        text.replace("evaluation:", "retrieval:\n  top_k: 5\nevaluation:")
    )
    build_local_agent(load_config(root / "configs" / "default.yaml"), root / "agent")
    return root


@pytest.fixture(scope="module")
def index(project: Path):
    from rag.agent.local import load_local_parts

    return load_local_parts(project / "agent")[0]


def test_the_split_is_fixed_by_the_ids_alone():
    ids = [f"q{i}" for i in range(60)]
    halves = split(ids)
    assert halves == split(ids) and set(halves["tune"]) == set(split(ids[::-1])["tune"])
    assert sorted(halves["tune"] + halves["held_out"]) == sorted(ids)
    assert split(ids[:30])["tune"] == [
        i for i in split(ids)["tune"] if i in ids[:30]
    ]  # adding questions moves none


def test_the_choice_reads_only_the_tune_half(index, project: Path):
    golden = load_golden(project / "golden_questions" / "docs.jsonl")
    result = tune(index, golden, RetrievalConfig(), GateConfig())
    assert result.questions == {"tune": 25, "held_out": 17}
    assert (
        len(result.tried) == len(candidates(RetrievalConfig())) and result.tried[0].settings == result.current
    )
    assert result.best == max(result.tried, key=lambda t: t.tune["mrr@10"]).settings
    assert result.held_out.n_pairs == 17 and result.in_sample.n_pairs == 25
    assert result.adopted == (result.best != result.current and result.held_out.ci_low > 0)
    held = set(split([q.id for q in golden.questions if q.reference_sources])["held_out"])
    # Break every held-out reference: the choice cannot change, only the held-out evidence.
    broken = golden.model_copy(update={"questions": [
        q.model_copy(update={"reference_sources": ["docs/nowhere.md"]}) if q.id in held else q
        for q in golden.questions]})  # fmt: skip
    again = tune(index, broken, RetrievalConfig(), GateConfig())
    assert again.best == result.best and again.in_sample == result.in_sample
    assert all(t.held_out["hit@10"] == 0 for t in again.tried) and not again.adopted


def test_too_few_questions_is_an_error_saying_how_many(index, project: Path):
    golden = load_golden(project / "golden_questions" / "docs.jsonl")
    few = golden.model_copy(update={"questions": golden.questions[:12]})
    with pytest.raises(TuneError, match=r"questions with reference pages; tuning needs 20 or more"):
        tune(index, few, RetrievalConfig(), GateConfig())


def test_the_grid_starts_from_the_current_settings():
    current = RetrievalConfig(lexical_weight=2.0)
    tried = candidates(current)
    assert tried[0] == {"lexical_weight": 2.0, "page_weight": None, "candidates": 40}
    assert len(tried) == 1 + len(GRID["lexical_weight"]) * len(GRID["page_weight"]) * len(GRID["candidates"])


def test_tune_command_prints_both_halves_and_writes_the_outcome(project: Path):
    config = project / "configs" / "default.yaml"
    before = config.read_text()
    for _ in range(2):  # twice: the second run replaces the first one's block and comment
        out = run_cli("tune", "--config", config, "--index", project / "agent", "--write")
        assert out.returncode == 0, out.stderr
    assert "questions: 25 to choose, 17 to confirm" in out.stdout
    assert "held-out half" in out.stdout and "decision: " in out.stdout
    after = config.read_text()
    assert after.count("# tuned by agent-factory tune") == 1 and after.count("retrieval:") == 1
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert all(line in after.splitlines() for line in comments)  # the user's comments stay
    data = yaml.safe_load(after)
    assert data["retrieval"]["top_k"] == 5  # the user's own setting stays
    assert {k: data["retrieval"][k] for k in GRID} in [json.loads(json.dumps(s)) for s in _outcome(project)]
    assert {k: v for k, v in yaml.safe_load(before).items() if k != "retrieval"} == {
        k: v for k, v in data.items() if k != "retrieval"
    }  # nothing else changed
    evidence = json.loads((project / "configs" / "default.tune.json").read_text())
    assert evidence["tuned_by"] == "agent-factory tune" and evidence["result"]["questions"]["held_out"] == 17


def _outcome(project: Path) -> list[dict]:
    result = json.loads((project / "configs" / "default.tune.json").read_text())["result"]
    return [result["best"] if result["adopted"] else result["current"]]


def test_tune_without_a_golden_set_names_the_field(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    config = tmp_path / "agent.yaml"
    config.write_text("name: a\nsources: [{type: directory, path: docs}]\n")
    out = run_cli("tune", "--config", config, "--index", tmp_path / "none")
    assert out.returncode == 1 and "evaluation.golden_set: not set" in out.stderr


def test_tune_searches_a_built_versions_index(first_build, pipeline_config):
    from factory.tuned_config import index_for

    index = index_for(pipeline_config, str(first_build.version), None)
    assert "docs/ports.rst" in index.doc_ids()
    golden = load_golden(pipeline_config.evaluation.golden_path)
    with pytest.raises(TuneError, match=r"7 questions with reference pages; tuning needs 20"):
        tune(index, golden, pipeline_config.retrieval, pipeline_config.evaluation.gate)
