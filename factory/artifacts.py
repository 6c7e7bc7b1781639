"""The artifacts of a model version: their names, and loading them back (no pickle).

Artifact names are defined here only; steps name their outputs with these constants.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from zenml.client import Client
from zenml.models import ModelVersionResponse

from evaluation.golden import GoldenSet
from evaluation.records import EvaluationResult
from factory import resolved
from factory.bootstrap import bootstrap
from factory.versions import VersionNotFound, find_version, get_version
from rag.agent.chat import ChatSession
from rag.agent.spec import AgentSpec, open_session
from rag.index.docs_index import DocsIndex
from rag.index.manifest import DocsIndexError
from rag.ingest.corpus_diff import CorpusDiff, PageSignatures, diff_pages
from rag.ingest.lineage import PageLineage

log = logging.getLogger(__name__)

CORPUS = "corpus"
CHUNKS = "chunks"
FINGERPRINT = "corpus_fingerprint"
INDEX = "docs_index"
SHARDS = "chunk_shards"  # the chunks split for fan-out embedding (embedding.shard_size)
SHARD_VECTORS = "shard_vectors"
MANIFEST = "index_manifest"
SPEC = "agent_spec"
GOLDEN = "golden_set"
EVALUATION = "evaluation"
DECISION = "decision"
REPORT = "evaluation_report"
ANSWERS = "answers"  # per-question results, JSON
ANSWERS_CSV = "answers_csv"
APPROVAL = "approval"  # the stage after a person's answer
HISTORY = "history"  # gated metrics across versions, a picture
CHANGES_CSV = "changes_csv"  # questions whose scores moved against production, both answers
PAGES = "page_signatures"  # each page's content hash and MinHash: recognised after a rename
CORPUS_DIFF = "corpus_diff"  # pages added, removed, changed, moved since the previous version
LINEAGE = "page_lineage"  # every page id any version had, and where each went


def _load(mv: ModelVersionResponse, name: str, missing: str) -> Any:
    """Artifact `name` of the version, loaded; absent: VersionNotFound(`missing`); unreadable: DocsIndexError.

    The one loader of stored artifacts: files deleted from the artifact store, a truncated array
    or a broken JSON file become a message naming the version, the artifact and where it lives.
    """
    artifact = mv.get_artifact(name)
    if artifact is None:
        raise VersionNotFound(f"version {mv.name} {missing}")
    try:
        return artifact.load()
    except Exception as exc:  # whatever a damaged file raises (ours, FileNotFoundError, EOFError...)
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        raise DocsIndexError(
            f"version {mv.name}: artifact {name} at {artifact.uri} cannot be loaded "
            f"({type(exc).__name__}: {first}); rebuild the version"
        ) from exc


def load_parts(mv: ModelVersionResponse) -> tuple[DocsIndex, AgentSpec]:
    """The index and agent spec of a model version; a version without both has no agent."""
    if missing := [name for name in (INDEX, SPEC) if mv.get_artifact(name) is None]:
        raise VersionNotFound(f"version {mv.name} has no {', '.join(missing)} artifact: its build failed")
    return _load(mv, INDEX, "has no index"), _load(mv, SPEC, "has no agent spec")


def has_agent(mv: ModelVersionResponse) -> bool:
    """Whether the version's build produced a complete agent (index and spec)."""
    return all(mv.get_artifact(name) is not None for name in (INDEX, SPEC))


def load_evaluation(mv: ModelVersionResponse) -> EvaluationResult:
    """The version's recorded evaluation, or VersionNotFound saying it has none."""
    return _load(mv, EVALUATION, "has no evaluation: its build stopped before `evaluate`")


def load_answers(mv: ModelVersionResponse) -> list[dict]:
    """The version's per-question results (evaluation/answers.py rows)."""
    return json.loads(_load(mv, ANSWERS, "has no answers: its build stopped before `report`"))


def previous_index(model: str, before: int | None = None) -> DocsIndex | None:
    """The index of the newest version (before `before`) that has one (the embedding cache's source)."""
    filters = {"number": f"lt:{before}"} if before else {}
    versions = Client().list_model_versions(model=model, sort_by="desc:number", size=20, **filters)
    for mv in versions.items:
        try:
            return mv.get_artifact(INDEX).load()
        except Exception:  # a failed build has no index; try the one before
            continue
    return None


def broken_index(model: str, recent: int = 5) -> str | None:
    """Why one of the model's newest indexes (what the step cache would reuse) lacks a file, or None.

    Reads each index artifact's manifest and checks its files exist in the artifact store, without
    loading vectors: a cache hit on an index whose node store was deleted would otherwise make
    every later build of the same corpus unloadable.
    """
    from zenml.client import Client

    from rag.index.manifest import MANIFEST as MANIFEST_FILE
    from rag.index.manifest import NODES, VECTORS, IndexManifest

    store = Client().active_stack.artifact_store
    if not Client().list_models(name=model).items:
        return None
    for mv in Client().list_model_versions(model=model, sort_by="desc:number", size=recent).items:
        artifact = mv.get_artifact(INDEX)
        if artifact is None:
            continue
        try:
            with store.open(os.path.join(artifact.uri, MANIFEST_FILE), "r") as handle:
                manifest = IndexManifest.model_validate_json(handle.read())
            wanted = [NODES] + ([] if manifest.vector_table else [VECTORS])
            missing = [name for name in wanted if not store.exists(os.path.join(artifact.uri, name))]
        except Exception as exc:  # no manifest, unreadable JSON: the artifact is broken either way
            return f"version {mv.name}'s index at {artifact.uri} cannot be read ({type(exc).__name__})"
        if missing:
            return f"version {mv.name}'s index at {artifact.uri} lacks {', '.join(missing)}"
    return None


def previous_pages(model: str, before: int | None = None) -> tuple[str, PageSignatures, PageLineage] | None:
    """(version, its page signatures, its lineage) of the newest version (before `before`) that has them.

    A version whose artifacts cannot be read (files lost, another machine's local store) is
    passed over with a warning: a damaged version never blocks the next build.
    """
    filters = {"number": f"lt:{before}"} if before else {}
    versions = Client().list_model_versions(model=model, sort_by="desc:number", size=20, **filters)
    for mv in versions.items:
        if (found := _pages_of(mv)) is not None:
            return found
    return None


def _pages_of(mv: ModelVersionResponse) -> tuple[str, PageSignatures, PageLineage] | None:
    pages, lineage = mv.get_artifact(PAGES), mv.get_artifact(LINEAGE)
    if pages is None or lineage is None:
        return None
    try:
        return mv.name, pages.load(), lineage.load()
    except Exception as exc:  # lost or unreachable files: see previous_pages
        log.warning("version %s: its page signatures cannot be read (%s); passed over", mv.name, exc)
        return None


def pages_at(model: str, version: str) -> tuple[str, PageSignatures, PageLineage] | None:
    """Like :func:`previous_pages`, for version `version` (production or a number) of `model`;
    the newest readable version's pages when that one has none (or does not exist)."""
    mv = find_version(model, version)
    return (_pages_of(mv) if mv else None) or previous_pages(model)


def latest_lineage(model: str) -> PageLineage:
    """The model's page lineage as of its newest version (empty for a new model)."""
    found = previous_pages(model)
    return found[2] if found else PageLineage()


def load_pages(mv: ModelVersionResponse) -> PageSignatures:
    """The version's page signatures, or VersionNotFound for a version built before they existed."""
    return _load(mv, PAGES, "has no page signatures (built before corpus diffs)")


def corpus_diff_between(model: str, a: str | int, b: str | int) -> tuple[CorpusDiff, GoldenSet | None]:
    """What changed in the corpus from version `a` to `b`, and `b`'s golden set (its questions' pages)."""
    old, new = get_version(model, a), get_version(model, b)
    diff = diff_pages(load_pages(old), load_pages(new)).model_copy(update={"previous_version": old.name})
    golden = new.get_artifact(GOLDEN)
    return diff, golden.load() if golden is not None else None


def load_agent(model: str = "docs_agent", version: str | int = "production") -> ChatSession:
    """A ready ChatSession over the agent of that version (index and spec from its artifacts)::

    with load_agent("docs_agent", "production") as session:
        print(session.ask("How do I install Agent Factory?").answer)
    """
    bootstrap()  # the Python chat engine is a program's start: offline defaults, ZenML secrets
    stamp = resolved.store_stamp()  # before the lookup: a change during it counts as a change after it
    mv = get_version(model, version)
    index, spec = load_parts(mv)
    if stamp:  # the next cold `ask` opens the same folder without ZenML while the store stays as it is
        found = resolved.Resolved(stamp=stamp, version=mv.name, index_folder=str(index.folder),
                                  spec=spec.model_dump(mode="json"))  # fmt: skip
        resolved.remember(model, version, found)
    return open_session(spec, index)
