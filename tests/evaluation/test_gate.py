"""The gate on hand-made results: exact, deterministic, no agent needed."""

import numpy as np
import pytest

from evaluation.config import GateConfig
from evaluation.gate import compare, decide
from evaluation.records import EvaluationResult, MetricScore

GATE = GateConfig(
    thresholds={"hit_rate": 0.5},
    primary="hit_rate",
    non_regression=["hit_rate"],
    max_nan_rate=0.1,
    tolerance=0.02,
)


def result(values: dict[str, list[float | None]]) -> EvaluationResult:
    metrics = {
        name: MetricScore(name=name, tier="offline", values={f"q{i}": v for i, v in enumerate(vals)})
        for name, vals in values.items()
    }
    return EvaluationResult(golden_name="g", golden_hash="h", records=[], metrics=metrics,
                            latency_p50_s=0.1, latency_p95_s=0.2, seconds=1.0)  # fmt: skip


GOOD = result({"hit_rate": [1.0] * 18 + [0.0] * 2})


def test_first_version_goes_to_production():
    decision = decide(GOOD, GATE, production=None)
    assert decision.stage == "production"
    assert (
        "no production version yet; judged on the floors alone" in decision.reasons
    )  # no plain search recorded


def test_threshold_failure_means_no_stage_with_reason():
    decision = decide(
        result({"hit_rate": [0.0] * 15 + [1.0] * 5}), GATE, production=GOOD, production_version="1"
    )
    assert decision.stage is None
    assert decision.reasons == ["hit_rate 0.250 < threshold 0.5"]


def test_nan_rate_closes_the_gate_and_never_inflates_the_mean():
    judged = result({"hit_rate": [1.0] * 20, "faithfulness": [1.0] * 3 + [None] * 17})
    assert judged.metrics["faithfulness"].mean == pytest.approx(0.15)  # ragas would say 1.0
    assert judged.metrics["faithfulness"].mean_valid == 1.0
    decision = decide(judged, GATE, production=None)
    assert decision.stage is None
    assert "faithfulness: 85% of questions failed to score (max 10%)" in decision.reasons


def test_regression_is_refused_with_the_interval():
    worse = result({"hit_rate": [1.0] * 12 + [0.0] * 8})
    decision = decide(worse, GATE, production=GOOD, production_version="4")
    assert decision.stage is None and decision.non_regression_passed is False
    (c,) = decision.comparisons
    assert c.diff_mean == pytest.approx(-0.3) and c.ci_high < 0 and not c.passed and c.verdict == "worse"
    assert any("hit_rate (primary) WORSE than production v4" in r for r in decision.reasons)


def _pairs(n: int, seed: int, gained: int, lost: int) -> tuple[list[float], list[float]]:
    """Production hits at 70%, and a candidate that gains `gained` and loses `lost` of them."""
    rng = np.random.default_rng(seed)
    prod = (rng.random(n) < 0.7).astype(float)
    cand = prod.copy()
    misses, hits = np.flatnonzero(prod == 0), np.flatnonzero(prod == 1)
    cand[rng.choice(misses, gained, replace=False)] = 1.0
    cand[rng.choice(hits, lost, replace=False)] = 0.0
    return list(cand), list(prod)


FOUR = GateConfig(
    thresholds={"hit_rate": 0.5},
    primary="hit_rate",
    non_regression=["hit_rate", "mrr", "must_include", "refusal_accuracy"],
    tolerance=0.02,
)


def test_truly_better_on_200_questions_goes_to_production():
    cand, prod = _pairs(200, seed=1, gained=22, lost=2)  # +0.10
    decision = decide(result({"hit_rate": cand}), FOUR, result({"hit_rate": prod}), "3")
    assert decision.stage == "production" and decision.comparisons[0].verdict == "better"
    assert "hit_rate (primary) better than production v3" in decision.reasons[1]


def test_pure_noise_is_inconclusive_and_stays_in_staging_saying_what_n_can_detect():
    cand, prod = _pairs(200, seed=2, gained=15, lost=15)  # same mean, questions reshuffled
    decision = decide(result({"hit_rate": cand}), FOUR, result({"hit_rate": prod}), "3")
    primary = decision.comparisons[0]
    assert decision.stage == "staging" and primary.verdict == "inconclusive"
    assert primary.questions_needed > 200 and 0.02 < primary.detectable < 0.1
    assert (
        f"n=200 can only detect differences of ±{primary.detectable:.2f} on hit_rate" in decision.reasons[1]
    )
    assert "WORSE" not in " ".join(decision.reasons)  # no evidence of harm: the words say so


def test_truly_worse_on_200_questions_is_refused():
    cand, prod = _pairs(200, seed=3, gained=2, lost=22)
    decision = decide(result({"hit_rate": cand}), FOUR, result({"hit_rate": prod}), "3")
    assert decision.stage is None and decision.comparisons[0].verdict == "worse"


def test_a_guardrail_shown_worse_refuses_and_noise_on_guardrails_does_not():
    cand, prod = _pairs(200, seed=4, gained=0, lost=0)
    noisy, base = _pairs(200, seed=5, gained=10, lost=10)
    bad, good = _pairs(200, seed=6, gained=0, lost=40)  # must_include -0.2
    decision = decide(result({"hit_rate": cand, "mrr": noisy, "must_include": bad}), FOUR,
                      result({"hit_rate": prod, "mrr": base, "must_include": good}), "3")  # fmt: skip
    assert decision.stage is None
    by_metric = {c.metric: c for c in decision.comparisons}
    assert not by_metric["must_include"].passed and by_metric["mrr"].passed
    assert any(r.startswith("guardrail must_include WORSE") and "Holm" in r for r in decision.reasons)
    assert any(r.startswith("guardrail mrr not shown worse") for r in decision.reasons)


def test_equal_or_better_goes_to_production():
    assert decide(GOOD, GATE, production=GOOD, production_version="1").stage == "production"
    better = result({"hit_rate": [1.0] * 20})
    assert decide(better, GATE, production=GOOD, production_version="1").stage == "production"


def test_same_inputs_same_decision():
    noisy = result({"hit_rate": [1.0, 0.0, 1.0, 1.0, 0.0] * 4})
    first = decide(noisy, GATE, production=GOOD, production_version="1")
    assert decide(noisy, GATE, production=GOOD, production_version="1") == first


def test_bootstrap_interval_brackets_the_mean_difference():
    c = compare(result({"hit_rate": [1.0, 0.0] * 10}), GOOD, "hit_rate", GATE)
    assert c.ci_low <= c.diff_mean <= c.ci_high and c.n_pairs == 20


def test_threshold_on_a_judge_metric_without_judge_fails_clearly():
    gate = GateConfig(thresholds={"faithfulness": 0.7}, non_regression=[])
    assert decide(GOOD, gate, production=None).reasons == [
        "faithfulness: not computed (is a judge configured?), threshold 0.7"
    ]


def test_gate_config_rejects_unknown_metrics_and_bad_thresholds():
    with pytest.raises(ValueError, match="unknown metric 'hitrate'"):
        GateConfig(thresholds={"hitrate": 0.5})
    with pytest.raises(ValueError, match="must be between 0 and 1"):
        GateConfig(thresholds={"hit_rate": 1.5})


def test_sources_missing_at_run_time_refuse_the_version():
    """A crawled or exported source cannot be listed before the build: the gate still refuses."""
    missing = GOOD.model_copy(update={"missing_sources": ["site/https://docs.example.com/gone"]})
    decision = decide(missing, GATE, production=None)
    assert decision.stage is None
    assert "golden reference sources missing from this agent's corpus" in decision.reasons[0]


def test_metrics_without_golden_data_are_skipped_not_failed():
    gate = GateConfig(
        thresholds={"hit_rate": 0.5, "must_include": 0.5}, non_regression=["hit_rate", "must_include"]
    )
    plain = GOOD.model_copy(update={"not_applicable": ["must_include"]})
    decision = decide(plain, gate, production=GOOD)
    assert decision.stage == "production"
    assert "not applicable to this golden set: must_include" in decision.reasons[0]
    assert [c.metric for c in decision.comparisons] == ["score", "hit_rate"]


GAINED, LOST = 4, 2  # +0.033 on each of three metrics, 60 questions


def test_the_weighted_score_sees_small_gains_spread_over_metrics():
    """Each metric alone is inconclusive; one score per question pools their evidence."""
    gate = GateConfig(thresholds={"hit_rate": 0.5}, non_regression=["hit_rate", "mrr", "must_include"],
                      weights={"hit_rate": 1.0, "mrr": 1.0, "must_include": 1.0}, tolerance=0.02)  # fmt: skip
    metrics = ["hit_rate", "mrr", "must_include"]
    pairs = [_pairs(60, seed=10 + k, gained=GAINED, lost=LOST) for k in range(3)]
    cand = result({m: p[0] for m, p in zip(metrics, pairs, strict=True)})
    prod = result({m: p[1] for m, p in zip(metrics, pairs, strict=True)})
    alone = decide(cand, gate.model_copy(update={"primary": "hit_rate"}), prod, "2")
    pooled = decide(cand, gate, prod, "2")
    assert alone.comparisons[0].verdict == "inconclusive" and alone.stage == "staging"
    score = pooled.comparisons[0]
    assert score.metric == "score" and score.detectable < alone.comparisons[0].detectable
    assert pooled.stage == "production" and score.verdict in ("better", "not worse")
