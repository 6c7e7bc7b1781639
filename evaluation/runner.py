"""Run an agent over a golden set: one conversation per root question and its follow-ups.

>>> records = run_golden(session, golden)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from evaluation.golden import GoldenSet
from evaluation.judge import score_judge
from evaluation.metrics import score_offline
from evaluation.records import AnswerRecord, EvaluationResult
from rag.chat import ChatSession
from rag.config import JudgeConfig
from rag.embeddings import build_embedding
from rag.llms.extractive import ExtractiveLLM
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
    conversations = golden.conversations()
    for number, conversation in enumerate(conversations, start=1):
        session.reset()
        for question in conversation:
            with meter.scope(question.id):
                record = _ask(session, question.id, question.question)
            records[question.id] = record.model_copy(update={"usage": meter.usage(question.id)})
        if number % 10 == 0 or number == len(conversations):
            log.info("evaluated %d/%d conversations", number, len(conversations))
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
    return AnswerRecord(
        id=qid,
        question=question,
        answer=reply.answer,
        contexts=[s.text for s in reply.sources],
        source_ids=source_ids,
        tool_calls=[c.model_dump(exclude={"sources"}) for c in reply.tool_calls],
        latency_s=reply.latency_s,
    )


def evaluate_agent(
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
    agent_meter = UsageMeter(free=isinstance(session.agent.llm, ExtractiveLLM)).attach(session.agent.llm)
    try:
        records = run_golden(session, golden, agent_meter)
    finally:
        agent_meter.detach(session.agent.llm)
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
        usage=usage,
    )


def _percentile(values: list[float], pct: float) -> float:
    return float(np.percentile(values, pct)) if values else 0.0
