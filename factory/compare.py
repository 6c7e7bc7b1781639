"""Deciding against a version: its evaluation on this golden set, how far behind today's docs it
is, and the gate's rule (evaluation/gate.py). Changes nothing; factory/release.py applies stages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from evaluation.config import SCORE, GateConfig, JudgeConfig
from evaluation.follow import follow_references
from evaluation.freshness import freshness
from evaluation.gate import decide
from evaluation.golden import GoldenSet
from evaluation.records import Decision, EvaluationResult, Freshness
from evaluation.runner import evaluate_agent
from factory.artifacts import load_evaluation, load_pages, load_parts
from factory.versions import find_version
from rag.errors import AgentFactoryError
from rag.ingest.corpus_diff import PageSignatures
from rag.ingest.lineage import PageLineage

log = logging.getLogger(__name__)


class CompareError(AgentFactoryError):
    """A comparison with a version that is not there."""


@dataclass(frozen=True)
class Evidence:
    """What a decision is made from: the candidate's scores, the golden set they came from, the
    gate and judge settings, and the page lineage (to score an older version on the same set)."""

    result: EvaluationResult
    golden: GoldenSet
    gate: GateConfig
    judge: JudgeConfig | None
    lineage: PageLineage | None = None
    pages: PageSignatures | None = None  # the candidate's corpus: how far behind production is


def baseline(
    model: str,
    golden: GoldenSet,
    judge: JudgeConfig | None,
    lineage: PageLineage | None = None,
    against: str = "production",
    metrics: set[str] = frozenset(),
) -> tuple[str | None, EvaluationResult | None, str | None]:
    """Production's (or version `against`'s) evaluation on this golden set, re-scoring it when
    the set changed (its references followed into its own corpus: apples to apples) or it lacks
    one of `metrics` (a metric added since it was built).

    Returns (its version, its result, a note). A production whose agent cannot be loaded any
    more (artifacts lost or damaged) cannot be compared with: the candidate is then judged on
    the thresholds alone, and the note says so (docs/versions.md).
    """
    prod = find_version(model, against)
    if prod is None:
        return None, None, None
    try:
        result = load_evaluation(prod)
    except AgentFactoryError:  # built before evaluation existed, or a lost or damaged artifact
        result = None
    if result is None or result.golden_hash != golden.content_hash or not metrics <= result.metrics.keys():
        log.info("re-evaluating production v%s on the current golden set", prod.name)
        try:
            index, spec = load_parts(prod)
            ours = follow_references(golden.as_written(), lineage or PageLineage(), index.doc_ids())
            result = evaluate_agent(spec, index, ours, judge)
        except Exception as exc:  # a damaged production never blocks the next build: see the docstring
            note = f"production v{prod.name} cannot be loaded ({exc}); judged as a first version"
            log.warning(note)
            return prod.name, None, note
    return prod.name, result, None


def decide_against(model: str, against: str, evidence: Evidence) -> Decision:
    """The gate's rule against version `against` (production or a number) of `model`; changes nothing."""
    e = evidence
    name, compared, note = baseline(model, e.golden, e.judge, e.lineage, against, _compared_metrics(e))
    behind = _freshness(model, name, e.pages, compared) if compared is not None else None
    decision = decide(e.result, e.gate, compared, name, unavailable=note, freshness=behind,
                      label=_label(model, name, against))  # fmt: skip
    if name is None and against != "production":  # an explicit version that is not there
        raise CompareError(f"model {model!r} has no version {against!r} to compare with")
    return decision


def _label(model: str, name: str | None, against: str) -> str | None:
    """What the compared version is, in words: "production v3", or "v2 (staging)" for a version
    named by number that is not production (a check's --against 2)."""
    if name is None:
        return None
    if against == "production":
        return f"production v{name}"
    mv = find_version(model, name)
    stage = (mv.stage if mv else None) or "no stage"
    return f"production v{name}" if stage == "production" else f"v{name} ({stage})"


def _compared_metrics(evidence: Evidence) -> set[str]:
    """The metrics the gate compares, that the candidate has: production must have them too."""
    gate = evidence.gate
    wanted = set(gate.non_regression) | (set(gate.weights) if gate.primary == SCORE else {gate.primary})
    return wanted & evidence.result.metrics.keys()


def _freshness(
    model: str, version: str | None, pages: PageSignatures | None, result: EvaluationResult
) -> Freshness | None:
    """How far version `version`'s corpus is behind the candidate's (None when either is unknown)."""
    mv = find_version(model, version) if version else None
    if mv is None or pages is None:
        return None
    try:
        old = load_pages(mv)
    except AgentFactoryError:  # built before page signatures: no evidence either way
        return None
    return freshness(old, pages, result)
