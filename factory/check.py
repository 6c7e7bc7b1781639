"""Release checks: a candidate built and judged like a release, that changes no stage.

A check's candidate becomes a version of a separate model, ``<name>-candidates``, so the
agent's own versions, stages, history and corpus diffs never see it; it is compared with
version ``against`` (production or a number) of the agent's model by the gate's rule, and
the decision is recorded on the candidate, tagged ``candidate``. :func:`outcome` gathers what
the summary needs (factory/summary.py).

>>> candidates_model("docs_agent"), checked_model("docs_agent-candidates"), checked_model("docs_agent")
('docs_agent-candidates', 'docs_agent', None)
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict
from zenml.client import Client
from zenml.models import ModelVersionResponse

from evaluation.changes import changed_questions
from evaluation.config import GateConfig
from evaluation.page_changes import touched_questions
from evaluation.records import Decision, EvaluationResult
from factory import release
from factory.artifacts import CORPUS_DIFF, GOLDEN, REPORT, load_answers, load_evaluation
from factory.compare import Evidence, decide_against
from factory.config import CANDIDATES
from factory.versions import find_version, get_version, is_number
from rag.errors import AgentFactoryError
from rag.ingest.corpus_diff import CorpusDiff

log = logging.getLogger(__name__)

TAG = "candidate"


class Against(BaseModel):
    """What a check compares with: version ``version`` (production or a number) of ``model``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    version: str = "production"


class CheckError(AgentFactoryError):
    """A check that cannot run or whose candidate could not be built; nothing is released."""


def candidates_model(name: str) -> str:
    """The model that holds an agent's check candidates."""
    return name + CANDIDATES


def checked_model(name: str) -> str | None:
    """The agent whose candidates ``name`` holds, or None when ``name`` is not a candidates model."""
    return name.removesuffix(CANDIDATES) if name.endswith(CANDIDATES) else None


def resolve_against(model: str, version: str) -> Against:
    """Check `--against` before anything runs: production (may not exist yet) or an existing number."""
    if version != "production" and not is_number(version):
        raise CheckError(f"--against: use production or a version number, not {version!r}")
    if version != "production" and find_version(model, version) is None:
        raise CheckError(f"--against {version}: model {model!r} has no version {version}")
    return Against(model=model, version=version)


def decide_candidate(model: str, version: str, against: Against, evidence: Evidence) -> Decision:
    """The gate's decision for candidate `version` of `model`; recorded and tagged, no stage moved."""
    decision = decide_against(against.model, against.version, evidence)
    mv = get_version(model, version)
    metadata = release.decision_metadata(evidence.result, decision, evidence.gate) | {
        "check": against.model_dump()
    }
    release.record_metadata(mv, metadata)
    Client().update_model_version(model_name_or_id=model, version_name_or_id=mv.id, add_tags=[TAG])
    return decision


def would_be(decision: Decision) -> str:
    """A check's decision in its own words: it promotes nothing.

    >>> would_be(Decision(stage=None, reasons=[], thresholds_passed=False, non_regression_passed=None))
    'would not be promoted'
    """
    return f"would be {decision.stage}" if decision.stage else "would not be promoted"


def forget_failed(model: str, version: str) -> None:
    """Delete a candidate whose build failed (the check made it; nothing else refers to it)."""
    if checked_model(model) is None:
        return
    mv = find_version(model, version)
    if mv is not None and TAG not in [t.name for t in mv.tags]:
        Client().delete_model_version(mv.id)
        log.info("removed the failed candidate %s v%s", model, version)


class Outcome(BaseModel):
    """Everything a check's summary shows, read back from the candidate's recorded artifacts."""

    model: str  # the agent's model
    candidate: str  # the candidate's version (of the candidates model)
    against: Against
    decision: Decision
    result: EvaluationResult
    diff: CorpusDiff
    changes: list[dict]
    touched: dict[str, str]
    report_url: str | None = None
    report_html: str = ""
    baseline: dict[str, float] = {}  # the compared version's recorded metric means (shown beside thresholds)
    unmeasured: str | None = None  # why there is no question-by-question comparison, when there is none


def outcome(candidates: str, version: str, against: Against, gate: GateConfig) -> Outcome:
    """The recorded decision, scores, corpus diff and changed questions of a finished check."""
    mv = get_version(candidates, version)
    meta = mv.run_metadata
    if "decision" not in meta:
        raise CheckError(f"{candidates} v{version} has no decision: its check stopped before the gate")
    decision = Decision.model_validate(meta["decision"])
    result = load_evaluation(mv)
    diff, golden, report = (
        a.load() if (a := mv.get_artifact(name)) is not None else None
        for name in (CORPUS_DIFF, GOLDEN, REPORT)
    )
    changes: list[dict] = []
    baseline: dict[str, float] = {}
    unmeasured = None
    if decision.production_version and decision.compared_with != "plain search":
        try:
            compared = get_version(against.model, decision.production_version)
            baseline = {name: m.mean for name, m in load_evaluation(compared).metrics.items()}
            before = load_answers(compared)
            changes = changed_questions(
                load_answers(mv), before, [*dict.fromkeys([gate.primary, *gate.non_regression])]
            )
        except AgentFactoryError as exc:  # its answers were never stored, or are lost
            unmeasured = str(exc)
            log.warning("no question-by-question comparison: %s", exc)
    return Outcome(model=against.model, candidate=mv.name, against=against, decision=decision, result=result,
                   diff=diff or CorpusDiff(), changes=changes, touched=touched_questions(diff or CorpusDiff(), golden),
                   report_url=_run_url(mv), report_html=str(report or ""), baseline=baseline,
                   unmeasured=unmeasured)  # fmt: skip


def _run_url(mv: ModelVersionResponse) -> str | None:
    """The dashboard page of the candidate's run when the store is a server (a local store has none)."""
    from zenml.utils.dashboard_utils import get_run_url

    runs = Client().list_pipeline_runs(model_version_id=mv.id, sort_by="desc:created", size=1).items
    try:
        return get_run_url(runs[0]) if runs else None
    except Exception:  # no dashboard (local store): the summary just has no link
        return None
