"""Applying the gate's decision to ZenML stages, safely.

The comparison is against the production version as it is *right before* the stage
changes: a local lock serialises promotions on this machine, and the production
version is re-read after deciding; if it moved, the decision is made again.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

from zenml.client import Client
from zenml.config.global_config import GlobalConfiguration

from evaluation.gate import decide
from evaluation.golden import GoldenSet
from evaluation.records import Decision, EvaluationResult
from evaluation.runner import evaluate_agent
from rag.agent import build_agent
from rag.chat import ChatSession
from rag.config import GateConfig, JudgeConfig

log = logging.getLogger(__name__)
EVALUATION_ARTIFACT = "evaluation"


@contextlib.contextmanager
def promotion_lock() -> Iterator[None]:
    path = Path(GlobalConfiguration().config_directory) / "agent-factory-promotion.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def production_version(model: str):
    from pipelines.versions import VersionNotFound, get_version

    try:
        return get_version(model, "production")
    except VersionNotFound:
        return None


def baseline(
    model: str, golden: GoldenSet, judge: JudgeConfig | None
) -> tuple[str | None, EvaluationResult | None]:
    """Production's evaluation on this golden set, re-scoring production when the set changed."""
    prod = production_version(model)
    if prod is None:
        return None, None
    try:
        result = prod.get_artifact(EVALUATION_ARTIFACT).load()
    except Exception:  # a version built before evaluation existed, or a lost artifact
        result = None
    if result is None or result.golden_hash != golden.content_hash:
        log.info("re-evaluating production v%s on the current golden set", prod.name)
        from pipelines.versions import load_parts

        index, spec = load_parts(prod)
        session = ChatSession(build_agent(spec, index))
        try:
            result = evaluate_agent(session, golden, index.embed_model, judge)
        finally:
            session.close()
    return prod.name, result


def decide_and_apply(
    model: str,
    version: str,
    result: EvaluationResult,
    golden: GoldenSet,
    gate: GateConfig,
    judge: JudgeConfig | None,
) -> Decision:
    with promotion_lock():
        for _ in range(3):
            prod_name, prod_result = baseline(model, golden, judge)
            decision = decide(result, gate, prod_result, prod_name)
            current = production_version(model)
            if (current.name if current else None) == prod_name:
                break
            log.info(
                "production moved while deciding (now v%s); deciding again", current.name if current else None
            )
        if decision.stage:
            Client().get_model_version(model, version).set_stage(decision.stage, force=True)
    return decision


def metadata(result: EvaluationResult, decision: Decision) -> dict:
    """What goes on the model version (and the run): scores, NaN rates, CIs, decision, answers."""
    return {
        "evaluation": {
            "golden_set": result.golden_name,
            "golden_hash": result.golden_hash,
            "judge": result.judge or "none",
            "headline": result.headline(),
            "metrics": {
                name: m.summary() | {"mean_valid": m.mean_valid} for name, m in result.metrics.items()
            },
            "latency_p50_s": round(result.latency_p50_s, 4),
            "latency_p95_s": round(result.latency_p95_s, 4),
            "seconds": round(result.seconds, 2),
            "usage": {role: u.model_dump() for role, u in result.usage.items()},
        },
        "decision": decision.model_dump(mode="json"),
        "answers": [
            {
                "id": r.id,
                "question": r.question,
                "answer": r.answer,
                "sources": r.source_ids,
                "latency_s": round(r.latency_s, 3),
                "usage": r.usage.model_dump(),
                "judge_usage": r.judge_usage.model_dump(),
                "error": r.error,
            }
            for r in result.records
        ],
    }
