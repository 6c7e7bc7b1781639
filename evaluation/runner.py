"""Run an agent over a golden set: one conversation per root question and its follow-ups.

>>> records = run_golden(session, golden)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from evaluation.golden import GoldenSet
from evaluation.metrics import score_judge, score_offline
from evaluation.records import AnswerRecord, EvaluationResult
from rag.chat import ChatSession
from rag.config import JudgeConfig
from rag.embeddings import build_embedding
from rag.llms import build_llm

log = logging.getLogger(__name__)


def run_golden(session: ChatSession, golden: GoldenSet) -> list[AnswerRecord]:
    """Ask every question; follow-ups in the same conversation as their parent.

    An agent error on one question is recorded (empty answer, ``error`` set) and the
    run goes on: it scores zero there instead of stopping the evaluation.
    """
    records: dict[str, AnswerRecord] = {}
    conversations = golden.conversations()
    for number, conversation in enumerate(conversations, start=1):
        session.reset()
        for question in conversation:
            records[question.id] = _ask(session, question.id, question.question)
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
    records = run_golden(session, golden)
    metrics = score_offline(golden, records, embed_model)
    if judge:
        from ragas.run_config import RunConfig

        judge_embed = build_embedding(judge.embedding) if judge.embedding else embed_model
        run_config = RunConfig(
            timeout=judge.timeout_s, max_retries=judge.max_retries, max_workers=judge.max_workers
        )
        metrics |= score_judge(golden, records, build_llm(judge.llm, judge_embed), judge_embed, run_config)
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
    )


def _percentile(values: list[float], pct: float) -> float:
    return float(np.percentile(values, pct)) if values else 0.0
