"""Scoring answer records, in two tiers.

*Offline tier* (always): hit rate and MRR on ``reference_sources``; RAGAS
``IDBasedContextPrecision``/``IDBasedContextRecall`` (retrieved vs reference document ids),
``NonLLMContextRecall`` (where reference contexts are given) and ``SemanticSimilarity``
(embeddings); reference match (the reference in the answer, evaluation/reference_match.py);
must-include presence; refusal accuracy. No LLM, no network.

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
from evaluation.metric_specs import METRICS, MetricSpec, build_ragas, questions_for
from evaluation.records import AnswerRecord, MetricScore, clean
from rag.answer.passages import split_sentences
from rag.registry import resolve

_REFUSAL = re.compile(
    r"\b(i don't know|i do not know|i can't answer|i cannot answer|not covered|no information|"
    r"does not (?:answer|cover|mention))\b",
    re.IGNORECASE,
)


REFUSAL_OPENING = 200  # characters of an answer searched for a refusal
SENTENCE_SIZED = 300  # characters: a reference context shorter than this is a sentence, longer a passage


def is_refusal(answer: str) -> bool:
    """A refusal says so up front; a long answer quoting documentation about refusals is no refusal."""
    return bool(_REFUSAL.search(answer[:REFUSAL_OPENING]))


def hit(q: GoldenQuestion, r: AnswerRecord) -> float:
    return float(any(s in r.source_ids for s in q.reference_sources))


def reciprocal_rank(q: GoldenQuestion, r: AnswerRecord) -> float:
    ranks = [i for i, s in enumerate(r.source_ids, start=1) if s in q.reference_sources]
    return 1.0 / ranks[0] if ranks else 0.0


def section_hit(q: GoldenQuestion, r: AnswerRecord) -> float:
    """A retrieved chunk lies in a named section (or below it) of a reference page."""
    wanted = {f"{page}#{anchor}" for page in q.reference_sources for anchor in q.reference_sections}
    return float(not wanted.isdisjoint(r.source_sections))


def must_include(q: GoldenQuestion, r: AnswerRecord) -> float:
    answer = r.answer.lower()
    return sum(fact.lower() in answer for fact in q.must_include) / len(q.must_include)


def refusal_correct(q: GoldenQuestion, r: AnswerRecord) -> float:
    return float(is_refusal(r.answer) == q.expect_refusal)


def score_offline(
    golden: GoldenSet, records: list[AnswerRecord], embed_model: BaseEmbedding
) -> dict[str, MetricScore]:
    """Every offline metric of the table (evaluation/metric_specs.py) that has questions to score."""
    by_id = {r.id: r for r in records}
    scores: dict[str, MetricScore] = {}
    ragas_groups: dict[tuple[tuple[str, ...], bool], list[MetricSpec]] = {}
    for spec in METRICS.values():
        questions = questions_for(spec, golden)
        if spec.tier != "offline" or not questions:
            continue
        if spec.scorer and spec.embeds:
            values = resolve(spec.scorer)(questions, by_id, embed_model)
            scores[spec.name] = MetricScore(name=spec.name, tier="offline", values=values)
        elif spec.scorer:
            fn = resolve(spec.scorer)
            scores[spec.name] = MetricScore(
                name=spec.name, tier="offline", values={q.id: fn(q, by_id[q.id]) for q in questions}
            )
        else:  # RAGAS metrics scoring the same questions the same way run in one evaluate()
            ragas_groups.setdefault((tuple(q.id for q in questions), spec.split_contexts), []).append(spec)
    for (ids, split), specs in ragas_groups.items():
        questions = [q for q in golden.questions if q.id in ids]
        scores |= _ragas(questions, by_id, specs, split, embed_model)
    return {name: scores[name] for name in METRICS if name in scores}  # table order


def _ragas(
    questions: list[GoldenQuestion],
    by_id: dict[str, AnswerRecord],
    specs: list[MetricSpec],
    split: bool,
    embed_model: BaseEmbedding,
) -> dict[str, MetricScore]:
    """Run ragas' evaluate; an errored agent answer scores 0 rather than reaching ragas."""
    from ragas import EvaluationDataset, evaluate
    from ragas.embeddings import LlamaIndexEmbeddingsWrapper
    from ragas.run_config import RunConfig

    ok = [q for q in questions if not by_id[q.id].error]
    values: dict[str, dict[str, float | None]] = {s.name: {q.id: 0.0 for q in questions} for s in specs}
    ours = {s.ragas_column: s.name for s in specs}
    if ok:
        samples = [ragas_sample(q, by_id[q.id], split) for q in ok]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = evaluate(
                EvaluationDataset(samples=samples),
                metrics=[build_ragas(s.name) for s in specs],
                embeddings=LlamaIndexEmbeddingsWrapper(embed_model),
                run_config=RunConfig(max_workers=2, timeout=120),
                show_progress=False,
                raise_exceptions=False,
            )
        for q, row in zip(ok, result.scores, strict=True):
            for column, value in row.items():
                if (name := ours.get(column.split("(")[0])) is not None:
                    values[name][q.id] = clean(value)
    return {name: MetricScore(name=name, tier="offline", values=v) for name, v in values.items()}


def ragas_sample(q: GoldenQuestion, r: AnswerRecord, split: bool = False) -> Any:
    """The ragas SingleTurnSample for one question and the agent's answer."""
    from ragas import SingleTurnSample

    # Sentence-sized references are matched against retrieved sentences; passage-sized ones
    # (a scraped paragraph, a section) against whole chunks, or no sentence could ever match.
    split = split and bool(q.reference_contexts) and max(map(len, q.reference_contexts)) < SENTENCE_SIZED
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
