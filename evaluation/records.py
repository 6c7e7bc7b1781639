"""The records evaluation produces: one shape, logged as metadata, shown in reports, compared."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel

from rag.usage import Usage


class AnswerRecord(BaseModel):
    """What the agent did with one golden question."""

    id: str
    question: str
    answer: str
    contexts: list[str]
    source_ids: list[str]  # retrieved document ids, best first, unique
    source_sections: list[str] = []  # "doc_id#anchor" of every section a retrieved chunk lies in
    tool_calls: list[dict]
    latency_s: float
    usage: Usage = Usage()  # the agent's LLM calls and tokens for this question
    judge_usage: Usage = Usage()  # the judge's, over every metric of this question
    error: str | None = None


class MetricScore(BaseModel):
    """A metric over the golden set. ``values[id] is None`` means the metric failed (NaN) there.

    ``mean`` counts failures as 0, so a failing judge can only lower a score, never raise it;
    ``mean_valid`` is the mean over questions where the metric worked (what ragas reports).
    """

    name: str
    tier: Literal["offline", "judge"]
    values: dict[str, float | None]
    spread: float | None = None  # judged `repeats` > 1 times: mean standard deviation between runs

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def nan_rate(self) -> float:
        return sum(v is None for v in self.values.values()) / self.n if self.n else 1.0

    @property
    def mean(self) -> float:
        return sum(v or 0.0 for v in self.values.values()) / self.n if self.n else 0.0

    @property
    def mean_valid(self) -> float | None:
        valid = [v for v in self.values.values() if v is not None]
        return sum(valid) / len(valid) if valid else None

    def summary(self) -> dict:
        return {"mean": round(self.mean, 4), "nan_rate": round(self.nan_rate, 4), "n": self.n}


def clean(value: float | None) -> float | None:
    """NaN (a failed metric) becomes None, so JSON and metadata stay valid."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


class EvaluationResult(BaseModel):
    """An agent scored against a golden set."""

    golden_name: str
    golden_hash: str
    records: list[AnswerRecord]
    metrics: dict[str, MetricScore]
    latency_p50_s: float
    latency_p95_s: float
    judge: str | None = None
    seconds: float
    missing_sources: list[str] = []  # golden reference sources absent from the agent's corpus
    stale: dict[str, str] = {}  # question id -> why its referenced pages are gone (evaluation/follow.py)
    followed: int = 0  # questions whose references were followed to moved pages
    not_applicable: list[str] = []  # metrics the golden set gives no data for: not computed, not NaN
    usage: dict[str, Usage] = {}  # totals by role: "agent", "judge"

    def headline(self) -> dict[str, float]:
        return {name: round(m.mean, 4) for name, m in self.metrics.items()}


class Comparison(BaseModel):
    """Paired, bootstrapped difference candidate - production on one metric (evaluation/gate.py)."""

    metric: str
    candidate_mean: float
    production_mean: float
    diff_mean: float
    ci_low: float
    ci_high: float
    n_pairs: int
    passed: bool  # not shown worse (for a guardrail, after the Holm correction)
    verdict: Literal["better", "not worse", "worse", "inconclusive"] = "inconclusive"
    tolerance: float = 0.0
    role: Literal["primary", "guardrail"] = "guardrail"
    p_worse: float = 1.0  # bootstrap p-value of "worse by more than the tolerance"
    detectable: float = 0.0  # the smallest difference this many questions can tell from zero
    questions_needed: int = 0  # questions that would detect a difference of `tolerance`


class Decision(BaseModel):
    """What the gate decided, and why. ``stage`` None means: not promoted."""

    stage: Literal["production", "staging"] | None
    reasons: list[str]
    thresholds_passed: bool
    non_regression_passed: bool | None
    comparisons: list[Comparison] = []
    production_version: str | None = None
    awaiting_approval: bool = False  # earned production, held in staging until a person approves
