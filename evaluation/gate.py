"""The release gate: plain code, no LLM, decides a version's stage from its scores.

1. Absolute thresholds on metric means (failures count as 0) and a maximum NaN rate.
2. Non-regression against production: per question, candidate minus production, on the
   questions both answered; a seeded bootstrap confidence interval of the mean difference.
   A metric passes when the interval's lower bound is at least ``-tolerance``.

``staging`` when 1 passes; ``production`` when 1 and 2 pass (or there is no production);
no stage otherwise. Every decision lists its reasons.

>>> from evaluation.records import MetricScore
>>> def scored(*hits):
...     values = {f"q{i}": h for i, h in enumerate(hits)}
...     return EvaluationResult(golden_name="g", golden_hash="h", records=[], latency_p50_s=0, latency_p95_s=0,
...         seconds=0, metrics={"hit_rate": MetricScore(name="hit_rate", tier="offline", values=values)})
>>> gate = GateConfig(thresholds={"hit_rate": 0.5}, non_regression=["hit_rate"])
>>> decide(scored(1.0, 1.0), gate, production=None).stage
'production'
>>> decide(scored(0.0, 1.0, 0.0), gate, production=None).reasons
['hit_rate 0.333 < threshold 0.5']
"""

from __future__ import annotations

import numpy as np

from evaluation.config import GateConfig
from evaluation.records import Comparison, Decision, EvaluationResult


def check_thresholds(result: EvaluationResult, gate: GateConfig) -> list[str]:
    """Failures of absolute thresholds, NaN budget and latency; empty when all pass."""
    failures = []
    if result.missing_sources:
        failures.append(
            f"golden reference sources missing from this agent's corpus: {result.missing_sources}"
        )
    for name, minimum in gate.thresholds.items():
        metric = result.metrics.get(name)
        if name in result.not_applicable:
            continue  # no golden data; an explicit threshold on it is refused when the config is checked
        if metric is None:
            failures.append(f"{name}: not computed (is a judge configured?), threshold {minimum}")
        elif metric.mean < minimum:
            failures.append(f"{name} {metric.mean:.3f} < threshold {minimum}")
    for name, metric in result.metrics.items():
        if metric.nan_rate > gate.max_nan_rate:
            failures.append(
                f"{name}: {metric.nan_rate:.0%} of questions failed to score (max {gate.max_nan_rate:.0%})"
            )
    if gate.max_latency_p95_s and result.latency_p95_s > gate.max_latency_p95_s:
        failures.append(f"latency p95 {result.latency_p95_s:.2f}s > {gate.max_latency_p95_s}s")
    return failures


def compare(
    candidate: EvaluationResult, production: EvaluationResult, metric: str, gate: GateConfig
) -> Comparison:
    """Paired bootstrap of candidate - production on `metric` (NaN counts as 0 on both sides)."""
    cand, prod = candidate.metrics.get(metric), production.metrics.get(metric)
    ids = sorted(set(cand.values) & set(prod.values)) if cand and prod else []
    if not ids:
        return Comparison(metric=metric, candidate_mean=cand.mean if cand else 0.0, production_mean=prod.mean if prod else 0.0,
                          diff_mean=0.0, ci_low=-1.0, ci_high=1.0, n_pairs=0, passed=False)  # fmt: skip
    diffs = np.array([(cand.values[i] or 0.0) - (prod.values[i] or 0.0) for i in ids])
    rng = np.random.default_rng(gate.seed)
    means = diffs[rng.integers(0, len(diffs), size=(gate.bootstrap_samples, len(diffs)))].mean(axis=1)
    alpha = (1 - gate.confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Comparison(
        metric=metric,
        candidate_mean=float(np.mean([cand.values[i] or 0.0 for i in ids])),
        production_mean=float(np.mean([prod.values[i] or 0.0 for i in ids])),
        diff_mean=float(diffs.mean()),
        ci_low=float(low),
        ci_high=float(high),
        n_pairs=len(ids),
        passed=bool(low >= -gate.tolerance),
    )


def decide(
    candidate: EvaluationResult,
    gate: GateConfig,
    production: EvaluationResult | None,
    production_version: str | None = None,
    unavailable: str | None = None,
) -> Decision:
    """The stage for `candidate`; `unavailable` says why an existing production cannot be compared."""
    failures = check_thresholds(candidate, gate)
    if failures:
        return Decision(stage=None, reasons=failures, thresholds_passed=False, non_regression_passed=None,
                        production_version=production_version)  # fmt: skip
    checked = [m for m in gate.thresholds if m not in candidate.not_applicable]
    skipped = [m for m in gate.thresholds if m in candidate.not_applicable]
    passed = [f"all {len(checked)} thresholds met, NaN rates within {gate.max_nan_rate:.0%}"
              + (f" (not applicable to this golden set: {', '.join(skipped)})" if skipped else "")]  # fmt: skip
    if production is None:
        return Decision(stage="production", reasons=[*passed, unavailable or "no production version yet"],
                        thresholds_passed=True, non_regression_passed=None,
                        production_version=production_version)  # fmt: skip
    comparisons = [compare(candidate, production, m, gate) for m in gate.non_regression
                   if m not in candidate.not_applicable]  # fmt: skip
    worse = [c for c in comparisons if not c.passed]
    reasons = [*passed] + [
        f"{c.metric} {'not worse than' if c.passed else 'WORSE than'} production v{production_version}: "
        f"{c.candidate_mean:.3f} vs {c.production_mean:.3f}, diff {c.diff_mean:+.3f} "
        f"[{gate.confidence:.0%} CI {c.ci_low:+.3f}, {c.ci_high:+.3f}], tolerance {gate.tolerance}"
        for c in comparisons
    ]
    return Decision(
        stage="staging" if worse else "production",
        reasons=reasons,
        thresholds_passed=True,
        non_regression_passed=not worse,
        comparisons=comparisons,
        production_version=production_version,
    )
