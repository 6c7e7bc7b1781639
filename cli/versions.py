"""Versions and their stages: ``versions``, ``promote``, ``approve``, ``reject``, ``compare``, ``diff``, ``dashboard``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from cli.base import main, model_name, model_option, read_config


@main.command()
@model_option
@click.option(
    "--plot", "plot", type=click.Path(path_type=Path), help="Also write the history plot (.png or .html)."
)
def versions(model: str | None, config_path: Path, plot: Path | None) -> None:
    """List versions with stage, corpus size and headline scores (and plot them with --plot).

    \b
    Columns: ver (version number), stage, created, docs (documents), chunks, then each
    metric's mean (docs/evaluation.md):
      hit     hit rate: a reference page among the retrieved ones
      mrr     mean reciprocal rank of the first reference page
      idp     id-based context precision: retrieved pages that are references
      idr     id-based context recall: reference pages that were retrieved
      ctxr    non-LLM context recall: reference passages found in the retrieved text
      sim     semantic similarity of answer and reference answer
      incl    must-include facts present in the answer
      refuse  refusal accuracy: out-of-scope questions declined, others answered
    Judge metrics (with a judge) use their own short names, listed in docs/evaluation.md.

    \b
    Examples:
      agent-factory versions
      agent-factory versions --plot history.png
    """
    model = model_name(model, config_path)
    from rich.console import Console

    from cli.display import versions_table
    from factory.versions import list_versions

    rows = list_versions(model)
    Console(width=max(Console().width, 110)).print(versions_table(model, rows))  # pipes report 80 columns
    if plot:
        from factory.history import write_history
        from rag.writing import describe

        gate = read_config(config_path).evaluation.gate
        click.echo(describe(plot, write_history(model, rows, gate, plot)))


@main.command()
@click.argument("version")
@click.option("--stage", type=click.Choice(["production", "staging", "archived"]), required=True)
@click.option("--reason", default="manual promotion", show_default=True)
@click.option("--force", is_flag=True, help="Move the production version out of production (leaving none).")
@model_option
def promote(version: str, stage: str, reason: str, force: bool, model: str | None, config_path: Path) -> None:
    """Manually move VERSION to a stage (recorded on the version, previous holder archived).

    \b
    Examples:
      agent-factory promote 4 --stage staging --reason "try it on the team first"
      agent-factory promote 3 --stage production --reason "roll back"
    """
    model = model_name(model, config_path)
    from factory.release import promote_manually

    mv = promote_manually(model, version, stage, reason, force=force)
    click.echo(f"{model} version {mv.name} is now {mv.stage}")


@main.command()
@click.argument("version")
@model_option
def approve(version: str, model: str | None, config_path: Path) -> None:
    """Approve VERSION, held for a person by gate.require_approval: it goes to production.

    \b
    Example:
      agent-factory approve 5
    """
    _answer(model_name(model, config_path), version, approved=True)


@main.command()
@click.argument("version")
@model_option
def reject(version: str, model: str | None, config_path: Path) -> None:
    """Reject VERSION, held for a person by gate.require_approval: it stays in staging.

    \b
    Example:
      agent-factory reject 5
    """
    _answer(model_name(model, config_path), version, approved=False)


def _answer(model: str, version: str, approved: bool) -> None:
    from factory.release import answer_approval

    stage = answer_approval(model, version, approved)
    click.echo(f"{model} version {version} {'approved' if approved else 'rejected'}: {stage}")


@main.command()
@click.argument("version_a")
@click.argument("version_b")
@click.option("--all", "show_all", is_flag=True, help="Every row, not only those that differ.")
@model_option
def compare(version_a: str, version_b: str, show_all: bool, model: str | None, config_path: Path) -> None:
    """Print what differs between two versions: scores, corpus, settings, then the pages that changed.

    \b
    Example:
      agent-factory compare 3 4
    """
    model = model_name(model, config_path)
    from cli.display import comparison_rows

    rows = comparison_rows(model, version_a, version_b)
    shown = rows if show_all else [r for r in rows if r[1] != r[2]]
    width = max([len(r[0]) for r in shown] + [1])
    click.secho(f"{'':{width}}  v{version_a}  ->  v{version_b}", bold=True)
    for key, a, b in shown:
        click.echo(f"{key:{width}}  {a}  ->  {b}" if a != b else f"{key:{width}}  {a}")
    if not show_all:
        click.echo(f"({len(rows) - len(shown)} rows equal; --all shows them)")
    _print_corpus_diff(model, version_a, version_b)


@main.command("diff")
@click.argument("version_a")
@click.argument("version_b")
@model_option
def diff_cmd(version_a: str, version_b: str, model: str | None, config_path: Path) -> None:
    """Pages added, removed, moved and changed from VERSION_A to VERSION_B, and the golden
    questions on those pages.

    \b
    Examples:
      agent-factory diff 3 4
      agent-factory diff production latest
    """
    _print_corpus_diff(model_name(model, config_path), version_a, version_b)


def _print_corpus_diff(model: str, a: str, b: str) -> None:
    from evaluation.page_changes import diff_lines
    from factory.artifacts import corpus_diff_between
    from factory.versions import VersionNotFound

    try:
        diff, golden = corpus_diff_between(model, a, b)
    except VersionNotFound as exc:
        click.echo(f"corpus diff: {exc}")
        return
    click.echo("\n".join(diff_lines(diff, golden)))


@main.command()
@click.option("--port", default=8237, show_default=True)
@click.option("--stop", is_flag=True, help="Stop the local dashboard.")
def dashboard(port: int, stop: bool) -> None:
    """Start (or stop) the local ZenML dashboard, offline.

    \b
    Examples:
      agent-factory dashboard
      agent-factory dashboard --stop
    """
    zenml = str(Path(sys.executable).with_name("zenml"))
    args = [zenml, "logout", "--local"] if stop else [zenml, "login", "--local", "--port", str(port)]
    raise SystemExit(subprocess.run(args, env=os.environ.copy()).returncode)
