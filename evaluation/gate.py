"""The release gate: plain code, no LLM, decides a version's stage from its scores.

1. Absolute thresholds on metric means (failures count as 0) and a maximum NaN rate.
2. Against production, per question, candidate minus production on the questions both
   answered, with a seeded paired bootstrap interval of the mean difference:
   - the **primary** metric (``gate.primary``; by default ``score``, the weighted per-question
     mean of the gated metrics, :func:`with_score`) must be *better* (interval
     above 0) or *not worse* (interval above ``-tolerance``): then ``production``; when the
     interval straddles ``-tolerance`` the result is *inconclusive*: ``staging``, with the
     smallest difference these questions can detect and how many would detect the tolerance;
   - every other ``non_regression`` metric is a **guardrail**: it refuses the version only
     when shown worse than its tolerance, Holm's correction holding the chance of a false
     alarm over all guardrails at ``(1 - confidence) / 2``.
   A primary shown worse, or a guardrail shown worse, refuses the version (no stage).

3. **Production follows the docs.** When the candidate's corpus is newer than production's
   (production's pages moved, changed or are gone today: :class:`Freshness`) and the primary
   comparison is inconclusive with its interval reaching zero (not shown worse at all) and no
   guardrail is shown worse, the candidate is production's *fresher equivalent*: production.
4. **A first version** (no production, or one that cannot be loaded) is compared the same way
   against *plain search*: dense retrieval alone over the candidate's own vectors, scored on the
   metrics both have (hit rate, MRR). Nothing serves yet, so as in rule 3 a first version whose
   interval reaches zero (better, not worse, or inconclusive but not shown worse at all) goes to
   production; one whose interval lies below zero stays in staging, or is refused when shown worse
   than the tolerance. The embedding check and the thresholds (floors) catch a broken agent that
   plain search over the same broken vectors cannot.

Thresholds failing also refuse it. Every decision lists its reasons (docs/evaluation.md).

>>> from evaluation.records import MetricScore
>>> def scored(*hits):
...     values = {f"q{i}": h for i, h in enumerate(hits)}
...     return EvaluationResult(golden_name="g", golden_hash="h", records=[], latency_p50_s=0, latency_p95_s=0,
...         seconds=0, metrics={"hit_rate": MetricScore(name="hit_rate", tier="offline", values=values)})
>>> gate = GateConfig(thresholds={"hit_rate": 0.5}, non_regression=["hit_rate"])
>>> decide(scored(1.0, 1.0), gate, production=None).stage  # no plain search recorded: floors alone
'production'
>>> decide(scored(0.0, 1.0, 0.0), gate, production=None).reasons
['hit_rate 0.333 < threshold 0.5']
"""

from __future__ import annotations

import math

import numpy as np

from evaluation.config import SCORE, GateConfig
from evaluation.gate_words import drift_reasons, guard_reason, primary_reason, stale_summary
from evaluation.records import Comparison, Decision, EvaluationResult, Freshness, MetricScore

PLAIN = "plain search"


def check_thresholds(result: EvaluationResult, gate: GateConfig) -> list[str]:
    """Failures of absolute thresholds, NaN budget and latency; empty when all pass."""
    failures = []
    if result.missing_sources:
        failures.append(
            f"golden reference sources missing from this agent's corpus: {result.missing_sources}"
        )
    asked = len(result.records) or 1
    if len(result.stale) / asked > gate.max_stale_rate:
        failures.append(
            f"{len(result.stale)} of {asked} golden questions are stale ({stale_summary(result)}), more than "
            f"gate.max_stale_rate {gate.max_stale_rate:.0%}: the golden set no longer describes the corpus; "
            "run `agent-factory golden refresh`"
        )
    check = result.embedding_check
    if check is not None and check.rate < gate.min_embedding_check:
        failures.append(
            f"embedding check: dense search found {check.found} of {check.asked} chunks from the first half of "
            f"their own text ({check.rate:.0%} < floor {gate.min_embedding_check:.0%}): the index cannot find its own "
            "text (a broken embedding model, or chunks too small to carry meaning)"
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
    """Paired bootstrap of candidate - production on `metric` (NaN counts as 0 on both sides).

    The verdict follows the interval: ``better`` when it lies above zero, ``worse`` when it lies
    below ``-tolerance``, ``not worse`` when its lower end is at least ``-tolerance``, and
    ``inconclusive`` otherwise, with the difference these questions can detect.
    """
    cand, prod = candidate.metrics.get(metric), production.metrics.get(metric)
    stale = candidate.stale.keys() | production.stale.keys()  # apples to apples: both sides have its pages
    ids = sorted((set(cand.values) & set(prod.values)) - stale) if cand and prod else []
    tolerance = gate.margin(metric)
    if not ids:
        return Comparison(metric=metric, candidate_mean=cand.mean if cand else 0.0, production_mean=prod.mean if prod else 0.0,
                          diff_mean=0.0, ci_low=-1.0, ci_high=1.0, n_pairs=0, passed=False, tolerance=tolerance)  # fmt: skip
    diffs = np.array([(cand.values[i] or 0.0) - (prod.values[i] or 0.0) for i in ids])
    rng = np.random.default_rng(gate.seed)
    means = diffs[rng.integers(0, len(diffs), size=(gate.bootstrap_samples, len(diffs)))].mean(axis=1)
    alpha = (1 - gate.confidence) / 2
    low, high = (float(x) for x in np.quantile(means, [alpha, 1 - alpha]))
    detectable = (high - low) / 2
    return Comparison(
        metric=metric,
        candidate_mean=float(np.mean([cand.values[i] or 0.0 for i in ids])),
        production_mean=float(np.mean([prod.values[i] or 0.0 for i in ids])),
        diff_mean=float(diffs.mean()),
        ci_low=low,
        ci_high=high,
        n_pairs=len(ids),
        passed=low >= -tolerance,
        verdict=_verdict(low, high, tolerance),
        tolerance=tolerance,
        p_worse=float(np.mean(means >= -tolerance)),
        detectable=detectable,
        questions_needed=_questions_needed(len(ids), detectable, tolerance),
    )


def _verdict(low: float, high: float, tolerance: float) -> str:
    if low > 0:
        return "better"
    if high < -tolerance:
        return "worse"
    return "not worse" if low >= -tolerance else "inconclusive"


def _questions_needed(n: int, detectable: float, tolerance: float) -> int:
    """Questions whose interval would be ±tolerance wide: the half-width shrinks as 1/sqrt(n)."""
    if detectable <= tolerance or tolerance <= 0:
        return n
    return math.ceil(n * (detectable / tolerance) ** 2)


def holm_worse(comparisons: list[Comparison], alpha: float) -> set[str]:
    """Guardrails shown worse than their tolerance, Holm's step-down correction over all of them.

    >>> c = lambda m, p: Comparison(metric=m, candidate_mean=0, production_mean=0, diff_mean=0, ci_low=0,
    ...                             ci_high=0, n_pairs=9, passed=True, p_worse=p)
    >>> sorted(holm_worse([c("a", 0.001), c("b", 0.02), c("c", 0.5)], alpha=0.025))
    ['a']
    """
    worse: set[str] = set()
    ordered = sorted(comparisons, key=lambda c: c.p_worse)
    for rank, comparison in enumerate(ordered):
        if comparison.p_worse > alpha / (len(ordered) - rank):
            break
        worse.add(comparison.metric)
    return worse


def decide(
    candidate: EvaluationResult,
    gate: GateConfig,
    production: EvaluationResult | None,
    production_version: str | None = None,
    unavailable: str | None = None,
    freshness: Freshness | None = None,
    label: str | None = None,
) -> Decision:
    """The stage for `candidate` (the rules are in the module docstring).

    `unavailable` says why an existing production cannot be compared with; `freshness` says how
    far production's corpus is behind the candidate's (rule 3); `label` names what `production` is
    in the reasons ("v2 (staging)" for a check against a version that is not production).
    """
    failures = check_thresholds(candidate, gate)
    if failures:
        return Decision(stage=None, reasons=failures, thresholds_passed=False, non_regression_passed=None,
                        production_version=production_version)  # fmt: skip
    checked = [m for m in gate.thresholds if m not in candidate.not_applicable]
    skipped = [m for m in gate.thresholds if m in candidate.not_applicable]
    passed = [f"all {len(checked)} floors met, NaN rates within {gate.max_nan_rate:.0%}"
              + (f" (not applicable to this golden set: {', '.join(skipped)})" if skipped else "")]  # fmt: skip
    if candidate.embedding_check is not None:
        check = candidate.embedding_check
        passed.append(
            f"embedding check: dense search found {check.found} of {check.asked} chunks from their own text"
        )
    if production is None:
        return _first_version(candidate, gate, passed, production_version, unavailable)
    name = label or f"production v{production_version}"
    if gate.primary == SCORE:
        candidate, production = (with_score(r, gate.weights) for r in (candidate, production))
    usable = [
        m for m in dict.fromkeys([gate.primary, *gate.non_regression]) if m not in candidate.not_applicable
    ]
    if not usable:
        return Decision(stage="staging", reasons=[*passed, "no metric to compare with production"],
                        thresholds_passed=True, non_regression_passed=None,
                        production_version=production_version)  # fmt: skip
    primary = compare(candidate, production, usable[0], gate).model_copy(update={"role": "primary"})
    guards = [compare(candidate, production, m, gate) for m in usable[1:]]
    shown_worse = holm_worse(guards, (1 - gate.confidence) / 2)
    guards = [g.model_copy(update={"passed": g.metric not in shown_worse}) for g in guards]
    # rule 3: not shown worse at all, against a production behind today's docs
    fresher = bool(freshness and freshness.behind and _unproven_but_not_worse(primary)) and not shown_worse
    primary = primary.model_copy(update={"passed": primary.verdict in ("better", "not worse") or fresher})
    if primary.verdict == "worse" or shown_worse:
        stage = None
    else:
        stage = "production" if primary.passed else "staging"
    lead = primary_reason(primary, name, gate)
    if fresher and freshness is not None:
        lead = f"promoted: newer docs than {name} ({freshness.describe()}), not shown worse: {lead}"
    reasons = [*passed, *drift_reasons(candidate, production), lead]
    if freshness is not None and freshness.behind and not fresher:
        reasons.append(f"{name} is behind today's docs: {freshness.describe()}")
    reasons += [guard_reason(g, name) for g in guards]
    return Decision(
        stage=stage,
        reasons=reasons,
        thresholds_passed=True,
        non_regression_passed=primary.passed and not shown_worse,
        comparisons=[primary, *guards],
        production_version=production_version,
        compared_with="production",
        against_label=name,
        freshness=freshness,
        fresher=fresher,
    )


def _unproven_but_not_worse(c: Comparison) -> bool:
    """Inconclusive with its interval reaching zero: not shown worse at all (rules 3 and 4)."""
    return c.verdict == "inconclusive" and c.ci_high >= 0


def _first_version(
    candidate: EvaluationResult,
    gate: GateConfig,
    passed: list[str],
    production_version: str | None,
    unavailable: str | None,
) -> Decision:
    """Rule 4: no production to compare with, so plain search over the same pages is the bar."""
    why = unavailable or "no production version yet"
    plain = candidate.model_copy(update={"metrics": candidate.plain_search})
    shared = {m: w for m, w in gate.weights.items() if m in candidate.plain_search and m in candidate.metrics}
    if not shared or not any(w > 0 for w in shared.values()):  # built before plain search was recorded
        return Decision(stage="production", reasons=[*passed, *drift_reasons(candidate, None), f"{why}; judged on the floors alone"],
                        thresholds_passed=True, non_regression_passed=None,
                        production_version=production_version)  # fmt: skip
    ours, theirs = with_score(candidate, shared), with_score(plain, shared)
    comparison = compare(ours, theirs, SCORE, gate).model_copy(update={"role": "primary", "against": PLAIN})
    # Nothing serves yet: like a fresher candidate (rule 3), a first version not shown worse at all
    # (its interval reaching zero) is better than no agent; one whose interval lies below zero is not.
    served = comparison.verdict in ("better", "not worse") or _unproven_but_not_worse(comparison)
    comparison = comparison.model_copy(update={"passed": served})
    stage = None if comparison.verdict == "worse" else ("production" if served else "staging")
    words = {"better": "better than", "not worse": "not worse than", "worse": "WORSE than",
             "inconclusive": "not shown worse than" if served else "inconclusive against"}[comparison.verdict]  # fmt: skip
    reason = (f"{why}: {words} plain search (dense retrieval alone over the same pages) on n={comparison.n_pairs}, "
              f"score over {', '.join(shared)}: {comparison.candidate_mean:.3f} vs {comparison.production_mean:.3f}, "
              f"diff {comparison.diff_mean:+.3f} [{gate.confidence:.0%} CI {comparison.ci_low:+.3f}, {comparison.ci_high:+.3f}], "
              f"tolerance {comparison.tolerance}")  # fmt: skip
    if comparison.verdict == "inconclusive":
        reason += f" (inconclusive: n={comparison.n_pairs} can only detect ±{comparison.detectable:.2f})"
    return Decision(stage=stage, reasons=[*passed, *drift_reasons(candidate, None), reason],
                    thresholds_passed=True, non_regression_passed=comparison.passed, comparisons=[comparison],
                    production_version=production_version, compared_with=PLAIN)  # fmt: skip


def with_score(result: EvaluationResult, weights: dict[str, float]) -> EvaluationResult:
    """`result` plus a ``score`` metric: per question, the weighted mean of the metrics that scored it.

    One number per question uses every metric's evidence at once, so its interval is narrower
    than any single metric's, and one primary test replaces five.

    >>> from evaluation.records import MetricScore
    >>> r = EvaluationResult(golden_name="g", golden_hash="h", records=[], latency_p50_s=0, latency_p95_s=0,
    ...     seconds=0, metrics={"hit_rate": MetricScore(name="hit_rate", tier="offline", values={"a": 1.0, "b": 0.0}),
    ...     "must_include": MetricScore(name="must_include", tier="offline", values={"a": 0.5})})
    >>> with_score(r, {"hit_rate": 1.0, "must_include": 1.0}).metrics["score"].values
    {'a': 0.75, 'b': 0.0}
    """
    scored = [(result.metrics[m], w) for m, w in weights.items()
              if w > 0 and m in result.metrics and m not in result.not_applicable]  # fmt: skip
    values = {}
    for i in dict.fromkeys(i for metric, _ in scored for i in metric.values):
        parts = [(metric.values[i] or 0.0, w) for metric, w in scored if i in metric.values]
        values[i] = sum(v * w for v, w in parts) / sum(w for _, w in parts)
    score = MetricScore(name=SCORE, tier="offline", values=values)
    return result.model_copy(update={"metrics": {**result.metrics, SCORE: score}})
