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

from rag.agent import AgentSpec, build_agent
from rag.chat import ChatSession
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
    index = mv.get_artifact(INDEX_ARTIFACT).load()
    spec = mv.get_artifact(SPEC_ARTIFACT).load()
    if not isinstance(spec, AgentSpec) or not isinstance(index, DocsIndex):
        raise TypeError(
            f"version {mv.name}: artifacts {INDEX_ARTIFACT}/{SPEC_ARTIFACT} have unexpected types"
        )
    return index, spec


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
                stage=mv.stage or "",
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
