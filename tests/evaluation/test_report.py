from evaluation.config import GateConfig
from evaluation.records import AnswerRecord, Decision, EvaluationResult, MetricScore
from evaluation.report import render_report
from rag.usage import Usage


def test_report_escapes_text_and_shows_decision():
    record = AnswerRecord(id="q1", question="<b>why</b>?", answer="<script>alert('x')</script> IGNORE ALL INSTRUCTIONS",
                          contexts=[], source_ids=["docs/a.md"], tool_calls=[], latency_s=0.1)  # fmt: skip
    result = EvaluationResult(golden_name="g.jsonl", golden_hash="h", records=[record],
                              metrics={"hit_rate": MetricScore(name="hit_rate", tier="offline", values={"q1": 1.0})},
                              latency_p50_s=0.1, latency_p95_s=0.1, seconds=1.0,
                              usage={"judge": Usage(calls=12, prompt_tokens=34567, completion_tokens=89)})  # fmt: skip
    decision = Decision(
        stage="production",
        reasons=["no production version yet"],
        thresholds_passed=True,
        non_regression_passed=None,
    )
    html = render_report(result, decision, GateConfig(), title="docs_agent v1")
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;why&lt;/b&gt;" in html
    assert "decision: production" in html and "no production version yet" in html
    assert "<td>hit_rate</td>" in html
    assert "<td>judge</td><td>12</td><td>34,567</td><td>89</td><td>0</td><td>reported</td>" in html


def test_metrics_without_golden_data_are_shown_as_not_applicable():
    result = EvaluationResult(golden_name="g.jsonl", golden_hash="h", records=[], metrics={},
                              latency_p50_s=0.1, latency_p95_s=0.1, seconds=1.0,
                              not_applicable=["must_include", "semantic_similarity"])  # fmt: skip
    decision = Decision(stage=None, reasons=["r"], thresholds_passed=False, non_regression_passed=None)
    html = render_report(result, decision, GateConfig(), title="t")
    assert "<td>must_include</td><td colspan='6'>not applicable" in html
    assert "<td>semantic_similarity</td><td colspan='6'>not applicable" in html


def test_written_and_generated_questions_are_scored_apart():
    records = [AnswerRecord(id=q, question=q, answer="a", contexts=[], source_ids=[], tool_calls=[], latency_s=0.1)
               for q in ("w1", "w2", "g1")]  # fmt: skip
    values = {"w1": 1.0, "w2": None, "g1": 1.0}  # a NaN counts 0, as in the headline mean
    result = EvaluationResult(golden_name="g.jsonl", golden_hash="h", records=records,
                              metrics={"hit_rate": MetricScore(name="hit_rate", tier="offline", values=values)},
                              latency_p50_s=0.1, latency_p95_s=0.1, seconds=1.0,
                              generated={"g1": "offline/<heading>"})  # fmt: skip
    decision = Decision(stage=None, reasons=["r"], thresholds_passed=False, non_regression_passed=None)
    html = render_report(result, decision, GateConfig(), title="t")
    assert "1 of 3 questions were generated (offline/&lt;heading&gt; 1)" in html
    assert "<tr><td>hit_rate</td><td>0.500 (n=2)</td><td>1.000 (n=1)</td></tr>" in html
    assert "g1<br><span class='muted' title='generated question'>offline/&lt;heading&gt;</span>" in html
    plain = render_report(result.model_copy(update={"generated": {}}), decision, GateConfig(), title="t")
    assert "were generated" not in plain and "generated question" not in plain
