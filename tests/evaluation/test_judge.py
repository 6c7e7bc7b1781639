"""The judge under fire: a fault-injecting OpenAI-compatible server on 127.0.0.1.

Each golden question meets its own fault (chosen by the question text inside the judge
prompt): 429s, 500s, a reply slower than the timeout, garbage then fenced JSON on the
re-ask, garbage forever, 500 forever. The run must complete, retries and re-asks must stay
within their bounds, the unrecoverable questions must be NaN, and the gate must close.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from benchmarks.fake_openai import FakeOpenAI, Fault
from evaluation.config import GateConfig, JudgeConfig
from evaluation.gate import decide
from evaluation.golden import load_golden
from evaluation.runner import evaluate_session
from rag.config import LLMConfig
from tests.helpers import write_golden

VERDICT = '{"reason": "The context was useful.", "verdict": 1}'
VALID = f"```json\n{VERDICT}\n```"
FIXED = json.dumps({"text": VERDICT})  # ragas' fix-format prompt answers {"text": <fixed output>}
REASK = "did not satisfy the constraints"
FAULTS = {  # question text -> fault plan
    "Which TCP port": "429 once",
    "theme colour": "500 twice",
    "When are backups": "slow once",
    "How long is each backup": "garbage, then valid on re-ask",
    "How do I install": "garbage always",
    "Who started": "500 always",
}


class FaultPlan:
    """Replies by question; first attempts are counted per distinct prompt."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def __call__(self, request) -> str | Fault:
        prompt = request.prompt
        plan = next((p for q, p in FAULTS.items() if q in prompt), "valid")
        self.seen[prompt] += 1
        first, n = self.seen[prompt] == 1, self.seen[prompt]
        if plan == "429 once" and first:
            return Fault(429, headers={"Retry-After": "0"})
        if plan == "500 twice" and n <= 2:
            return Fault(500)
        if plan == "slow once" and first:
            return Fault(delay_s=2.0, text=VALID)
        if plan == "garbage, then valid on re-ask":
            return FIXED if REASK in prompt else "Sure! The verdict is yes."
        if plan == "garbage always":
            return "no json here, sorry"
        if plan == "500 always":
            return Fault(500)
        return VALID


@pytest.fixture(scope="module")
def judged(tmp_path_factory, agent_config, docs_index):
    from evaluation.runner import evaluate_agent
    from rag.agent.spec import AgentSpec

    golden = load_golden(write_golden(tmp_path_factory.mktemp("judge") / "g.jsonl"))
    with FakeOpenAI(FaultPlan()) as server:
        llm = LLMConfig(provider="openai_like", model="fake-judge", api_base=server.base_url,
                        timeout_s=1, max_retries=2)  # fmt: skip
        judge = JudgeConfig(llm=llm, metrics=["llm_context_precision_with_reference"], max_workers=1,
                            max_reasks=1, timeout_s=30)  # fmt: skip
        result = evaluate_agent(AgentSpec.from_config(agent_config), docs_index, golden, judge)
    return result, server, judge


def test_transient_faults_are_retried_and_scored(judged):
    result, _, _ = judged
    values = result.metrics["llm_context_precision_with_reference"].values
    for qid in ("port", "colour", "backup-time", "backup-keep", "port-change"):
        assert values[qid] == pytest.approx(1.0), qid


def test_unrecoverable_questions_are_nan_and_counted(judged):
    result, _, _ = judged
    metric = result.metrics["llm_context_precision_with_reference"]
    assert {q for q, v in metric.values.items() if v is None} == {"install", "founders"}
    assert metric.nan_rate == pytest.approx(2 / 7)
    assert metric.mean == pytest.approx(5 / 7)  # NaN counts as 0, never skipped


def test_retries_and_reasks_stay_bounded(judged):
    _, server, judge = judged
    per_prompt = Counter(r.prompt for r in server.completions())
    attempts = judge.llm.max_retries + 1
    assert max(per_prompt.values()) <= attempts
    founders = [n for p, n in per_prompt.items() if "Who started" in p]
    assert founders == [attempts], "a request failing forever is tried exactly 1 + max_retries times"
    install = [p for p in per_prompt if "How do I install" in p]
    assert max(p.count(REASK) for p in install) == judge.max_reasks, "re-asked once, then NaN"
    assert max(p.count(REASK) for p in per_prompt) <= judge.max_reasks
    # Whole run: every prompt tried at most `attempts` times, each task re-asked at most once.
    assert len(server.completions()) <= 7 * 4 * (1 + judge.max_reasks) * attempts


def test_gate_stays_closed_over_the_nan_budget_and_opens_within_it(judged):
    result, _, _ = judged
    closed = decide(result, GateConfig(thresholds={}, max_nan_rate=0.1), production=None)
    assert closed.stage is None
    assert any(
        "llm_context_precision_with_reference: 29% of questions failed to score" in r for r in closed.reasons
    )
    opened = decide(result, GateConfig(thresholds={}, max_nan_rate=0.3), production=None)
    assert opened.stage == "production"


def test_judge_calls_and_tokens_are_counted_per_question(judged):
    result, server, _ = judged
    judge_total = result.usage["judge"]
    answered = [r for r in server.completions()]
    assert judge_total.calls > 0 and judge_total.prompt_tokens > 0 and not judge_total.estimated
    per_question = {r.id: r.judge_usage for r in result.records}
    assert sum(u.calls for u in per_question.values()) == judge_total.calls
    assert per_question["oos-1"].calls == 0  # out-of-scope questions are not judged
    assert per_question["port"].prompt_tokens > 0
    assert judge_total.calls <= len(answered)  # failed HTTP attempts are not LLM calls
    assert per_question["founders"].failed >= 1 and per_question["founders"].calls == 0
    assert result.usage["agent"].calls > 0 and result.usage["agent"].prompt_tokens == 0  # extractive: free


def test_dry_run_estimate_matches_a_real_judge_run(tmp_path, session, embed_model):
    from evaluation.cost import estimate_judge

    golden = load_golden(write_golden(tmp_path / "g.jsonl"))
    offline = evaluate_session(session, golden, embed_model)  # the recorded answers a dry run reads
    with FakeOpenAI(lambda request: VALID) as server:
        llm = LLMConfig(provider="openai_like", model="fake-judge", api_base=server.base_url)
        judge = JudgeConfig(llm=llm, metrics=["llm_context_precision_with_reference"])
        estimate = estimate_judge(golden, offline.records, judge)
        measured = evaluate_session(session, golden, embed_model, judge).usage["judge"]
    assert estimate.calls == measured.calls == len(server.completions())
    assert estimate.max_calls == 2 * estimate.calls
    assert 0.8 < estimate.prompt_tokens / measured.prompt_tokens < 1.25


def test_estimate_follows_each_metrics_call_pattern(tmp_path, session, embed_model):
    from evaluation.cost import estimate_judge

    golden = load_golden(write_golden(tmp_path / "g.jsonl"))
    records = evaluate_session(session, golden, embed_model).records
    contexts = sum(len(r.contexts) for r in records if r.id not in ("oos-1", "oos-2"))
    judge = JudgeConfig(llm=LLMConfig(provider="openai_like", model="m", api_base="http://127.0.0.1:9/v1"))
    per_metric = estimate_judge(golden, records, judge).per_metric
    calls = {m: row["calls"] for m, row in per_metric.items()}
    assert calls == {"faithfulness": 14, "answer_relevancy": 7, "llm_context_precision_with_reference": contexts,
                     "context_recall": 7, "factual_correctness": 28}  # fmt: skip


def test_repeated_judging_averages_runs_and_reports_their_spread(tmp_path, session, embed_model):
    """A judge that says yes to a prompt the first time and no the second: the two runs of each
    question score 1 and 0, so their mean is 0.5 and their spread 0.5."""
    from evaluation.cost import estimate_judge

    seen: Counter[str] = Counter()
    verdicts = ['{"reason": "useful", "verdict": 1}', '{"reason": "useless", "verdict": 0}']

    def flip(request) -> str:
        seen[request.prompt] += 1
        return verdicts[(seen[request.prompt] - 1) % 2]

    golden = load_golden(write_golden(tmp_path / "g.jsonl"))
    with FakeOpenAI(flip) as server:
        llm = LLMConfig(provider="openai_like", model="fake-judge", api_base=server.base_url)
        judge = JudgeConfig(
            llm=llm, metrics=["llm_context_precision_with_reference"], max_workers=1, repeats=2
        )
        result = evaluate_session(session, golden, embed_model, judge)
        estimate = estimate_judge(golden, result.records, judge)
    metric = result.metrics["llm_context_precision_with_reference"]
    scored = [v for v in metric.values.values() if v]
    assert scored and all(v == pytest.approx(0.5) for v in scored)
    assert metric.spread == pytest.approx(0.5, abs=0.01)
    assert estimate.calls == len(server.completions())  # the dry run counts every repeat
