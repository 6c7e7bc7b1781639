"""The agent pipeline and ``run_build``, which runs it as a new version of the ZenML model.

Steps: ingest -> chunk -> build_index -> create_agent -> register_version -> track_pages
-> load_golden_set -> evaluate -> release_gate -> report. From Python::

    from pipelines.agent_pipeline import run_build
    from factory.config import load_config

    result = run_build(load_config("configs/default.yaml"))
    print(result.version, result.status)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from zenml import Model, pipeline
from zenml.config import DockerSettings, Schedule

from factory.artifacts import broken_index
from factory.check import Against, candidates_model, forget_failed
from factory.config import AgentConfig, validate
from pipelines.gate_steps import approval, evaluate, load_golden_set, release_gate, report, track_pages
from pipelines.provenance import CodeVersion, code_version
from pipelines.steps import (
    build_index,
    chunk,
    create_agent,
    embed_shard,
    ingest,
    merge_shards,
    register_version,
    split_chunks,
)
from pipelines.tracing import build_trace
from rag.errors import AgentFactoryError

LOCAL_ORCHESTRATORS = {"local", "local_docker"}
APPROVAL_WAIT = "approve-production"

# Remote orchestrators build an image with the project installed (see docs/scheduling.md).
DOCKER = DockerSettings(
    requirements=["torch==2.13.0"],
    install_stack_requirements=True,
    environment={"RAGAS_DO_NOT_TRACK": "true", "HF_HUB_OFFLINE": "1"},
)


def _build_and_gate(config: AgentConfig, code: CodeVersion, static: bool, against: Against | None) -> Any:
    """The steps both pipelines run; returns the release gate's decision (an output or a future)."""
    corpus = ingest(config)
    chunks, fingerprint = chunk(corpus, config.chunking)
    if config.embedding.shard_size and not static:  # fan-out: one embedding step per shard
        from zenml import unmapped

        shards = split_chunks(chunks, config.embedding.shard_size)
        embed = embed_shard if _local_orchestrator() else embed_shard.with_options(runtime="isolated")
        vectors = embed.map(shard=shards, embedding=unmapped(config.embedding))
        index, manifest = merge_shards(chunks, vectors, config.embedding, config.index)
    else:
        index, manifest = build_index(chunks, config.embedding, config.index)
    spec = create_agent(manifest, config)
    register_version(config, fingerprint, manifest, code)
    pages, corpus_diff, lineage = track_pages(corpus, against)
    golden = load_golden_set(str(config.evaluation.golden_path), pages, lineage)
    result = evaluate(index, spec, golden, config.evaluation.judge)
    order = {"after": "register_version"} if static else {}  # a dynamic pipeline runs steps in call order
    decision = release_gate(result, golden, config.evaluation, lineage, pages, against, **order)
    report(result, decision, config.evaluation.gate, corpus_diff, golden)
    return decision


@pipeline(enable_cache=True)
def agent_pipeline(config: AgentConfig, code: CodeVersion, against: Against | None = None) -> None:
    _build_and_gate(config, code, static=True, against=against)


def _local_orchestrator() -> bool:
    from zenml.client import Client

    return Client().active_stack.orchestrator.flavor in LOCAL_ORCHESTRATORS


@pipeline(dynamic=True, enable_cache=True)
def approval_pipeline(config: AgentConfig, code: CodeVersion, against: Against | None = None) -> None:
    """The same build as a dynamic pipeline: the embedding fans out over shards when
    ``embedding.shard_size`` is set (on Kubernetes, Vertex, SageMaker or AzureML each shard runs
    in its own pod or job; locally as threads of one process), and a version that earns
    production waits for a person when ``gate.require_approval`` is set.

    ``zenml.wait`` polls for the answer for ``approval_timeout_s``; then the run pauses, the
    version stays in staging, and ``agent-factory approve/reject N`` answers and resumes it.
    """
    import zenml
    from zenml.logger import get_logger

    decision = _build_and_gate(config, code, static=False, against=against).load()
    if decision.awaiting_approval:
        gate = config.evaluation.gate
        get_logger(__name__).info(  # the console says why the build is quiet, and how to answer
            "waiting up to %ss for a person: `agent-factory versions --model %s` shows the staging version; "
            "`agent-factory approve N` (or `reject N`) answers",
            gate.approval_timeout_s,
            config.name,
        )
        approved = zenml.wait(
            bool, name=APPROVAL_WAIT, timeout=gate.approval_timeout_s, poll_interval=2,
            question=f"Promote {config.name} to production? The gate said: " + "; ".join(decision.reasons),
        )  # fmt: skip
        approval(approved)


class _NoTracebackForUserErrors(logging.Filter):
    """A step failing on bad input logs its message, not ZenML's traceback; bugs keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], AgentFactoryError):
            record.exc_info, record.exc_text = None, None
        return True


def _quiet_user_errors() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _NoTracebackForUserErrors) for f in handler.filters):
            handler.addFilter(_NoTracebackForUserErrors())


UNUSED_INTEGRATIONS = ("pytorch", "sklearn")  # no artifact of ours is either; activating them costs ~4 s


def _skip_unused_integrations() -> None:
    """ZenML activates every installed integration before each run: torch and scikit-learn imported for nothing."""
    from zenml.integrations.registry import integration_registry

    try:
        integration_registry._initialize()  # registers them all; then the two are taken out again
        for name in UNUSED_INTEGRATIONS:
            integration_registry.integrations.pop(name, None)
    except AttributeError:  # another ZenML: it activates them, which costs time, not correctness
        pass


class BuildFailed(AgentFactoryError):
    """A step of the build failed; the message names the step and its error. Nothing was promoted."""


def _newest_run(model: str, since: datetime) -> Any:
    """This model's newest run started since `since` (hydrated), or None."""
    from zenml.client import Client

    runs = Client().list_pipeline_runs(
        model=model, sort_by="desc:created", size=1, created=f"gte:{since:%Y-%m-%d %H:%M:%S}", hydrate=True
    )
    return runs.items[0] if runs.items else None


def _failure(run: Any) -> str | None:
    """'run R: step X failed: Error: message' for the failed steps of `run`."""
    if run is None:
        return None
    failed = [s for s in run.steps.values() if s.status.value == "failed"]
    lines = []
    for step in failed:
        info = step.exception_info
        kind = (info.source or "").rpartition(".")[2] if info else ""
        detail = (
            f"{kind + ': ' if kind else ''}{info.message}" if info else "see the step's logs in the dashboard"
        )
        lines.append(f"step {step.name} failed: {detail}")
    return f"run {run.name}: " + "; ".join(lines) if lines else None


class BuildResult(BaseModel):
    run_id: str
    run_name: str
    model: str
    version: str
    status: str


def _cache_broken(model: str) -> bool:
    """True (and says why) when a cached index the build could reuse has lost its files."""
    broken = broken_index(model)
    if broken:
        logging.getLogger(__name__).warning("%s: building without the step cache", broken)
    return broken is not None


def _run(config: AgentConfig, options: dict, against: Against | None) -> Any:
    """The pipeline run (hydrated); a failed one is a BuildFailed naming the step, its candidate forgotten."""
    from zenml.client import Client

    name = options["model"].name
    started = datetime.now(UTC).replace(tzinfo=None)  # ZenML stores naive UTC
    try:
        dynamic = config.evaluation.gate.require_approval or config.embedding.shard_size
        chosen = approval_pipeline if dynamic else agent_pipeline
        run = chosen.with_options(**options)(config=config, code=code_version(), against=against)
    except RuntimeError as exc:
        failed = _newest_run(name, started)
        if against and failed is not None and failed.model_version:
            forget_failed(name, failed.model_version.name)
        raise BuildFailed(_failure(failed) or str(exc)) from exc
    return Client().get_pipeline_run(run.id)


def run_build(
    config: AgentConfig, schedule: str | None = None, against: Against | None = None, cache: bool = True
) -> BuildResult:
    """Run (or schedule, on stacks that can) the pipeline; each run is a new model version.

    :func:`factory.config.validate` runs first: a dead endpoint or a broken golden file
    fails in seconds, before any run or version exists. With `against`, the run is a check
    (factory/check.py): a version of ``<name>-candidates`` judged against that version, no
    stage changed; a check whose build fails leaves no candidate behind. `cache` False runs every
    step again; so does a build whose cached index lost a file (the release line heals).
    """
    from zenml.client import Client

    validate(config)
    _quiet_user_errors()
    _skip_unused_integrations()

    name = candidates_model(config.name) if against else config.name
    what = (
        f"Check candidates of '{config.name}' (never released)"
        if against
        else f"Retrieval agent '{config.name}'"
    )
    model = Model(name=name, description=f"{what} built by Agent Factory")
    options: dict = {"model": model, "enable_cache": cache and not _cache_broken(config.name)}
    orchestrator = Client().active_stack.orchestrator
    if orchestrator.flavor not in LOCAL_ORCHESTRATORS:
        options["settings"] = {"docker": DOCKER}
    if schedule:
        if orchestrator.flavor in LOCAL_ORCHESTRATORS:
            raise BuildFailed(
                f"the active stack's orchestrator ({orchestrator.flavor}) cannot schedule runs; "
                "register a stack with Airflow, Kubeflow, Vertex, Kubernetes, SageMaker or AzureML "
                "(docs/scheduling.md), or use cron to call `agent-factory build`"
            )
        options["schedule"] = Schedule(cron_expression=schedule)
    with build_trace(config.tracing, name) as root:  # a build is one trace: its steps, then its version
        run = _run(config, options, against)
        version = run.model_version.name if run.model_version else "?"
        root.set_attributes({"agent_factory.version": version, "agent_factory.run": run.name})
    return BuildResult(
        run_id=str(run.id),
        run_name=run.name,
        model=name,
        version=version,
        status=str(run.status.value),
    )
