"""ZenML steps that measure and release a built agent: pages tracked, golden set, evaluation, gate, report.

Thin wrappers over ``evaluation`` and ``factory.release``; the build steps are in pipelines/steps.py.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated

from zenml import get_step_context, log_metadata, step
from zenml.config import CachePolicy
from zenml.types import CSVString, HTMLString, JSONString

from evaluation.answers import answer_rows, to_csv
from evaluation.changes import changed_questions, changes_html
from evaluation.config import EvaluationConfig, GateConfig, JudgeConfig
from evaluation.follow import follow_references, followed_count
from evaluation.golden import GoldenSet, load_golden
from evaluation.page_changes import diff_html, touched_questions
from evaluation.records import Decision, EvaluationResult
from evaluation.report import render_report
from evaluation.runner import evaluate_agent
from factory import artifacts as names
from factory import check, release
from factory.artifacts import load_answers, pages_at, previous_pages
from factory.check import Against, checked_model, would_be
from factory.compare import Evidence
from factory.history import history_html
from factory.review import record_on_run, review
from factory.versions import get_version, list_versions
from pipelines.tracing import traced
from rag.agent.spec import AgentSpec
from rag.errors import AgentFactoryError
from rag.index.docs_index import DocsIndex
from rag.ingest.corpus import Corpus
from rag.ingest.corpus_diff import CorpusDiff, PageSignatures, diff_pages
from rag.ingest.lineage import PageLineage
from rag.ingest.signing import sign_pages

log = logging.getLogger(__name__)

# Cached steps also key on the library's code, not only on their own (see library_code_hash).
LIBRARY = CachePolicy(cache_func="pipelines.provenance.library_code_hash")


@step(enable_cache=False)
@traced
def track_pages(
    corpus: Corpus, against: Against | None = None
) -> tuple[
    Annotated[PageSignatures, names.PAGES],
    Annotated[CorpusDiff, names.CORPUS_DIFF],
    Annotated[PageLineage, names.LINEAGE],
]:
    """Recognise this corpus's pages in the previous version's (a check's: in the version it is
    compared with): added, removed, changed, moved."""
    pages = sign_pages([(d.doc_id, d.text, d.metadata.get("content_hash")) for d in corpus.documents])
    context = get_step_context()
    if against is not None:
        previous = pages_at(against.model, against.version)
    else:
        previous = previous_pages(context.model.name, context.model.number) if context.model else None
    if previous is None:
        diff, lineage = CorpusDiff(added=sorted(pages.ids())), PageLineage()
    else:
        version, old, lineage = previous
        diff = diff_pages(old, pages).model_copy(update={"previous_version": version})
    log.info("corpus against %s: %s", f"v{diff.previous_version}" if previous else "nothing", diff.summary())
    for move in diff.moved:
        log.info("  %s %s -> %s (%s)", move.kind, move.old, ", ".join(move.new), move.evidence)
    log_metadata(metadata={"corpus_diff": diff_metadata(diff)}, infer_model=bool(context.model))
    return pages, diff, lineage.extend(diff, pages.ids())


def diff_metadata(diff: CorpusDiff) -> dict:
    counts = {k: len(getattr(diff, k)) for k in ("added", "removed", "changed", "moved", "ambiguous")}
    return counts | {"unchanged": diff.unchanged, "previous_version": diff.previous_version or "none"}


@step(enable_cache=False)
@traced
def load_golden_set(
    path: str, pages: PageSignatures, lineage: PageLineage
) -> Annotated[GoldenSet, names.GOLDEN]:
    """Read and validate the golden questions, their references followed to moved pages
    (content-hashed, so evaluation caches on it)."""
    golden = follow_references(load_golden(path), lineage, pages.ids())
    stale = [q for q in golden.questions if q.stale]
    log.info("golden set %s: %d questions, %d followed to moved pages, %d stale",
             golden.name, len(golden.questions), followed_count(golden), len(stale))  # fmt: skip
    for q in stale:
        log.warning("  stale question %s: %s", q.id, q.stale)
    return golden


@step(cache_policy=LIBRARY)
@traced
def evaluate(
    index: DocsIndex, spec: AgentSpec, golden: GoldenSet, judge: JudgeConfig | None
) -> Annotated[EvaluationResult, names.EVALUATION]:
    """Ask the agent every golden question and score the answers (RAGAS, offline + judge tier)."""
    result = evaluate_agent(spec, index, golden, judge)
    if result.missing_sources:
        log.warning(
            "golden reference sources not in this corpus (the gate will refuse): %s", result.missing_sources
        )
    log.info("evaluated %d questions in %.1fs: %s", len(result.records), result.seconds, result.headline())
    return result


@step(enable_cache=False)
@traced
def release_gate(
    result: EvaluationResult,
    golden: GoldenSet,
    settings: EvaluationConfig,
    lineage: PageLineage,
    pages: PageSignatures,
    against: Against | None = None,
) -> Annotated[Decision, names.DECISION]:
    """Decide the stage in plain code and apply it; record scores, decision and answers.
    A check's candidate (`against` set) is decided against that version and changes no stage."""
    model = get_step_context().model
    evidence = Evidence(result, golden, settings.gate, settings.judge, lineage, pages)
    if against is not None:
        decision = check.decide_candidate(model.name, str(model.version), against, evidence)
    else:
        decision = release.decide_and_apply(model.name, str(model.version), evidence)
    log_metadata(metadata=release.decision_metadata(result, decision, settings.gate))  # on the version too
    outcome = would_be(decision) if against is not None else None  # a check's words: "would be ..."
    record_on_run(get_step_context().pipeline_run.id,
                  {"review": review(model.name, str(model.version), decision, settings.gate, outcome)})  # fmt: skip
    if against is not None:  # a check changes no stage: its words say what would have happened
        log.info("check of %s v%s: %s (no stage changed)", model.name, model.version, would_be(decision))
    else:
        log.info("decision for %s v%s: %s", model.name, model.version, decision.stage or "not promoted")
    for reason in decision.reasons:
        log.info("  - %s", reason)
    return decision


@step(enable_cache=False)
@traced
def approval(approved: bool) -> Annotated[str, names.APPROVAL]:
    """A person's answer for a version held in staging: production when approved. The stage now."""
    model = get_step_context().model
    stage = release.apply_approval(model.name, str(model.version), approved)
    log_metadata(metadata={"approval": {"approved": approved, "stage": stage}}, infer_model=True)
    log.info(
        "%s v%s %s by a person: %s", model.name, model.version, "approved" if approved else "rejected", stage
    )
    return stage


@step(cache_policy=LIBRARY)
@traced
def report(
    result: EvaluationResult, decision: Decision, gate: GateConfig, corpus_diff: CorpusDiff, golden: GoldenSet
) -> tuple[
    Annotated[HTMLString, names.REPORT],
    Annotated[JSONString, names.ANSWERS],
    Annotated[CSVString, names.ANSWERS_CSV],
    Annotated[CSVString, names.CHANGES_CSV],
    Annotated[HTMLString, names.HISTORY],
]:
    """The HTML report, every answer (JSON, CSV), what changed against production (CSV) and
    the model's history plot, all shown in the dashboard's run view."""
    model = get_step_context().model
    rows = answer_rows(result)
    touched = touched_questions(corpus_diff, golden)
    changes, section = _changes(
        checked_model(model.name) or model.name,  # a check's candidate: its agent's production
        [r | {"pages": touched.get(r["id"], "")} for r in rows],
        decision,
        gate,
    )
    html = render_report(result, decision, gate, title=f"{model.name} v{model.version}", changes=section,
                         corpus=diff_html(corpus_diff, golden))  # fmt: skip
    history = history_html(model.name, list_versions(model.name), gate)
    return (HTMLString(html), JSONString(json.dumps(rows, indent=1, ensure_ascii=False)), CSVString(to_csv(rows)), CSVString(to_csv(changes)),
            HTMLString(history))  # fmt: skip


def _changes(model: str, rows: list[dict], decision: Decision, gate: GateConfig) -> tuple[list[dict], str]:
    """Questions whose gated scores moved against the production this version was compared with."""
    if not decision.production_version:
        return [], ""
    try:
        production = load_answers(get_version(model, decision.production_version))
    except AgentFactoryError as exc:  # built before answers were stored, or lost: say so, compare nothing
        return [], f"<p class='muted'>No question-by-question comparison: {exc}</p>"
    changes = changed_questions(rows, production, list(dict.fromkeys([gate.primary, *gate.non_regression])))
    return changes, changes_html(changes, decision.production_version)
