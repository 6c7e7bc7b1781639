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
    trace_id: str = ""  # its trace when tracing was on (docs/observability.md)


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


class EmbeddingCheck(BaseModel):
    """Chunks found again from a part of their own text by dense search alone (evaluation/plain_search.py).

    A working embedding model finds nearly all of them; random or broken vectors find almost none,
    whatever the golden set, so this floor catches what a comparison with plain search over the
    same vectors cannot. Chunks of fewer than 20 words are not asked (an index of only those is
    not checked: ``asked`` 0, rate 1.0).
    """

    found: int
    asked: int

    @property
    def rate(self) -> float:
        return self.found / self.asked if self.asked else 1.0


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
    # Plain dense search over the same vectors, scored like the agent: what a first version must beat
    plain_search: dict[str, MetricScore] = {}
    embedding_check: EmbeddingCheck | None = None  # can the index's own vectors find their chunks?
    trace_url: str | None = (
        None  # tracing.trace_url when the run was traced: each question links to its trace
    )
    generated: dict[str, str] = {}  # question id -> how it was generated (golden `generated_by`)

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
    against: str = "production"  # what the candidate was compared with: "production" or "plain search"


class Freshness(BaseModel):
    """How far the compared version's corpus is behind today's docs (factory/release.py).

    Pages of its corpus that moved, changed or are gone today, and how many of its golden-set
    answers cite such a page: evidence that it answers from docs that no longer exist as it cites them.
    """

    moved: int = 0
    changed: int = 0
    removed: int = 0
    stale_answers: int = 0  # its answers citing a page that moved, changed or is gone today
    answers: int = 0

    @property
    def behind(self) -> bool:
        return bool(self.moved or self.changed or self.removed)

    def describe(self) -> str:
        """What is behind, in words.

        >>> Freshness(moved=12, changed=3, stale_answers=9, answers=70).describe()
        '12 pages moved, 3 changed; 9 of its 70 answers cite them'
        """
        counts = [(n, what) for n, what in ((self.moved, "moved"), (self.changed, "changed"),
                                            (self.removed, "removed")) if n]  # fmt: skip
        if not counts:
            return "no page changed"
        words = [f"{n} {what}" for n, what in counts]
        words[0] = f"{counts[0][0]} page{'s' * (counts[0][0] != 1)} {counts[0][1]}"
        cited = f"; {self.stale_answers} of its {self.answers} answers cite them" if self.answers else ""
        return ", ".join(words) + cited


class Decision(BaseModel):
    """What the gate decided, and why. ``stage`` None means: not promoted."""

    stage: Literal["production", "staging"] | None
    reasons: list[str]
    thresholds_passed: bool
    non_regression_passed: bool | None
    comparisons: list[Comparison] = []
    production_version: str | None = None
    awaiting_approval: bool = False  # earned production, held in staging until a person approves
    compared_with: Literal["production", "plain search", "nothing"] = "nothing"
    against_label: str | None = None  # the compared version in words: "production v3", "v2 (staging)"
    freshness: Freshness | None = None  # production's corpus against today's, when compared with it
    fresher: bool = False  # promoted as production's fresher equivalent (evaluation/gate.py, rule 3)

    def compared_with_words(self, c: Comparison) -> str:
        """What `c` compared the candidate with: "production v3", "v2 (staging)", "plain search"."""
        if c.against != "production":
            return c.against
        return self.against_label or f"production v{self.production_version}"

    def deciding_reason(self) -> str:
        """The reason that decided (evaluation/gate_words.py wording): a guardrail shown worse, else the
        primary comparison, else the first (a floor that failed, a comparison that could not be made)."""
        for mark in (" WORSE ", "(primary)", "no production version yet", "promoted: newer docs"):
            if found := next((r for r in self.reasons if mark in r), None):
                return found
        return self.reasons[0] if self.reasons else "no reason recorded"
