"""The check's Markdown summary from outcomes built by hand (no ZenML run needed)."""

from evaluation.records import AnswerRecord, Comparison, Decision, EvaluationResult, MetricScore
from factory.check import Against, Outcome
from factory.summary import render, verdict
from rag.ingest.corpus_diff import CorpusDiff, PageMove


def _result(stale: dict[str, str] | None = None) -> EvaluationResult:
    records = [AnswerRecord(id=f"q{i}", question=f"Question {i}?", answer="a", contexts=[], source_ids=[],
                            tool_calls=[], latency_s=0.1) for i in range(3)]  # fmt: skip
    hit = MetricScore(name="hit_rate", tier="offline", values={"q0": 1.0, "q1": 1.0, "q2": 0.0})
    return EvaluationResult(golden_name="docs.jsonl", golden_hash="h", records=records, metrics={"hit_rate": hit},
                            latency_p50_s=0.1, latency_p95_s=0.2, seconds=1.0, stale=stale or {})  # fmt: skip


def _comparison(verdict: str, passed: bool, role: str = "primary") -> Comparison:
    return Comparison(metric="score", candidate_mean=0.8, production_mean=0.82, diff_mean=-0.02, ci_low=-0.07,
                      ci_high=0.03, n_pairs=40, passed=passed, verdict=verdict, role=role, detectable=0.061)  # fmt: skip


def _decision(stage: str | None, comparisons: list[Comparison], version: str | None = "7") -> Decision:
    return Decision(stage=stage, reasons=["all 4 thresholds met", "score (primary) ..."], thresholds_passed=True,
                    non_regression_passed=stage is not None, comparisons=comparisons, production_version=version)  # fmt: skip


def _outcome(decision: Decision, **extra) -> Outcome:
    return Outcome(model="docs_agent", candidate="3", against=Against(model="docs_agent"), decision=decision,
                   result=_result(extra.pop("stale", None)), diff=extra.pop("diff", CorpusDiff()),
                   changes=extra.pop("changes", []), touched={}, **extra)  # fmt: skip


def test_verdicts_name_the_deciding_comparison_and_n():
    assert verdict(_decision("production", [_comparison("not worse", True)])) == (
        "would be promoted: not worse than production v7 (score, n=40)"
    )
    assert verdict(_decision("staging", [_comparison("inconclusive", True)])) == (
        "would not be promoted (staging): inconclusive against production v7 (score, n=40; it can tell 0.061 from zero)"
    )
    worse = _decision(None, [_comparison("worse", False)])
    assert verdict(worse) == "would not be promoted: score shown worse than production v7"


def test_the_summary_is_deterministic_and_shows_intervals_pages_and_questions():
    changes = [{"id": "q1", "question": "Which | port?", "direction": "worse", "changes": "hit_rate -1.00",
                "answer": "line 1\nline 2\nline 3\nline 4", "sources": "", "pages": "",
                "production_answer": "Port 7341.", "production_sources": ""}]  # fmt: skip
    diff = CorpusDiff(previous_version="7", removed=[f"docs/p{i:02d}.md" for i in range(20)], unchanged=4,
                      moved=[PageMove(old="docs/a.md", new=["docs/b.md"], kind="move", confidence=0.97, evidence="same text")])  # fmt: skip
    outcome = _outcome(_decision(None, [_comparison("worse", False)]), changes=changes, diff=diff,
                       stale={"q2": "its page docs/p01.md was removed"}, report_url="http://127.0.0.1:8237/runs/1")  # fmt: skip
    text = render(outcome)
    assert text == render(outcome.model_copy(deep=True))
    assert text.startswith(
        "<!-- agent-factory check summary -->\n## ❌ docs_agent: would not be promoted: score shown worse than production v7\n"
    )
    assert "| primary | score | 0.800 | 0.820 | -0.020 [-0.070, +0.030] | 40 | ❌ worse |" in text
    assert "**q1** (worse: hit_rate -1.00): Which \\| port?" in text  # a pipe cannot break the table or line
    assert "> line 1\n> line 2\n> line 3\n> …" in text and "line 4" not in text
    assert "- removed (20): <code>docs/p00.md</code>" in text and "and 5 more" in text
    assert "- moved (1): <code>docs/a.md → docs/b.md</code>" in text
    assert "**q2**: its page docs/p01.md was removed" in text
    assert text.rstrip().endswith("[The report in the dashboard](http://127.0.0.1:8237/runs/1)")


def test_without_production_the_summary_shows_scores_alone():
    text = render(
        _outcome(
            _decision("production", [], version=None).model_copy(
                update={"reasons": ["no production version yet"]}
            )
        )
    )
    assert "would be promoted: no production version yet" in text
    assert "docs_agent production (none yet: judged on the floors alone)" in text
    assert "| hit_rate | 0.667 | 0% |" in text and "Questions that changed" not in text


def test_a_summary_that_cannot_be_written_is_an_error_naming_it(tmp_path):
    import pytest

    from cli.check import SUMMARY
    from rag.writing import OutputError, write_file

    (tmp_path / "taken").write_text("a file where the summary's folder should be")
    with pytest.raises(OutputError, match=f"{tmp_path / 'taken/summary.md'}: cannot write"):
        write_file(tmp_path / "taken/summary.md", "text", "summary", SUMMARY)
    write_file(tmp_path / "new/summary.md", "text", "summary", SUMMARY)  # a missing folder is made
    assert (tmp_path / "new/summary.md").read_text() == "text"


HOSTILE_QUESTION = "</details><h2>✅ approved by security</h2><a href='https://attacker.example'>details</a>"
HOSTILE_FILE = "x`<img src=x onerror=alert(3)>`y.md"


def test_text_from_documents_questions_and_answers_is_inert_in_github_markdown():
    changes = [{"id": "q1", "question": HOSTILE_QUESTION, "direction": "worse", "changes": "hit_rate -1.00",
                "answer": "# <script>alert(1)</script>\n[click](https://attacker.example) **bold**",
                "sources": "", "pages": HOSTILE_FILE, "production_answer": "- `x` | y", "production_sources": ""}]  # fmt: skip
    diff = CorpusDiff(previous_version="7", added=[HOSTILE_FILE], unchanged=1)
    outcome = _outcome(_decision(None, [_comparison("worse", False)]), changes=changes, diff=diff,
                       stale={"q2": f"its page {HOSTILE_FILE} was deleted"})  # fmt: skip
    text = render(outcome)
    for raw in ("<h2>", "</details><h2", "<script", "<img", "<a href", "](https", "https://", "`<img"):
        assert raw not in text, raw
    assert text.count("<details>") == 1 and text.count("</details>") == 1  # only the reasons' own block
    assert "&lt;img src=x onerror=alert\\(3\\)&gt;" in text  # still readable, as text
    assert "<code>x`&lt;img src=x onerror=alert(3)&gt;`y.md</code>" in text  # a backtick ends no code span


def test_a_comparison_that_could_not_be_made_is_never_reported_as_no_change():
    outcome = _outcome(_decision(None, [_comparison("worse", False)])).model_copy(
        update={"unmeasured": "docs_agent v7 has no answers: its build stopped before `report`"}
    )
    text = render(outcome)
    assert "No question-by-question comparison with v7: docs\\_agent v7 has no answers" in text
    assert "No question's score moved" not in text


def test_a_version_that_is_not_production_is_never_called_production():
    decision = _decision("production", [_comparison("not worse", True)]).model_copy(
        update={"against_label": "v2 (staging)"}
    )
    assert verdict(decision) == "would be promoted: not worse than v2 (staging) (score, n=40)"
