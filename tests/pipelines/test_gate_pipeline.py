"""The gate inside the real pipeline: a worse agent never replaces a good production one."""

from __future__ import annotations

import pytest

from factory.artifacts import load_answers
from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from rag.providers import EMBEDDINGS
from rag.registry import Provider
from tests.fakes import RandomEmbedding
from tests.helpers import CORPUS, gutted, make_config, registered, screenshot, write_corpus

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def production(tmp_path_factory, golden_path):
    corpus = write_corpus(tmp_path_factory.mktemp("gate-corpus"))
    good = run_build(make_config("gate_agent", corpus, golden_path))
    assert get_version("gate_agent", "production").name == good.version
    return good


def decision_of(version: str) -> dict:
    return get_version("gate_agent", version).run_metadata["decision"]


def test_half_corpus_is_refused_as_stale_with_production_untouched(production, tmp_path, golden_path):
    """Three of five pages gone (a broken checkout): the questions on them are stale, past the
    budget, so the build ends in a refusal that says to refresh the golden set; nothing crashes."""
    half = write_corpus(tmp_path / "half", dict(list(CORPUS.items())[:2]))
    run = run_build(make_config("gate_agent", half, golden_path))
    decision = decision_of(run.version)
    assert decision["stage"] is None
    assert any("stale" in r and "agent-factory golden refresh" in r for r in decision["reasons"]), decision
    assert get_version("gate_agent", "production").name == production.version


def test_a_corpus_that_lost_its_answers_is_not_promoted_and_says_why(production, tmp_path, golden_path):
    """Every page still there (the references check out) but three emptied: the gate refuses on scores."""
    run = run_build(make_config("gate_agent", write_corpus(tmp_path / "gutted", gutted()), golden_path))
    decision = decision_of(run.version)
    assert decision["stage"] is None
    # The moved pages are still found by id (hybrid search reaches them); their missing answers fail.
    assert any("WORSE than production" in r for r in decision["reasons"]), decision["reasons"]
    assert get_version("gate_agent", "production").name == production.version
    # What changed, question by question: this version's answers beside production's (CSV and report).
    mv = get_version("gate_agent", run.version)
    changes = mv.get_artifact("changes_csv").load()
    header = changes.splitlines()[0].split(",")
    assert header[:3] == ["id", "question", "direction"] and "production_answer" in header
    assert ",worse," in changes
    report = mv.get_artifact("evaluation_report").load()
    assert f"What changed against production v{production.version}" in report
    (tmp_path / "report.html").write_text(report, encoding="utf-8")
    assert screenshot(tmp_path / "report.html", "report-changes.png").stat().st_size > 10_000  # to look at


def test_broken_retriever_is_not_promoted(production, tmp_path, golden_path):
    random_embedding = Provider(factory=lambda config: RandomEmbedding(model_name="random"))
    with registered(EMBEDDINGS, "random_test", random_embedding):
        corpus = write_corpus(tmp_path / "corpus")
        run = run_build(
            make_config(
                "gate_agent", corpus, golden_path, embedding={"provider": "random_test", "model": "random"}
            )
        )
    decision = decision_of(run.version)
    assert decision["stage"] is None and decision["thresholds_passed"] is False
    assert get_version("gate_agent", "production").name == production.version


def test_answers_and_scores_are_on_the_version_and_the_report_renders(production):
    meta = get_version("gate_agent", production.version).run_metadata
    answers = {a["id"]: a for a in load_answers(get_version("gate_agent", production.version))}
    assert "7341" in answers["port"]["answer"] and answers["port"]["sources"].split()[0] == "docs/ports.rst"
    assert meta["answers"] == {"artifact": "answers", "csv": "answers_csv", "questions": len(answers)}
    csv = get_version("gate_agent", production.version).get_artifact("answers_csv").load()
    assert csv.splitlines()[0].startswith("id,question,answer,sources") and len(csv.splitlines()) > len(
        answers
    )
    assert meta["evaluation"]["metrics"]["hit_rate"]["nan_rate"] == 0
    assert meta["evaluation"]["headline"]["refusal_accuracy"] == 1.0
    html = get_version("gate_agent", production.version).get_artifact("evaluation_report").load()
    assert "decision: production" in html and "Which TCP port" in html
