"""Release checks for pull requests: ``check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.base import config_option, fail, main, read_config
from cli.build import NOT_PROMOTED


@main.command()
@config_option
@click.option("--against", default="production", show_default=True, metavar="production|N",
              help="The version of the agent's model to compare with.")  # fmt: skip
@click.option("--summary", "summary_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the Markdown summary here (a PR comment, or $GITHUB_STEP_SUMMARY).")  # fmt: skip
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the candidate's HTML report here (to upload from CI).")  # fmt: skip
def check(config_path: Path, against: str, summary_path: Path | None, report_path: Path | None) -> None:
    """Build and evaluate a candidate as `build` would, decide against a version, change no stage.

    The candidate is a version of the model `<name>-candidates`, never released. Exit codes:
    0 it would be promoted to production; 3 it would not (the reasons are printed); 1 an error.
    """
    from factory.config import EmptyCorpus, validate
    from factory.server import check_store

    config = read_config(config_path)
    check_store()  # an unreachable server or a refused key fails in seconds, naming the variable
    try:
        validate(config)
    except EmptyCorpus as exc:
        click.secho(f"would not be promoted: {exc}", fg="yellow")
        sys.exit(NOT_PROMOTED)
    from factory.check import outcome, resolve_against
    from factory.summary import render, verdict
    from pipelines.agent_pipeline import run_build

    target = resolve_against(config.name, against)
    result = run_build(config, against=target)
    if result.status != "completed":
        fail(f"run {result.run_name} ended {result.status}")
    out = outcome(result.model, result.version, target, config.evaluation.gate)
    click.secho(f"\n{config.name}: {verdict(out.decision)}", bold=True)
    for reason in out.decision.reasons:
        click.echo(f"  - {reason}")
    click.echo(
        f"candidate: {result.model} version {result.version} (no stage changed); run: {result.run_name}"
    )
    for path, text in (
        (summary_path, render(out, config.evaluation.gate.thresholds)),
        (report_path, out.report_html),
    ):
        if path:
            _write(path, text)
    if out.decision.stage != "production":
        sys.exit(NOT_PROMOTED)


def _write(path: Path, text: str) -> None:
    """A summary or report file; one that cannot be written is an error naming it, not a traceback."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{path}: cannot write ({exc.strerror or exc})")
    click.echo(f"wrote {path}")
