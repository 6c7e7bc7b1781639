"""Evaluate an agent: ask every golden question (follow-ups in one conversation), then score.

:func:`evaluate_agent` is the one way to evaluate an agent (spec + index + golden + judge ->
result): the pipeline's ``evaluate`` step, re-scoring production before a gate decision and
``agent-factory eval`` all call it.

>>> from evaluation.golden import GoldenQuestion, GoldenSet
>>> from rag.config import RagConfig
>>> from rag.agent.local import build_index
>>> config = RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs",
...                                                 "include": ["installation.md", "chat.md"]}]})
>>> index, _ = build_index(config)
>>> golden = GoldenSet(name="one", content_hash="x", questions=[GoldenQuestion(id="q1",
...     question="How do I install Agent Factory?", reference_answer="Create a venv and pip install.",
...     reference_sources=["docs/installation.md"])])
>>> result = evaluate_agent(AgentSpec.from_config(config), index, golden, judge=None)
>>> result.metrics["hit_rate"].mean, result.missing_sources
(1.0, [])
"""

from __future__ import annotations

import logging
import time

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from evaluation.config import JudgeConfig
from evaluation.follow import followed_count
from evaluation.golden import GoldenSet
from evaluation.judge import score_judge
from evaluation.metric_specs import names, not_applicable
from evaluation.metrics import score_offline
from evaluation.plain_search import embedding_check, plain_search
from evaluation.records import AnswerRecord, EvaluationResult
from rag.agent.chat import ChatSession
from rag.agent.spec import AgentSpec, open_session
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding
from rag.progress import tick
from rag.tracing import setup as tracing_setup
from rag.usage import UsageMeter

log = logging.getLogger(__name__)


def run_golden(
    session: ChatSession, golden: GoldenSet, meter: UsageMeter | None = None
) -> list[AnswerRecord]:
    """Ask every question; follow-ups in the same conversation as their parent.

    An agent error on one question is recorded (empty answer, ``error`` set) and the
    run goes on: it scores zero there instead of stopping the evaluation. With a `meter`
    attached to the agent's LLM, each record carries that question's LLM usage.
    """
    meter = meter or UsageMeter()
    records: dict[str, AnswerRecord] = {}
    tick("asked", "questions", 0, len(golden.questions))
    for conversation in golden.conversations():
        session.reset()
        for question in conversation:
            with meter.scope(question.id):
                record = _ask(session, question.id, question.question)
            records[question.id] = record.model_copy(update={"usage": meter.usage(question.id)})
            tick("asked", "questions", len(records), len(golden.questions))
    return [records[q.id] for q in golden.questions]


def _ask(session: ChatSession, qid: str, question: str) -> AnswerRecord:
    start = time.perf_counter()
    try:
        reply = session.ask(question)
    except Exception as exc:  # an agent failure is a result to record, not a crash
        log.warning("question %s failed: %s", qid, exc)
        return AnswerRecord(
            id=qid,
            question=question,
            answer="",
            contexts=[],
            source_ids=[],
            tool_calls=[],
            latency_s=time.perf_counter() - start,
            error=f"{type(exc).__name__}: {exc}",
        )
    source_ids = list(dict.fromkeys(s.doc_id for s in reply.sources))
    sections = list(dict.fromkeys(f"{s.doc_id}#{a}" for s in reply.sources for a in s.anchors.split()))
    return AnswerRecord(
        id=qid,
        question=question,
        answer=reply.answer,
        contexts=[s.text for s in reply.sources],
        source_ids=source_ids,
        source_sections=sections,
        tool_calls=[c.model_dump(exclude={"sources"}) for c in reply.tool_calls],
        latency_s=reply.latency_s,
        trace_id=reply.trace_id,
    )


def evaluate_agent(
    spec: AgentSpec, index: DocsIndex, golden: GoldenSet, judge: JudgeConfig | None
) -> EvaluationResult:
    """Build the agent over `index`, run and score the golden set (reference sources checked
    against the documents of the index), and close the agent."""
    with open_session(spec, index) as session:
        result = evaluate_session(session, golden, index.embed_model, judge, index.doc_ids())
    return result.model_copy(update={
        "plain_search": plain_search(index, golden, spec.retrieval.top_k), "embedding_check": embedding_check(index),
    })  # fmt: skip


def evaluate_session(
    session: ChatSession,
    golden: GoldenSet,
    embed_model: BaseEmbedding,
    judge: JudgeConfig | None = None,
    doc_ids: set[str] | None = None,
) -> EvaluationResult:
    """Run the golden set and score it: the offline tier always, the judge tier when configured.

    With `doc_ids` (the corpus), reference sources missing from it are recorded: the gate
    then refuses the version, naming them (a shrunken corpus or a typo in the golden file).
    """
    start = time.perf_counter()
    llm = session.agent.llm
    agent_meter = UsageMeter(free=not session.billed).attach(llm)
    try:
        records = run_golden(session, golden, agent_meter)
    finally:
        agent_meter.detach(llm)
    metrics = score_offline(golden, records, embed_model)
    usage = {"agent": agent_meter.total()}
    if judge:
        judge_embed = build_embedding(judge.embedding) if judge.embedding else embed_model
        judge_meter = UsageMeter()
        metrics |= score_judge(golden, records, judge, judge_embed, judge_meter)
        records = [r.model_copy(update={"judge_usage": judge_meter.usage(r.id)}) for r in records]
        usage["judge"] = judge_meter.total()
    latencies = sorted(r.latency_s for r in records)
    return EvaluationResult(
        golden_name=golden.name,
        golden_hash=golden.content_hash,
        records=records,
        metrics=metrics,
        latency_p50_s=_percentile(latencies, 50),
        latency_p95_s=_percentile(latencies, 95),
        judge=f"{judge.llm.provider}/{judge.llm.model}" if judge else None,
        seconds=time.perf_counter() - start,
        missing_sources=golden.missing_sources(doc_ids) if doc_ids is not None else [],
        stale={q.id: q.stale for q in golden.questions if q.stale},
        followed=followed_count(golden),
        not_applicable=not_applicable(golden, names("offline") + (judge.metrics if judge else [])),
        usage=usage,
        generated={q.id: q.generated_by for q in golden.questions if q.generated_by},
        trace_url=tracer.config.trace_url if (tracer := tracing_setup.active()) else None,
    )


def _percentile(values: list[float], pct: float) -> float:
    return float(np.percentile(values, pct)) if values else 0.0
