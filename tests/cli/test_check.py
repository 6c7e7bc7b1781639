"""`agent-factory check` in a real subprocess against the session's production (read-only: a
check moves no stage, which these tests assert)."""

import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_config

pytestmark = pytest.mark.slow


def _config(path: Path, name: str, corpus: Path, golden: Path) -> Path:
    return write_config(path, f"name: {name}\nsources:\n  - type: directory\n    name: docs\n    path: {corpus}\n"
                              f"evaluation:\n  golden_set: {golden}\n")  # fmt: skip


def _stages(model: str) -> list[tuple[str, str | None]]:
    from zenml.client import Client

    return [(mv.name, mv.stage) for mv in Client().list_model_versions(model=model, size=100).items]


def test_an_unchanged_branch_would_be_promoted_and_moves_no_stage(
    first_build, pipeline_corpus, golden_path, tmp_path
):
    from zenml.client import Client

    before = _stages("test_agent")
    config = _config(tmp_path / "agent.yaml", "test_agent", pipeline_corpus, golden_path)
    done = run_cli("check", "--config", config, "--summary", tmp_path / "out/summary.md",
                   "--report", tmp_path / "out/report.html")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    production = Client().get_model_version("test_agent", "production").name
    assert f"test_agent: would be promoted: not worse than production v{production}" in done.stdout
    assert _stages("test_agent") == before  # no stage moved, no version added
    summary = (tmp_path / "out/summary.md").read_text()
    assert summary.startswith(
        f"<!-- agent-factory check summary -->\n## ✅ test_agent: would be promoted: not worse than production v{production}"
    )
    assert "| primary | score |" in summary and "No question's score moved" in summary
    assert "No page changed" in summary
    assert "<html" in (tmp_path / "out/report.html").read_text()[:200].lower()
    candidate = Client().get_model_version("test_agent-candidates", "latest")
    assert candidate.stage is None and "candidate" in [t.name for t in candidate.tags]
    assert candidate.run_metadata["check"] == {"model": "test_agent", "version": "production"}


def test_a_branch_deleting_a_third_of_the_docs_would_not_be_promoted(
    first_build, pipeline_corpus, golden_path, tmp_path
):
    corpus = shutil.copytree(pipeline_corpus, tmp_path / "corpus")
    for name in ("ports.rst", "backups.md"):
        (corpus / name).unlink()
    before = _stages("test_agent")
    config = _config(tmp_path / "agent.yaml", "test_agent", corpus, golden_path)
    done = run_cli("check", "--config", config, "--summary", tmp_path / "summary.md")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "test_agent: would not be promoted" in done.stdout
    assert _stages("test_agent") == before
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("<!-- agent-factory check summary -->\n## ❌ test_agent: would not be promoted")
    assert "- removed (2): <code>docs/backups.md</code>, <code>docs/ports.rst</code>" in summary
    assert "**backup-keep**" in summary and "**port**" in summary  # the questions whose pages went


def test_against_a_version_that_does_not_exist_fails_before_building(
    first_build, pipeline_corpus, golden_path, tmp_path
):
    from zenml.client import Client

    config = _config(tmp_path / "agent.yaml", "test_agent", pipeline_corpus, golden_path)
    runs = Client().list_pipeline_runs(size=1).total
    done = run_cli("check", "--config", config, "--against", "999")
    assert done.returncode == 1
    assert "--against 999: model 'test_agent' has no version 999" in done.stderr
    wrong = run_cli("check", "--config", config, "--against", "staging")
    assert wrong.returncode == 1 and "use production or a version number, not 'staging'" in wrong.stderr
    # outputs that would replace files the tool did not write are refused before anything runs
    before = {p: p.read_bytes() for p in (config, golden_path)}
    clobber = run_cli("check", "--config", config, "--summary", golden_path, "--report", config)
    assert clobber.returncode == 1 and "wrote" not in clobber.stdout
    assert f"{golden_path}: exists and is not a summary this tool wrote" in clobber.stderr
    assert {p: p.read_bytes() for p in before} == before
    assert Client().list_pipeline_runs(size=1).total == runs  # refused before any pipeline ran


def test_without_production_the_check_judges_against_plain_search(pipeline_corpus, golden_path, tmp_path):
    from zenml.client import Client

    config = _config(tmp_path / "agent.yaml", "check_new_agent", pipeline_corpus, golden_path)
    done = run_cli("check", "--config", config, "--summary", tmp_path / "summary.md")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check_new_agent: would be promoted: " in done.stdout
    assert " than plain search over the same pages (score, n=" in done.stdout
    summary = (tmp_path / "summary.md").read_text()
    assert "against plain search over the same pages (check_new_agent has no production" in summary
    assert "| primary (vs plain search) | score |" in summary
    assert not Client().list_models(name="check_new_agent").items  # the agent's own model was never created
