"""Evaluation settings: the golden set, an optional RAGAS judge, and the release gate.

Metric names are checked against the one table in evaluation/metric_specs.py.

>>> cfg = EvaluationConfig.model_validate({"gate": {"thresholds": {"hit_rate": 0.9}}})
>>> cfg.gate.thresholds, cfg.judge is None
({'hit_rate': 0.9}, True)
>>> GateConfig(thresholds={"hitrate": 0.5})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for GateConfig
thresholds
  Value error, unknown metric 'hitrate'; known: hit_rate, mrr, ...
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from evaluation.metric_specs import METRICS, names
from rag.config import EmbeddingConfig, LLMConfig
from rag.errors import AgentFactoryError
from rag.providers import LLMS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known(metrics: list[str] | dict[str, float]) -> None:
    unknown = [n for n in metrics if n not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r}; known: {', '.join(names())}")


class JudgeConfig(_Strict):
    """The RAGAS judge: an LLM separate from the agent's (and embeddings for answer relevancy).

    Each (question, metric) is one task: at most ``max_workers`` run at once (local servers
    want 1-2), each is cut off after ``timeout_s``, and unparseable judge output is re-asked
    at most ``max_reasks`` times; then that score is NaN, which the gate counts. A noisy judge
    can score each pair ``repeats`` times: the mean is used and the between-run spread reported.
    """

    llm: LLMConfig
    embedding: EmbeddingConfig | None = None  # default: the agent's embedding settings
    metrics: list[str] = names("judge")
    max_workers: int = Field(2, ge=1, le=64)
    timeout_s: float = Field(180, gt=0)
    max_reasks: int = Field(1, ge=0, le=3)  # ragas' own parser stops at 3
    repeats: int = Field(1, ge=1, le=10)  # judge each (question, metric) this often: mean, and the spread

    @field_validator("llm")
    @classmethod
    def _generative(cls, value: LLMConfig) -> LLMConfig:
        if not LLMS.get(value.provider).generative:
            raise ValueError(f"the judge needs a generative LLM; {value.provider!r} only extracts")
        return value

    @field_validator("metrics")
    @classmethod
    def _judge_metrics(cls, value: list[str]) -> list[str]:
        if not value or any(n not in names("judge") for n in value):
            raise ValueError(f"judge metrics must be a non-empty subset of {', '.join(names('judge'))}")
        return value


class GoldenSetMissing(AgentFactoryError):
    """A config without `evaluation.golden_set`, used where one is needed."""


SCORE = "score"  # the gate's weighted per-question score (evaluation/gate.py)


class GateConfig(_Strict):
    """When a new version may take a stage. Plain code decides; see docs/evaluation.md."""

    # Floors that catch a broken agent, not a bar tuned on one docs set: a first version is judged
    # against plain search over the same pages, later ones against production (docs/evaluation.md).
    thresholds: dict[str, float] = {"hit_rate": 0.2, "refusal_accuracy": 0.5}
    min_embedding_check: float = Field(0.5, ge=0, le=1)  # chunks found from their own text (records.py)
    max_nan_rate: float = Field(0.1, ge=0, le=1)
    # Questions whose pages were deleted since the golden set was written (docs/living-docs.md).
    max_stale_rate: float = Field(0.2, ge=0, le=1)
    max_latency_p95_s: float | None = Field(None, gt=0)
    primary: str = SCORE  # a metric name, or `score`: the weighted mean of `weights` per question
    weights: dict[str, float] = {
        "hit_rate": 1.0, "mrr": 1.0, "must_include": 1.0, "refusal_accuracy": 1.0, "reference_match": 1.0,
    }  # fmt: skip
    non_regression: list[str] = ["hit_rate", "mrr", "must_include", "refusal_accuracy", "reference_match"]
    # 0.05: what 50-100 questions resolve (per-question score differences have SD ~0.1-0.2 between
    # builds, so the 95% interval is about +/-0.03-0.05 wide); 0.02 needs 400+ (docs/evaluation.md)
    tolerance: float = Field(0.05, ge=0, le=1)
    tolerances: dict[str, float] = {}  # per-metric margins; `tolerance` for the others
    confidence: float = Field(0.95, gt=0.5, lt=1)
    bootstrap_samples: int = Field(2000, ge=100, le=100_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)  # numpy's generator takes no negative seed
    require_approval: bool = False  # production waits for a person (agent-factory approve / reject)
    approval_timeout_s: int = Field(600, ge=1, le=7 * 86_400)  # then the run pauses; production untouched

    @field_validator("thresholds", "tolerances")
    @classmethod
    def _known_fractions(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        _known(value)
        kind = {"thresholds": "threshold", "tolerances": "tolerance"}[info.field_name]
        for name, number in value.items():
            if not 0 <= number <= 1:
                raise ValueError(f"{kind} for {name} must be between 0 and 1, got {number}")
        return value

    @field_validator("non_regression")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        _known(value)
        return value

    @field_validator("primary")
    @classmethod
    def _known_primary(cls, value: str) -> str:
        if value != SCORE:
            _known([value])
        return value

    @field_validator("weights")
    @classmethod
    def _known_weights(cls, value: dict[str, float]) -> dict[str, float]:
        _known(value)
        if any(w < 0 for w in value.values()) or not any(w > 0 for w in value.values()):
            raise ValueError("weights must be >= 0, at least one of them > 0")
        return value

    def margin(self, metric: str) -> float:
        """How much worse than production `metric` may be and still count as not worse."""
        return self.tolerances.get(metric, self.tolerance)


class EvaluationConfig(_Strict):
    """Golden set, optional judge and the release gate."""

    golden_set: Path | None = None  # never guessed from the working folder: a config names its own
    judge: JudgeConfig | None = None
    gate: GateConfig = GateConfig()

    @property
    def golden_path(self) -> Path:
        """The golden set's file; a config that names none is an error saying what to write."""
        if self.golden_set is None:
            raise GoldenSetMissing(
                "evaluation.golden_set: not set; every build is evaluated against a golden set: name its "
                "JSONL file, relative to the config (`agent-factory golden import` makes one from a question list)"
            )
        return self.golden_set

    @model_validator(mode="after")
    def _gated_metrics_are_scored(self) -> EvaluationConfig:
        """A judge metric the gate reads must be one the judge scores (else it compares 0 with 0)."""
        judged = set(self.judge.metrics) if self.judge else set()
        gated = [*self.gate.thresholds, *self.gate.non_regression]
        unscored = sorted({m for m in gated if METRICS[m].tier == "judge" and m not in judged})
        if unscored:
            where = "evaluation.judge.metrics" if self.judge else "an evaluation.judge"
            raise ValueError(
                f"gate uses judge metric(s) {', '.join(unscored)} but {where} does not score them"
            )
        return self
