"""Model versions: resolve by stage or number, load as a ChatSession, list, promote.

>>> from pipelines.versions import load_agent            # doctest: +SKIP
>>> session = load_agent("docs_agent", "production")     # doctest: +SKIP
>>> session.ask("How do I install Agent Factory?").answer  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.models import ModelVersionResponse

from evaluation.golden import GoldenSet
from evaluation.records import EvaluationResult
from evaluation.runner import evaluate_agent
from rag.agent import AgentSpec, build_agent
from rag.chat import ChatSession
from rag.config import JudgeConfig
from rag.index import DocsIndex

INDEX_ARTIFACT = "docs_index"
SPEC_ARTIFACT = "agent_spec"

STAGES = ("production", "staging", "latest", "archived")


class VersionNotFound(LookupError):
    """The model, version or stage does not exist."""


class VersionRow(BaseModel):
    """One line of `agent-factory versions`."""

    version: str
    number: int
    stage: str
    created: datetime
    documents: int | None
    chunks: int | None
    scores: dict[str, float]


def get_version(model: str, version: str | int = "latest") -> ModelVersionResponse:
    """A model version by stage name (production, staging, latest) or number."""
    ref: Any = int(version) if str(version).isdigit() else version
    if isinstance(ref, str) and ref not in STAGES:
        raise VersionNotFound(f"version {version!r}: use a number or one of {', '.join(STAGES[:3])}")
    try:
        return Client().get_model_version(model, ModelStages(ref) if isinstance(ref, str) else ref)
    except (KeyError, RuntimeError) as exc:
        raise VersionNotFound(f"model {model!r} has no version {version!r}") from exc


def load_parts(mv: ModelVersionResponse) -> tuple[DocsIndex, AgentSpec]:
    """The index and agent spec artifacts of a model version."""
    artifacts = {name: mv.get_artifact(name) for name in (INDEX_ARTIFACT, SPEC_ARTIFACT)}
    if missing := [name for name, artifact in artifacts.items() if artifact is None]:
        raise VersionNotFound(f"version {mv.name} has no {', '.join(missing)} artifact: its build failed")
    index, spec = (artifact.load() for artifact in artifacts.values())
    if not isinstance(spec, AgentSpec) or not isinstance(index, DocsIndex):
        raise TypeError(
            f"version {mv.name}: artifacts {INDEX_ARTIFACT}/{SPEC_ARTIFACT} have unexpected types"
        )
    return index, spec


def previous_index(model: str, before: int) -> DocsIndex | None:
    """The index of the newest earlier version that has one (the embedding cache's source)."""
    versions = Client().list_model_versions(
        model=model, sort_by="desc:number", size=20, number=f"lt:{before}"
    )
    for mv in versions.items:
        try:
            return mv.get_artifact(INDEX_ARTIFACT).load()
        except Exception:  # a failed build has no index; try the one before
            continue
    return None


def load_agent(model: str = "docs_agent", version: str | int = "production") -> ChatSession:
    """A ready ChatSession over the agent of that version (index and spec from its artifacts)."""
    index, spec = load_parts(get_version(model, version))
    return ChatSession(build_agent(spec, index))


def list_versions(model: str) -> list[VersionRow]:
    """All versions, newest first, with stage, corpus size and headline scores."""
    try:
        Client().get_model(model)
    except KeyError as exc:
        raise VersionNotFound(f"no model named {model!r}; run `agent-factory build` first") from exc
    versions = Client().list_model_versions(model=model, sort_by="desc:number", size=1000, hydrate=True)
    rows = []
    for mv in versions.items:
        meta = mv.run_metadata
        corpus = meta.get("corpus") or {}
        scores = (meta.get("evaluation") or {}).get("headline", {})
        rows.append(
            VersionRow(
                version=mv.name,
                number=mv.number,
                stage=mv.stage
                or ("rejected" if "decision" in meta else ""),  # no decision: failed or running
                created=mv.created,
                documents=corpus.get("documents"),
                chunks=corpus.get("chunks"),
                scores=scores,
            )
        )
    return rows


def promote(model: str, version: str | int, stage: str, reason: str) -> ModelVersionResponse:
    """Move a version to a stage (archiving the previous holder) and record who/why on it."""
    if stage not in ("production", "staging", "archived"):
        raise ValueError(f"stage must be production, staging or archived, not {stage!r}")
    mv = get_version(model, version)
    previous = _holder(model, stage)
    mv.set_stage(stage, force=True)
    Client().create_run_metadata(
        metadata={
            "promotion": {
                "stage": stage,
                "reason": reason,
                "previous": previous,
                "at": datetime.now().isoformat(),
            }
        },
        resources=[_resource(mv)],
    )
    return get_version(model, mv.number)


def _holder(model: str, stage: str) -> str | None:
    try:
        return get_version(model, stage).name
    except VersionNotFound:
        return None


def _resource(mv: ModelVersionResponse) -> Any:
    from zenml.enums import MetadataResourceTypes
    from zenml.models import RunMetadataResource

    return RunMetadataResource(id=mv.id, type=MetadataResourceTypes.MODEL_VERSION)


def reevaluate(
    model: str, version: str | int, golden: GoldenSet, judge: JudgeConfig | None
) -> tuple[ModelVersionResponse, EvaluationResult]:
    """Score a version again (current golden set); recorded on it as ``reevaluation``."""
    mv = get_version(model, version)
    index, spec = load_parts(mv)
    session = ChatSession(build_agent(spec, index))
    try:
        doc_ids = {n.metadata.get("doc_id") for n in index.index.docstore.docs.values()}
        result = evaluate_agent(session, golden, index.embed_model, judge, doc_ids)
    finally:
        session.close()
    summary = {"golden_set": golden.name, "golden_hash": golden.content_hash, "headline": result.headline(),
               "at": datetime.now().isoformat()}  # fmt: skip
    Client().create_run_metadata(metadata={"reevaluation": summary}, resources=[_resource(mv)])
    return mv, result


def comparison_rows(model: str, a: str, b: str) -> list[tuple[str, str, str]]:
    """(key, value in a, value in b) for scores, corpus and every setting."""
    meta = [get_version(model, v).run_metadata for v in (a, b)]
    flat = [_flatten({k: m.get(k) for k in ("evaluation", "corpus", "settings")}) for m in meta]
    keys = [k for k in dict.fromkeys([*flat[0], *flat[1]]) if not k.startswith("evaluation.metrics.")]
    return [(k, _show(flat[0].get(k)), _show(flat[1].get(k))) for k in keys]


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out |= _flatten(value, f"{prefix}{key}.")
        return out
    return {prefix.rstrip("."): data}


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    text = "-" if value is None else str(value)
    return text if len(text) <= 14 else text[:6] + "…" + text[-7:]
