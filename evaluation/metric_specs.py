"""Every metric in one table: its name, tier, the golden data it needs, how it is built, its cost.

Config validation, offline scoring, the judge, the cost estimate and the CLI all read this
table; a new metric is one row here (plus its scorer, when it is our own). The tiers:

- ``offline``: no LLM, no network. Ours (hit rate, MRR, must-include, refusal accuracy) or
  RAGAS non-LLM metrics.
- ``judge``: RAGAS LLM metrics, scored by the configured judge (evaluation/judge.py).

``needs`` lists the golden fields a question must have to be scored; ``questions`` says
whether refusal questions count. ``calls`` is the judge's call pattern per question, for
``agent-factory eval --dry-run``: each call's prompt, the inputs it carries and the text its
output restates (``contexts`` is all retrieved chunks; ``context``, one call per chunk).

>>> METRICS["faithfulness"].tier, [c.prompt for c in METRICS["faithfulness"].calls]
('judge', ['statement_generator_prompt', 'n_l_i_statement_prompt'])
>>> names("offline")[:3]
['hit_rate', 'mrr', 'section_hit']
>>> build_ragas("answer_relevancy").strictness
1
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from evaluation.golden import GoldenQuestion, GoldenSet
from rag.registry import resolve

Input = Literal["question", "answer", "contexts", "context", "reference"]


class Call(BaseModel):
    """One judge LLM call: which prompt, what it carries, what its output restates."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    inputs: tuple[Input, ...]
    restates: Input | None = None


class MetricSpec(BaseModel):
    """One metric: how it is named, computed and paid for."""

    model_config = ConfigDict(frozen=True)

    name: str
    tier: Literal["offline", "judge"]
    short: str  # column header in `agent-factory versions`
    needs: tuple[str, ...] = ()  # golden fields that must be non-empty on a scored question
    questions: Literal["answerable", "all"] = "answerable"
    scorer: str | None = None  # ours: "module:function" (question, record) -> float
    embeds: bool = (
        False  # ...or (questions, records by id, embed model) -> {id: float}, for scorers that embed
    )
    ragas: str | None = None  # RAGAS: "module:Class" of the metric object
    ragas_kwargs: dict[str, Any] = {}
    ragas_column: str | None = None  # the column ragas.evaluate names it (offline RAGAS metrics)
    split_contexts: bool = False  # score retrieved chunks sentence by sentence
    calls: tuple[Call, ...] = ()


def _c(prompt: str, *inputs: Input, restates: Input | None = None) -> Call:
    return Call(prompt=prompt, inputs=inputs, restates=restates)


_SOURCES = ("reference_sources",)
_ANSWER = ("reference_answer",)
_TABLE = [
    MetricSpec(name="hit_rate", tier="offline", short="hit", needs=_SOURCES, scorer="evaluation.metrics:hit"),
    MetricSpec(name="mrr", tier="offline", short="mrr", needs=_SOURCES, scorer="evaluation.metrics:reciprocal_rank"),
    MetricSpec(name="section_hit", tier="offline", short="sect", needs=(*_SOURCES, "reference_sections"),
               scorer="evaluation.metrics:section_hit"),
    MetricSpec(name="id_context_precision", tier="offline", short="idp", needs=_SOURCES,
               ragas="ragas.metrics:IDBasedContextPrecision", ragas_column="id_based_context_precision"),
    MetricSpec(name="id_context_recall", tier="offline", short="idr", needs=_SOURCES,
               ragas="ragas.metrics:IDBasedContextRecall", ragas_column="id_based_context_recall"),
    MetricSpec(name="nonllm_context_recall", tier="offline", short="ctxr", needs=("reference_contexts",),
               ragas="ragas.metrics:NonLLMContextRecall", ragas_column="non_llm_context_recall",
               split_contexts=True),
    MetricSpec(name="semantic_similarity", tier="offline", short="sim", needs=_ANSWER,
               ragas="ragas.metrics:SemanticSimilarity", ragas_column="semantic_similarity"),
    MetricSpec(name="reference_match", tier="offline", short="ref", needs=_ANSWER, embeds=True,
               scorer="evaluation.reference_match:reference_match"),
    MetricSpec(name="must_include", tier="offline", short="incl", needs=("must_include",),
               scorer="evaluation.metrics:must_include"),
    MetricSpec(name="refusal_accuracy", tier="offline", short="refuse", questions="all",
               scorer="evaluation.metrics:refusal_correct"),
    MetricSpec(name="faithfulness", tier="judge", short="faith", ragas="ragas.metrics:Faithfulness",
               calls=(_c("statement_generator_prompt", "question", "answer", restates="answer"),
                      _c("n_l_i_statement_prompt", "contexts", "answer", restates="answer"))),
    # strictness 1: LlamaIndex LLMs return one generation per call, not n.
    MetricSpec(name="answer_relevancy", tier="judge", short="relev", ragas="ragas.metrics:ResponseRelevancy",
               ragas_kwargs={"strictness": 1},
               calls=(_c("response_relevance_prompt", "answer", restates="question"),)),
    MetricSpec(name="llm_context_precision_with_reference", tier="judge", short="ctxp", needs=_ANSWER,
               ragas="ragas.metrics:LLMContextPrecisionWithReference",
               calls=(_c("context_precision_prompt", "question", "context", "reference"),)),
    MetricSpec(name="context_recall", tier="judge", short="recall", needs=_ANSWER,
               ragas="ragas.metrics:LLMContextRecall",
               calls=(_c("context_recall_classification_prompt", "question", "contexts", "reference",
                         restates="reference"),)),
    MetricSpec(name="factual_correctness", tier="judge", short="fact", needs=_ANSWER,
               ragas="ragas.metrics:FactualCorrectness",
               calls=(_c("claim_decomposition_prompt", "answer", restates="answer"),
                      _c("claim_decomposition_prompt", "reference", restates="reference"),
                      _c("n_l_i_statement_prompt", "reference", "answer", restates="answer"),
                      _c("n_l_i_statement_prompt", "answer", "reference", restates="reference"))),
]  # fmt: skip
METRICS: dict[str, MetricSpec] = {spec.name: spec for spec in _TABLE}


def names(tier: str | None = None) -> list[str]:
    """Metric names in table order, optionally of one tier."""
    return [spec.name for spec in _TABLE if tier in (None, spec.tier)]


def questions_for(spec: MetricSpec, golden: GoldenSet) -> list[GoldenQuestion]:
    """The questions a metric scores: answerable ones (or all), having every field it needs."""
    pool = (
        golden.questions if spec.questions == "all" else [q for q in golden.questions if not q.expect_refusal]
    )
    return [q for q in pool if all(getattr(q, field) for field in spec.needs)]


def not_applicable(golden: GoldenSet, metrics: list[str]) -> list[str]:
    """The metrics among `metrics` that the golden set gives no data for (no question to score).

    >>> from evaluation.golden import GoldenQuestion, GoldenSet
    >>> plain = GoldenSet(name="g", content_hash="h", questions=[
    ...     GoldenQuestion(id="q", question="Where is X?", reference_sources=["docs/x.md"])])
    >>> not_applicable(plain, ["hit_rate", "must_include", "semantic_similarity"])
    ['must_include', 'semantic_similarity']
    """
    return [name for name in metrics if not questions_for(METRICS[name], golden)]


def build_ragas(name: str) -> Any:
    """A fresh RAGAS metric object for a metric that has one."""
    spec = METRICS[name]
    if spec.ragas is None:
        raise KeyError(f"{name} is not a RAGAS metric")
    return resolve(spec.ragas)(**spec.ragas_kwargs)
