"""Model versions in the ZenML model registry: find one by stage or number, list them.

Queries only: loading a version's artifacts is factory/artifacts.py, changing its stage
is factory/release.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from zenml.client import Client
from zenml.enums import ModelStages
from zenml.models import ModelVersionResponse

from rag.errors import AgentFactoryError

STAGES = ("production", "staging", "latest", "archived")


class VersionNotFound(AgentFactoryError):
    """The model, version, stage or artifact does not exist."""


class VersionRow(BaseModel):
    """One line of `agent-factory versions`."""

    version: str
    number: int
    stage: str
    created: datetime
    documents: int | None
    chunks: int | None
    scores: dict[str, float]
    decision: str = ""  # what the gate decided when it was built: production, staging, rejected


def is_number(version: str | int) -> bool:
    """A version number: ASCII digits only (str.isdigit also takes "١", "²").

    >>> is_number("12"), is_number("١"), is_number("²"), is_number(3)
    (True, False, False, True)
    """
    text = str(version)
    return text.isascii() and text.isdigit()


def get_version(model: str, version: str | int = "latest") -> ModelVersionResponse:
    """A model version by stage name (production, staging, latest) or number."""
    ref: Any = int(version) if is_number(version) else version
    if isinstance(ref, str) and ref not in STAGES:
        raise VersionNotFound(f"version {version!r}: use a number or one of {', '.join(STAGES[:3])}")
    try:
        found = Client().get_model_version(model, ModelStages(ref) if isinstance(ref, str) else ref)
    except (KeyError, RuntimeError) as exc:
        raise VersionNotFound(f"model {model!r} has no version {version!r}") from exc
    if found.model.name != model:  # ZenML falls back to a name prefix: "a" would find "a-candidates"
        raise VersionNotFound(f"model {model!r} has no version {version!r}")
    return found


def find_version(model: str, version: str | int) -> ModelVersionResponse | None:
    """Like :func:`get_version`, but None when there is no such version (e.g. no production yet)."""
    try:
        return get_version(model, version)
    except VersionNotFound:
        return None


def store_description() -> str:
    """The active ZenML store's URL, credentials redacted (for messages that name the store)."""
    from zenml.config.global_config import GlobalConfiguration

    from rag.secrets import redact_url

    return redact_url(str(GlobalConfiguration().store_configuration.url))


def list_versions(model: str) -> list[VersionRow]:
    """All versions, newest first, with stage, corpus size and headline scores."""
    if not Client().list_models(name=model).items:  # exact: get_model would accept a name prefix
        raise VersionNotFound(f"no model named {model!r}; run `agent-factory build` first")
    versions = Client().list_model_versions(model=model, sort_by="desc:number", size=1000, hydrate=True)
    rows = []
    for mv in versions.items:
        meta = mv.run_metadata
        corpus = meta.get("corpus") or {}
        rows.append(
            VersionRow(
                version=mv.name,
                number=mv.number,
                stage=mv.stage
                or ("rejected" if "decision" in meta else ""),  # no decision: failed or running
                created=mv.created,
                documents=corpus.get("documents"),
                chunks=corpus.get("chunks"),
                scores=(meta.get("evaluation") or {}).get("headline", {}),
                decision=_decided(meta.get("decision"), checked="check" in meta),
            )
        )
    return rows


def _decided(decision: Any, checked: bool = False) -> str:
    """The gate's decision in a word; a check's candidate was never released, so "would be ..."."""
    if not isinstance(decision, dict):
        return ""
    if checked:
        return f"would be {decision['stage']}" if decision.get("stage") else "would not be promoted"
    return decision.get("stage") or "rejected"


def version_metadata(model: str, version: str | int) -> dict[str, Any]:
    """The run metadata recorded on a version (settings, corpus, evaluation, decision...)."""
    return dict(get_version(model, version).run_metadata)
