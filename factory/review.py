"""The run is the review page: what a reviewer sees first on a build's run in the ZenML dashboard.

Open-source ZenML shows pipeline runs, not model versions (docs/dashboard.md), so each build's
run carries its verdict as run metadata: ``review`` (the version, the stage it was given, the
decision's first reason, the primary score in words, every compared metric labelled, where the
report is) and ``stage_now``, rewritten on a version's runs whenever its stage moves.

>>> from evaluation.config import GateConfig
>>> from evaluation.records import Comparison, Decision
>>> c = Comparison(metric="score", candidate_mean=0.81, production_mean=0.78, diff_mean=0.03, ci_low=-0.01,
...                ci_high=0.07, n_pairs=49, passed=True, verdict="not worse", role="primary")
>>> d = Decision(stage="production", reasons=["score (primary) not worse ..."], thresholds_passed=True,
...              non_regression_passed=True, comparisons=[c], production_version="2", compared_with="production")
>>> r = review("docs_agent", "3", d, GateConfig())
>>> r["decision"], r["compared"]["score (primary)"]["compared_with"], r["compared"]["score (primary)"]["interval_95"]
('production: score (primary) not worse ...', 'production v2', '[-0.010, +0.070]')
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from zenml.client import Client

from evaluation.config import SCORE, GateConfig
from evaluation.records import Comparison, Decision
from factory.artifacts import REPORT
from factory.versions import find_version

log = logging.getLogger(__name__)


def review(model: str, version: str, decision: Decision, gate: GateConfig, outcome: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The ``review`` metadata of a build's run; `outcome` overrides the stage in words (a check's)."""
    outcome = outcome or decision.stage or "not promoted"
    return {
        "version": f"{model} v{version}",
        "stage_when_decided": outcome,
        "decision": f"{outcome}: {decision.deciding_reason()}",
        "primary_score": primary_in_words(gate),
        "compared": {f"{c.metric} ({c.role})": _compared(c, decision) for c in decision.comparisons},
        "report": f"{REPORT}: the report step's output, Visualization tab",
    }


def primary_in_words(gate: GateConfig) -> str:
    """What the primary score is, in a sentence a reviewer can check."""
    if gate.primary != SCORE:
        return f"{gate.primary}: its mean over the golden questions"
    parts = ", ".join(f"{m} x{w:g}" for m, w in gate.weights.items() if w > 0)
    return f"score: per question, the weighted mean of {parts}; averaged over the golden questions"


def _compared(c: Comparison, decision: Decision) -> dict[str, Any]:
    return {
        "candidate": round(c.candidate_mean, 3),
        "compared_with": decision.compared_with_words(c),
        "compared_mean": round(c.production_mean, 3),
        "difference": f"{c.diff_mean:+.3f}",
        "interval_95": f"[{c.ci_low:+.3f}, {c.ci_high:+.3f}]",
        "questions": c.n_pairs,
        "verdict": c.verdict,
    }


def record_on_run(run_id: UUID, metadata: dict[str, Any]) -> None:
    from zenml.enums import MetadataResourceTypes
    from zenml.models import RunMetadataResource

    resource = RunMetadataResource(id=run_id, type=MetadataResourceTypes.PIPELINE_RUN)
    Client().create_run_metadata(metadata=metadata, resources=[resource])


def mark_stage_now(model: str, versions: list[str | int | None]) -> None:
    """Write each version's current stage on the runs that built it (the dashboard's run page)."""
    client = Client()
    for version in dict.fromkeys(v for v in versions if v is not None):
        mv = find_version(model, version)
        if mv is None:
            continue
        stage = mv.stage or "none"
        try:
            for link in client.list_model_version_pipeline_run_links(model_version_id=mv.id, size=100).items:
                record_on_run(link.pipeline_run.id, {"stage_now": f"v{mv.name}: {stage}"})
        except Exception as exc:  # the dashboard's words, never a reason to fail a release
            log.warning("could not note v%s's stage on its runs: %s", mv.name, exc)
