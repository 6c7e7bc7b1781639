"""Releasing versions: the gate's decision applied to stages, manual promotion, re-scoring.

The comparison is against the production version as it is *right before* the stage
changes: a local lock serialises promotions on this machine, and the production version
is re-read after deciding; if it moved, the decision is made again. Whatever changes a
stage records why on the version.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from zenml.client import Client
from zenml.config.global_config import GlobalConfiguration
from zenml.models import ModelVersionResponse

from evaluation.config import SCORE, GateConfig, JudgeConfig
from evaluation.follow import follow_references
from evaluation.gate import with_score
from evaluation.golden import GoldenSet
from evaluation.records import Decision, EvaluationResult
from evaluation.runner import evaluate_agent
from factory.artifacts import (
    ANSWERS,
    ANSWERS_CSV,
    has_agent,
    latest_lineage,
    load_evaluation,
    load_parts,
)
from factory.compare import Evidence, decide_against
from factory.review import mark_stage_now
from factory.versions import find_version, get_version
from rag.errors import AgentFactoryError

log = logging.getLogger(__name__)


class ReleaseError(AgentFactoryError):
    """A stage change that would break the release rules (e.g. a version without an agent)."""


MANUAL_STAGES = ("production", "staging", "archived")


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


def decide_and_apply(model: str, version: str, evidence: Evidence) -> Decision:
    """Decide against production as it is now, and set the stage, under the promotion lock."""
    result, gate = evidence.result, evidence.gate
    with promotion_lock():
        for _ in range(3):
            decision = decide_against(model, "production", evidence)
            current = find_version(model, "production")
            if (current.name if current else None) == decision.production_version:
                break
            log.info(
                "production moved while deciding (now v%s); deciding again", current.name if current else None
            )
        if gate.require_approval and decision.stage == "production":  # a person has the last word
            decision = decision.model_copy(update={
                "stage": "staging", "awaiting_approval": True,
                "reasons": [*decision.reasons, "production awaits a person's approval (gate.require_approval)"],
            })  # fmt: skip
        if decision.stage and (broken := _unloadable(model, version)):
            decision = decision.model_copy(update={"stage": None, "reasons": [*decision.reasons, broken]})
        mv = get_version(model, version)
        # The decision is on the version before its stage changes: a build killed in between
        # leaves a version whose stage is explained, never one promoted without a record.
        record_metadata(mv, decision_metadata(result, decision, gate))
        Client().update_model_version(model_name_or_id=model, version_name_or_id=mv.id,
                                      add_tags=[f"gate:{decision.stage or 'rejected'}"])  # fmt: skip
        if decision.stage:
            previous = find_version(model, decision.stage)
            mv.set_stage(decision.stage, force=True)
            mark_stage_now(model, [previous.name if previous else None, mv.name])
    return decision


def _unloadable(model: str, version: str | int) -> str | None:
    """Why the version's agent cannot be loaded (artifact files lost or damaged), or None."""
    try:
        load_parts(get_version(model, version))
    except AgentFactoryError as exc:
        return f"not released: its agent cannot be loaded ({exc})"
    return None


def apply_approval(model: str, version: str, approved: bool) -> str:
    """After a person's answer: production when approved; staging stays otherwise. The stage now."""
    if approved:
        return promote_manually(model, version, "production", "approved by a person").stage or "production"
    record_metadata(
        get_version(model, version), {"approval": {"approved": False, "at": datetime.now().isoformat()}}
    )
    return "staging"


def promote_manually(
    model: str, version: str | int, stage: str, reason: str, force: bool = False
) -> ModelVersionResponse:
    """Move a version to a stage (archiving the previous holder) and record who/why on it.

    A version whose build failed has no agent, and is refused: production must always load.
    Moving the production version elsewhere leaves no production: only with `force`.
    """
    if stage not in MANUAL_STAGES:
        raise ReleaseError(f"stage must be one of {', '.join(MANUAL_STAGES)}, not {stage!r}")
    mv = get_version(model, version)
    if mv.stage == "production" and stage != "production" and not force:
        raise ReleaseError(f"version {mv.name} is {model}'s production: making it {stage} leaves no production "
                           "(ask, serve and the gate then have nothing); pass --force to do it anyway")  # fmt: skip
    if stage != "archived":
        _check_releasable(model, mv, stage)
    previous = find_version(model, stage)
    with promotion_lock():
        mv.set_stage(stage, force=True)
    mark_stage_now(model, [previous.name if previous else None, mv.name])
    record = {"stage": stage, "reason": reason, "previous": previous.name if previous else None,
              "at": datetime.now().isoformat()}  # fmt: skip
    record_metadata(mv, {"promotion": record})
    return get_version(model, mv.number)


def _check_releasable(model: str, mv: ModelVersionResponse, stage: str) -> None:
    """Production and staging hold only loadable, evaluated agents."""
    if not has_agent(mv):
        raise ReleaseError(
            f"version {mv.name} has no complete agent (its build failed); it cannot be {stage}"
        )
    if broken := _unloadable(model, mv.number):
        raise ReleaseError(f"version {mv.name}: {broken}; it cannot be {stage}")
    try:
        load_evaluation(mv)
    except AgentFactoryError as exc:
        if "reevaluation" in (mv.run_metadata or {}):  # scored since by `agent-factory eval`
            return
        raise ReleaseError(f"version {mv.name} was never evaluated ({exc}); it cannot be {stage}: "
                           f"`agent-factory eval --version {mv.name}` scores it") from None  # fmt: skip


def reevaluate(
    model: str, version: str | int, golden: GoldenSet, judge: JudgeConfig | None
) -> tuple[ModelVersionResponse, EvaluationResult]:
    """Score a version again (current golden set); recorded on it as ``reevaluation``."""
    mv = get_version(model, version)
    index, spec = load_parts(mv)
    golden = follow_references(golden.as_written(), latest_lineage(model), index.doc_ids())
    result = evaluate_agent(spec, index, golden, judge)
    summary = {"golden_set": golden.name, "golden_hash": golden.content_hash, "headline": result.headline(),
               "at": datetime.now().isoformat()}  # fmt: skip
    record_metadata(mv, {"reevaluation": summary})
    return mv, result


def decision_metadata(result: EvaluationResult, decision: Decision, gate: GateConfig) -> dict[str, Any]:
    """What goes on the model version (and the run): scores (the primary score too, which
    `versions` and the history plot show), NaN rates, CIs, the decision, and where the answers
    are (the `answers` artifacts: metadata values have a size limit)."""
    if gate.primary == SCORE:
        result = with_score(result, gate.weights)
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
            "not_applicable": result.not_applicable,
        },
        "decision": decision.model_dump(mode="json"),
        "answers": {"artifact": ANSWERS, "csv": ANSWERS_CSV, "questions": len(result.records)},
    }


def record_metadata(mv: ModelVersionResponse, metadata: dict[str, Any]) -> None:
    from zenml.enums import MetadataResourceTypes
    from zenml.models import RunMetadataResource

    resource = RunMetadataResource(id=mv.id, type=MetadataResourceTypes.MODEL_VERSION)
    Client().create_run_metadata(metadata=metadata, resources=[resource])


def answer_approval(model: str, version: str, approved: bool) -> str:
    """Resolve the version's pending approval and, if its run paused waiting, resume it.

    Returns the version's stage afterwards. A version with nothing pending is an error.
    """
    from zenml.enums import ExecutionStatus, RunWaitConditionResolution

    mv = get_version(model, version)
    client = Client()
    runs = client.list_pipeline_runs(model_version_id=mv.id, size=50).items
    pending = [
        (run, condition)
        for run in runs
        for condition in client.list_run_wait_conditions(pipeline_run=run.id, status="pending").items
    ]
    if not pending:
        raise ReleaseError(f"version {mv.name} of {model} is not waiting for approval")
    run, condition = pending[0]
    client.resolve_run_wait_condition(condition.id, RunWaitConditionResolution.CONTINUE, result=approved)
    if client.get_pipeline_run(run.id).status == ExecutionStatus.PAUSED:  # its build stopped waiting
        _resume(str(run.id))
    return get_version(model, mv.number).stage or "none"


def _resume(run_id: str) -> None:
    """ZenML's own `pipeline runs resume`; it finishes the run, re-running no finished step."""
    env = os.environ | {"ZENML_CUSTOM_SOURCE_ROOT": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([str(Path(sys.executable).with_name("zenml")), "pipeline", "runs", "resume", run_id],
                          env=env, capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0 or "Error" in done.stdout + done.stderr:
        raise ReleaseError(f"resuming run {run_id} failed: {(done.stderr or done.stdout).strip()[-500:]}")
