"""The runner with the real extractive agent over the widget corpus, and the judge tier
against a fake OpenAI-compatible server on 127.0.0.1 that returns garbage."""

from benchmarks.fake_openai import FakeOpenAI
from evaluation.config import GateConfig, JudgeConfig
from evaluation.gate import decide
from evaluation.golden import load_golden
from evaluation.runner import evaluate_session, run_golden
from rag.config import LLMConfig
from tests.helpers import write_golden


def test_follow_ups_share_a_conversation_and_all_questions_are_recorded(session, tmp_path):
    golden = load_golden(write_golden(tmp_path / "g.jsonl"))
    records = {r.id: r for r in run_golden(session, golden)}
    assert list(records) == [q.id for q in golden.questions]
    assert "7341" in records["port"].answer
    assert records["port-change"].tool_calls[0]["input"]["input"].startswith("Which TCP port")
    assert "WIDGET_PORT" in records["port-change"].answer
    assert records["oos-1"].answer.startswith("I don't know")
    assert all(r.error is None and r.latency_s > 0 for r in records.values())


def test_agent_errors_are_recorded_not_fatal(session, tmp_path, monkeypatch):
    golden = load_golden(write_golden(tmp_path / "g.jsonl"))

    def boom(question):
        raise RuntimeError("LLM unavailable")

    monkeypatch.setattr(session, "ask", boom)
    records = run_golden(session, golden)
    assert all(r.error == "RuntimeError: LLM unavailable" and r.answer == "" for r in records)


def test_offline_evaluation_of_the_extractive_agent(session, tmp_path, embed_model):
    golden = load_golden(write_golden(tmp_path / "g.jsonl"))
    result = evaluate_session(session, golden, embed_model)
    assert result.metrics["hit_rate"].mean == 1.0
    assert result.metrics["refusal_accuracy"].mean == 1.0
    assert result.metrics["must_include"].mean >= 0.8
    assert result.judge is None and "faithfulness" not in result.metrics


def test_garbage_judge_closes_the_gate_through_nan_rate(session, tmp_path, embed_model):
    golden = load_golden(write_golden(tmp_path / "g.jsonl"))
    with FakeOpenAI() as server:
        llm = LLMConfig(provider="openai_like", model="fake-judge", api_base=server.base_url, max_retries=1)
        judge = JudgeConfig(llm=llm, timeout_s=20, max_workers=2)
        result = evaluate_session(session, golden, embed_model, judge)
    assert server.requests, "the judge was never called"
    judged = [m for m in result.metrics.values() if m.tier == "judge"]
    assert {m.name for m in judged} == {
        "faithfulness",
        "answer_relevancy",
        "llm_context_precision_with_reference",
        "context_recall",
        "factual_correctness",
    }
    assert max(m.nan_rate for m in judged) > 0.5
    decision = decide(result, GateConfig(), production=None)
    assert decision.stage is None
    assert any("failed to score" in r for r in decision.reasons)
    assert result.judge == "openai_like/fake-judge"
