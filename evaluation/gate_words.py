"""The gate's reasons in words: what each comparison found, and what golden drift did to it.

Kept apart from the rules (evaluation/gate.py) so a reason's wording changes in one place.
"""

from __future__ import annotations

from evaluation.config import GateConfig
from evaluation.records import Comparison, EvaluationResult


def stale_summary(result: EvaluationResult) -> str:
    """The stale questions' reasons, counted: "2 x its page docs/a.md was deleted".

    >>> r = EvaluationResult(golden_name="g", golden_hash="h", records=[], metrics={}, latency_p50_s=0,
    ...     latency_p95_s=0, seconds=0, stale={"a": "its page x.md was deleted", "b": "its page x.md was deleted"})
    >>> stale_summary(r)
    '2 x its page x.md was deleted'
    """
    counts: dict[str, int] = {}
    for reason in result.stale.values():
        counts[reason] = counts.get(reason, 0) + 1
    return "; ".join(f"{n} x {reason}" if n > 1 else reason for reason, n in sorted(counts.items()))


def drift_reasons(candidate: EvaluationResult, production: EvaluationResult | None) -> list[str]:
    """What golden drift did to this comparison, when it did anything."""
    lines = []
    if candidate.followed:
        lines.append(f"golden references followed to moved pages: {candidate.followed} question(s)")
    if candidate.stale:
        lines.append(f"stale golden questions (asked, not scored on references): {len(candidate.stale)} "
                     f"of {len(candidate.records)} ({stale_summary(candidate)})")  # fmt: skip
    if production is not None and (extra := production.stale.keys() - candidate.stale.keys()):
        lines.append(f"left out of the comparison, stale in production's corpus: {len(extra)}")
    return lines


def _evidence(c: Comparison, name: str, gate: GateConfig) -> str:
    return (f"{name} on n={c.n_pairs}: {c.candidate_mean:.3f} vs {c.production_mean:.3f}, diff {c.diff_mean:+.3f} "
            f"[{gate.confidence:.0%} CI {c.ci_low:+.3f}, {c.ci_high:+.3f}], tolerance {c.tolerance}")  # fmt: skip


def primary_reason(c: Comparison, name: str, gate: GateConfig) -> str:
    words = {"better": "better than", "not worse": "not worse than", "worse": "WORSE than",
             "inconclusive": "inconclusive against"}[c.verdict]  # fmt: skip
    reason = f"{c.metric} (primary) {words} {_evidence(c, name, gate)}"
    if c.verdict == "inconclusive" and c.questions_needed > c.n_pairs:
        reason += (f"; n={c.n_pairs} can only detect differences of ±{c.detectable:.2f} on {c.metric}, "
                   f"about {c.questions_needed} questions would detect {c.tolerance}")  # fmt: skip
    elif c.verdict == "inconclusive":  # the set resolves the margin: the difference sits on it
        reason += f"; the interval straddles -{c.tolerance}: the difference is about the margin itself"
    return reason


def guard_reason(c: Comparison, name: str) -> str:
    if not c.passed:
        return (f"guardrail {c.metric} WORSE than {name}: diff {c.diff_mean:+.3f} "
                f"[CI {c.ci_low:+.3f}, {c.ci_high:+.3f}] below -{c.tolerance} (p={c.p_worse:.3f}, Holm)")  # fmt: skip
    return (f"guardrail {c.metric} not shown worse than {name} ({c.verdict}): "
            f"diff {c.diff_mean:+.3f} [CI {c.ci_low:+.3f}, {c.ci_high:+.3f}], tolerance {c.tolerance}")  # fmt: skip
