"""Release checks in the library: names, --against validation, a failed candidate removed.
The command itself runs in a real subprocess in tests/cli/test_check.py."""

import shutil

import pytest

from factory.check import CheckError, candidates_model, checked_model, resolve_against


def test_candidates_live_in_their_own_model():
    assert candidates_model("docs") == "docs-candidates" and checked_model("docs-candidates") == "docs"
    assert checked_model("docs") is None


def test_against_takes_production_or_a_number_only():
    with pytest.raises(CheckError, match="use production or a version number, not 'latest'"):
        resolve_against("docs", "latest")
    assert resolve_against("no_such_agent", "production").version == "production"  # no production yet is fine


@pytest.mark.slow
def test_a_candidate_whose_build_fails_is_not_recorded(
    first_build, pipeline_corpus, golden_path, tmp_path, monkeypatch
):

    from factory.check import Against
    from pipelines import gate_steps
    from pipelines.agent_pipeline import BuildFailed, run_build
    from tests.helpers import make_config

    def broken(*args, **kwargs):
        raise RuntimeError("the judge fell over")

    monkeypatch.setattr(gate_steps, "evaluate_agent", broken)
    corpus = shutil.copytree(pipeline_corpus, tmp_path / "corpus")
    (corpus / "new.md").write_text("# New\n\nA page no build has seen, so evaluation runs again.\n")
    before = len(_versions("test_agent-candidates"))
    with pytest.raises(BuildFailed, match="step evaluate failed: RuntimeError: the judge fell over"):
        run_build(make_config("test_agent", corpus, golden_path), against=Against(model="test_agent"))
    after = _versions("test_agent-candidates")
    assert len(after) == before and all("candidate" in [t.name for t in mv.tags] for mv in after)


def _versions(model: str) -> list:
    from zenml.client import Client

    if not Client().list_models(name=model).items:
        return []
    return Client().list_model_versions(model=model, size=100).items
