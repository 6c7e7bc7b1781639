"""Release checks for pull requests: ``check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.base import config_option, fail, main, read_config
from cli.build import NOT_PROMOTED
from rag.writing import GENERATOR, check_writable, contains, describe, starts_with, write_file

SUMMARY = starts_with(b"<!-- agent-factory check summary -->")  # factory/summary.py's first line
REPORT = contains(GENERATOR.encode())


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

    \b
    Examples:
      agent-factory check --summary "$GITHUB_STEP_SUMMARY"
      agent-factory check --against 4 --summary summary.md --report report.html
    """
    from factory.config import EmptyCorpus, validate
    from factory.server import check_store

    config = read_config(config_path)
    outputs = [
        (p, kind, ours)
        for p, kind, ours in ((summary_path, "summary", SUMMARY), (report_path, "report", REPORT))
        if p
    ]
    if summary_path and report_path and summary_path.resolve() == report_path.resolve():
        fail(f"{summary_path}: --summary and --report name the same file")
    for path, kind, ours in outputs:  # refused before a pipeline runs, not after
        check_writable(path, kind, ours)
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
    texts = {"summary": render(out, config.evaluation.gate.thresholds), "report": out.report_html}
    for path, kind, ours in outputs:
        click.echo(describe(path, write_file(path, texts[kind], kind, ours)))
    if out.decision.stage != "production":
        sys.exit(NOT_PROMOTED)
