"""Build, evaluate and try agents: ``build``, ``eval``, ``preflight``, ``index``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cli.base import config_option, fail, main, model_option, read_config

DEFAULT_LOCAL_DIR = Path(".agent-factory/local")


NOT_PROMOTED = 3  # `build` exit code: the version was built and evaluated, but is not in production


@main.command()
@config_option
@click.option("--schedule", metavar="CRON", help="Schedule on a stack whose orchestrator supports it.")
@click.option("--no-cache", is_flag=True, help="Run every step again, reusing no cached step output.")
def build(config_path: Path, schedule: str | None, no_cache: bool) -> None:
    """Run the agent pipeline: a new version of the ZenML model.

    Exit codes: 0 the version is now in production; 3 built and evaluated but not promoted to
    production (staging or rejected: the reasons are printed); 1 an error, nothing promoted.

    \b
    Examples:
      agent-factory build
      agent-factory build --config configs/my-agent.yaml || test $? -eq 3
      agent-factory build --no-cache
    """
    from factory.config import EmptyCorpus, validate

    config = read_config(config_path)
    try:
        validate(config)  # before importing ZenML: a bad endpoint or golden file fails in well under a second
    except EmptyCorpus as exc:  # a decision, not a crash: a scheduler sees "not promoted"
        click.secho(f"decision: not promoted: {exc}", fg="yellow")
        sys.exit(NOT_PROMOTED)
    from pipelines.agent_pipeline import run_build

    result = run_build(config, schedule=schedule, cache=not no_cache)
    if schedule:
        click.echo(f"scheduled {config.name} with cron '{schedule}'")
        return
    if result.status not in ("completed", "paused"):
        fail(f"run {result.run_name} ended {result.status}")
    click.secho(f"\nbuilt {result.model} version {result.version}", bold=True)
    _print_decision(result.model, result.version)
    click.echo(f"run: {result.run_name}\nsee: agent-factory versions  |  agent-factory dashboard")
    if result.status == "paused":  # gate.require_approval, and nobody answered in time
        click.echo(f"waiting for a person: agent-factory approve {result.version} (or reject) "
                   f"--config {config_path}, or the dashboard; production is unchanged")  # fmt: skip
    from factory.versions import get_version

    if get_version(result.model, result.version).stage != "production":  # approved in time: production
        sys.exit(NOT_PROMOTED)


def _print_decision(model: str, version: str) -> str | None:
    """The gate's decision and reasons, and the stage now when something changed it since."""
    from factory.versions import get_version, version_metadata

    decision = version_metadata(model, version).get("decision") or {}
    decided, now = decision.get("stage"), get_version(model, version).stage
    since = (
        f" (now {now or 'no stage'}: changed since the gate decided)" if decided and now != decided else ""
    )
    click.echo(f"decision: {decided or 'not promoted'}{since}")
    for reason in decision.get("reasons", []):
        click.echo(f"  - {reason}")
    return decided


@main.command("eval")
@click.option("--version", default="production", show_default=True)
@click.option("--dry-run", is_flag=True, help="Estimate the judge's calls and tokens; call nothing.")
@model_option
def eval_cmd(version: str, dry_run: bool, model: str | None, config_path: Path) -> None:
    """Score an existing version again on the config's golden set (and judge, if any).

    \b
    Examples:
      agent-factory eval --version 3
      agent-factory eval --version production --dry-run
    """
    config = read_config(config_path)
    model = model or config.name
    from evaluation.golden import load_golden
    from factory.config import validate

    if dry_run:
        return _print_estimate(model, version, load_golden(config.evaluation.golden_path), config)
    golden = validate(config)
    from factory.release import reevaluate

    mv, result = reevaluate(model, version, golden, config.evaluation.judge)
    click.secho(f"{model} version {mv.name} on {golden.name} ({len(golden.questions)} questions):", bold=True)
    for name, metric in result.metrics.items():
        click.echo(f"  {name:38s} {metric.mean:.3f}  NaN {metric.nan_rate:.0%}")
    click.echo(f"  latency p50 {result.latency_p50_s:.2f}s  p95 {result.latency_p95_s:.2f}s")
    for role, usage in result.usage.items():
        click.echo(f"  {role} LLM: {usage.calls} calls, {usage.prompt_tokens} prompt + "
                   f"{usage.completion_tokens} completion tokens{' (estimated)' if usage.estimated else ''}")  # fmt: skip


def _print_estimate(model: str, version: str, golden: Any, config: Any) -> None:
    """The judge cost of `eval` from the version's recorded answers; nothing is called."""
    from evaluation.cost import estimate_judge
    from factory.artifacts import load_evaluation
    from factory.versions import get_version

    judge = config.evaluation.judge
    if judge is None:
        click.echo("no judge configured (evaluation.judge): the offline tier makes no LLM calls")
        return
    previous = load_evaluation(get_version(model, version))
    est = estimate_judge(golden, previous.records, judge)
    click.secho(
        f"judge {judge.llm.provider}/{judge.llm.model} on {est.questions} answerable questions:", bold=True
    )
    for metric, row in est.per_metric.items():
        click.echo(f"  {metric:38s} {row['calls']:6d} calls  {row['prompt_tokens']:9d} prompt tokens")
    click.echo(f"  total: ~{est.calls} calls (at most {est.max_calls} with re-asks), "
               f"~{est.prompt_tokens} prompt + ~{est.completion_tokens} completion tokens")  # fmt: skip
    agent = previous.usage.get("agent")
    if agent and agent.prompt_tokens:
        click.echo(
            f"  the agent's LLM last used {agent.calls} calls, {agent.prompt_tokens + agent.completion_tokens} tokens"
        )


@main.command("preflight")
@config_option
def preflight_cmd(config_path: Path) -> None:
    """Check that every endpoint the config names answers (keys, URLs, models).

    \b
    Example:
      agent-factory preflight --config configs/openai.yaml
    """
    config = read_config(config_path)
    from rag.preflight import preflight

    for check in preflight(config):
        click.echo(f"ok  {check.role:28s} {check.provider:12s} {check.detail} ({check.seconds:.2f}s)")


@main.command("index")
@config_option
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_LOCAL_DIR, show_default=True)
def index_cmd(config_path: Path, out: Path) -> None:
    """Build an agent into a local folder, without ZenML (quick try-out).

    \b
    Example (then `agent-factory ask "..." --index /tmp/agent`):
      agent-factory index --config agent.yaml --out /tmp/agent
    """
    config = read_config(config_path)
    from rag.agent.local import build_local_agent
    from rag.progress import shown

    with shown(lambda line: click.echo(line, err=True), sys.stderr):  # bars in a terminal, else lines
        corpus = build_local_agent(config, out)
    click.echo(f"indexed {corpus.documents} documents, {corpus.chunks} chunks into {out}")
