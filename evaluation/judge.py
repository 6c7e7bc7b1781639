"""The judge tier: RAGAS LLM metrics, one bounded task per (question, metric).

We drive the metrics ourselves instead of through ``ragas.evaluate`` so that every limit
is ours and explicit:

- at most ``judge.max_workers`` tasks at once (local servers want 1-2);
- each task is cut off after ``judge.timeout_s``; HTTP retries happen once, in rag/http.py
  (ragas' own tenacity retries are switched off);
- each unparseable output is re-asked at most ``judge.max_reasks`` times (ragas alone
  re-asks up to 3 times); ```json fences are accepted;
- a task that still fails scores NaN (None) for that question; the gate counts NaNs;
- LLM calls and tokens are counted per question (:class:`rag.usage.UsageMeter`).

tests/evaluation/test_judge.py drives it against a real HTTP server that injects each fault.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from evaluation.config import JudgeConfig
from evaluation.golden import GoldenSet
from evaluation.metric_specs import METRICS, build_ragas, questions_for
from evaluation.records import AnswerRecord, MetricScore, clean
from rag.answer import build_llm
from rag.usage import UsageMeter

log = logging.getLogger(__name__)


class UnparseableJudgeOutput(RuntimeError):
    """The judge's output did not parse, and the re-ask budget is spent."""


def judge_llm(llm: Any, max_reasks: int) -> Any:
    """ragas' LlamaIndex adapter, refusing re-asks beyond `max_reasks` and retrying nothing itself."""
    from ragas.llms.base import LlamaIndexLLMWrapper
    from ragas.prompt.pydantic_prompt import FixOutputFormat
    from ragas.run_config import RunConfig

    fix_instruction = FixOutputFormat.instruction

    class BoundedJudgeLLM(LlamaIndexLLMWrapper):
        async def agenerate_text(self, prompt: Any, *args: Any, **kwargs: Any) -> Any:
            # ragas re-asks by nesting the unparseable exchange in a fix prompt: depth = nesting.
            if prompt.to_string().count(fix_instruction) > max_reasks:
                raise UnparseableJudgeOutput(f"unparseable judge output after {max_reasks} re-ask(s)")
            return await super().agenerate_text(prompt, *args, **kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the adapter's own deprecation notice
        return BoundedJudgeLLM(llm, run_config=RunConfig(max_retries=1))  # 1 attempt: rag/http.py retries


def score_judge(
    golden: GoldenSet,
    records: list[AnswerRecord],
    judge: JudgeConfig,
    embed_model: BaseEmbedding,
    meter: UsageMeter,
) -> dict[str, MetricScore]:
    """Judge-tier scores on the answerable questions; an errored agent answer scores 0, unjudged."""
    from ragas.embeddings import LlamaIndexEmbeddingsWrapper
    from ragas.metrics.base import MetricWithEmbeddings
    from ragas.run_config import RunConfig

    from evaluation.metrics import ragas_sample

    llm = build_llm(judge.llm, embed_model)
    meter.attach(llm)
    wrapper = judge_llm(llm, judge.max_reasks)
    run_config = RunConfig(max_retries=1, timeout=int(judge.timeout_s), max_workers=judge.max_workers)
    metrics = {name: build_ragas(name) for name in judge.metrics}
    for metric in metrics.values():
        metric.llm = wrapper
        if isinstance(metric, MetricWithEmbeddings):
            metric.embeddings = LlamaIndexEmbeddingsWrapper(embed_model)
        metric.init(run_config)
    by_id = {r.id: r for r in records}
    # Each metric scores only the questions with the data it needs (none: not applicable, absent).
    scored = {name: {q.id for q in questions_for(METRICS[name], golden)} for name in metrics}
    values = {name: dict.fromkeys(ids, 0.0) for name, ids in scored.items() if ids}
    tasks = [
        (q.id, name, metric, ragas_sample(q, by_id[q.id]))
        for q in golden.questions
        if not by_id[q.id].error
        for name, metric in metrics.items()
        if q.id in scored[name]
        for _ in range(judge.repeats)
    ]
    try:
        scores = asyncio.run(_run(tasks, judge, meter))
    finally:
        meter.detach(llm)
    runs: dict[tuple[str, str], list[float | None]] = {}
    for (qid, name, _, _), score in zip(tasks, scores, strict=True):
        runs.setdefault((name, qid), []).append(score)
    spreads: dict[str, list[float]] = {}
    for (name, qid), got in runs.items():
        valid = [s for s in got if s is not None]
        values[name][qid] = float(np.mean(valid)) if valid else None  # NaN only if every run failed
        if len(valid) > 1:
            spreads.setdefault(name, []).append(float(np.std(valid)))
    return {
        name: MetricScore(
            name=name,
            tier="judge",
            values=v,
            spread=float(np.mean(spreads[name])) if name in spreads else None,
        )
        for name, v in values.items()
    }


async def _run(tasks: list[tuple[str, str, Any, Any]], judge: JudgeConfig, meter: UsageMeter) -> list:
    limit = asyncio.Semaphore(judge.max_workers)
    done = [0]

    async def one(qid: str, name: str, metric: Any, sample: Any) -> float | None:
        async with limit:
            with meter.scope(qid):
                try:
                    return clean(await metric.single_turn_ascore(sample, timeout=judge.timeout_s))
                except Exception as exc:  # any failure is a NaN for this question, counted by the gate
                    log.warning(
                        "judge: %s on %s failed (%s: %s); scored NaN", name, qid, type(exc).__name__, exc
                    )
                    return None
                finally:
                    done[0] += 1
                    if done[0] % 10 == 0 or done[0] == len(tasks):
                        log.info("judged %d/%d (question, metric) pairs", done[0], len(tasks))

    return await asyncio.gather(*(one(*task) for task in tasks))
