"""Scoring answer records, in two tiers.

*Offline tier* (always): hit rate and MRR on ``reference_sources``; RAGAS
``IDBasedContextPrecision``/``IDBasedContextRecall`` (retrieved vs reference document ids),
``NonLLMContextRecall`` (where reference contexts are given) and ``SemanticSimilarity``
(embeddings); must-include presence; refusal accuracy. No LLM, no network.

*Judge tier*: see evaluation/judge.py.

A metric that fails on a question is recorded as ``None`` (NaN) and counted in its
``nan_rate``; its ``mean`` counts it as 0.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from evaluation.golden import GoldenQuestion, GoldenSet
from evaluation.records import AnswerRecord, MetricScore, clean
from rag.llms.extractive import split_sentences

_REFUSAL = re.compile(
    r"\b(i don't know|i do not know|i can't answer|i cannot answer|not covered|no information|"
    r"does not (?:answer|cover|mention))\b",
    re.IGNORECASE,
)

# ragas' column name -> ours
_RAGAS_OFFLINE = {
    "id_based_context_precision": "id_context_precision",
    "id_based_context_recall": "id_context_recall",
    "semantic_similarity": "semantic_similarity",
    "non_llm_context_recall": "nonllm_context_recall",
}


def is_refusal(answer: str) -> bool:
    return bool(_REFUSAL.search(answer))


def score_offline(
    golden: GoldenSet, records: list[AnswerRecord], embed_model: BaseEmbedding
) -> dict[str, MetricScore]:
    by_id = {r.id: r for r in records}
    answerable = [q for q in golden.questions if not q.expect_refusal]
    scores = {
        "hit_rate": _own("hit_rate", answerable, by_id, _hit),
        "mrr": _own("mrr", answerable, by_id, _reciprocal_rank),
        "must_include": _own("must_include", [q for q in answerable if q.must_include], by_id, _must_include),
        "refusal_accuracy": _own(
            "refusal_accuracy",
            golden.questions,
            by_id,
            lambda q, r: float(is_refusal(r.answer) == q.expect_refusal),
        ),
    }
    from ragas.embeddings import LlamaIndexEmbeddingsWrapper
    from ragas.metrics import (
        IDBasedContextPrecision,
        IDBasedContextRecall,
        NonLLMContextRecall,
        SemanticSimilarity,
    )

    embeddings = LlamaIndexEmbeddingsWrapper(embed_model)
    scores |= _ragas(
        answerable,
        by_id,
        [IDBasedContextPrecision(), IDBasedContextRecall(), SemanticSimilarity()],
        _RAGAS_OFFLINE,
        "offline",
        embeddings=embeddings,
    )
    with_contexts = [q for q in answerable if q.reference_contexts]
    if with_contexts:
        # Sentence-sized retrieved contexts: string similarity to a reference sentence is
        # meaningless against a whole 1000-character chunk.
        scores |= _ragas(with_contexts, by_id, [NonLLMContextRecall()], _RAGAS_OFFLINE, "offline", split=True)
    return scores


def _own(name: str, questions: list[GoldenQuestion], by_id: dict[str, AnswerRecord], fn: Any) -> MetricScore:
    return MetricScore(name=name, tier="offline", values={q.id: fn(q, by_id[q.id]) for q in questions})


def _hit(q: GoldenQuestion, r: AnswerRecord) -> float:
    return float(any(s in r.source_ids for s in q.reference_sources))


def _reciprocal_rank(q: GoldenQuestion, r: AnswerRecord) -> float:
    ranks = [i for i, s in enumerate(r.source_ids, start=1) if s in q.reference_sources]
    return 1.0 / ranks[0] if ranks else 0.0


def _must_include(q: GoldenQuestion, r: AnswerRecord) -> float:
    answer = r.answer.lower()
    return sum(fact.lower() in answer for fact in q.must_include) / len(q.must_include)


def _ragas(
    questions: list[GoldenQuestion],
    by_id: dict[str, AnswerRecord],
    metrics: list[Any],
    names: dict[str, str],
    tier: str,
    split: bool = False,
    **kwargs: Any,
) -> dict[str, MetricScore]:
    """Run ragas' evaluate; an errored agent answer scores 0 rather than reaching ragas."""
    from ragas import EvaluationDataset, evaluate
    from ragas.run_config import RunConfig

    ok = [q for q in questions if not by_id[q.id].error]
    values: dict[str, dict[str, float | None]] = {
        ours: {q.id: 0.0 for q in questions} for ours in names.values()
    }
    if ok:
        samples = [ragas_sample(q, by_id[q.id], split) for q in ok]
        kwargs.setdefault("run_config", RunConfig(max_workers=2, timeout=120))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = evaluate(
                EvaluationDataset(samples=samples),
                metrics=metrics,
                show_progress=False,
                raise_exceptions=False,
                **kwargs,
            )
        for q, row in zip(ok, result.scores, strict=True):
            for column, value in row.items():
                ours = names.get(column.split("(")[0])
                if ours:
                    values[ours][q.id] = clean(value)
    computed = {names.get(getattr(m, "name", "").split("(")[0]) for m in metrics}
    return {
        name: MetricScore(name=name, tier=tier, values=v) for name, v in values.items() if name in computed
    }


def ragas_sample(q: GoldenQuestion, r: AnswerRecord, split: bool = False) -> Any:
    """The ragas SingleTurnSample for one question and the agent's answer."""
    from ragas import SingleTurnSample

    contexts = [s for c in r.contexts for s in split_sentences(c)] if split else r.contexts
    return SingleTurnSample(
        user_input=q.question,
        response=r.answer,
        reference=q.reference_answer,
        retrieved_contexts=contexts or [""],
        reference_contexts=q.reference_contexts or None,
        retrieved_context_ids=r.source_ids or [""],
        reference_context_ids=q.reference_sources,
    )
