"""The served agent: ``serve`` (deploy, status, stop) and the ``feedback`` people gave it."""

from __future__ import annotations

from pathlib import Path

import click

from cli.base import config_option, main, model_option, read_config


@main.command()
@config_option
@click.option("--rating", type=click.Choice(["up", "down", "any"]), default="any", show_default=True)
@click.option(
    "--export", "export", type=click.Path(path_type=Path), help="Write them as JSONL (or .csv) instead."
)
@click.option("--limit", default=20, show_default=True, help="How many to list (export writes all).")
def feedback(config_path: Path, rating: str, export: Path | None, limit: int) -> None:
    """Served answers and the feedback on them, newest first.

    \b
    Examples:
      agent-factory feedback --rating down
      agent-factory feedback --export feedback.csv
    """
    from serving.feedback import open_store

    wanted = {"up": 1, "down": -1, "any": None}[rating]
    rows = open_store(read_config(config_path).serve).list(
        rating=wanted, limit=10_000_000 if export else limit
    )
    if export:
        from rag.writing import describe
        from serving.feedback import export_rows

        click.echo(f"{describe(export, export_rows(rows, export))}: {len(rows)} answers")
        return
    for row in rows:
        mark = {1: "+", -1: "-", 0: "=", None: " "}[row.rating]
        votes = f"{row.up}+/{row.down}-" if row.up or row.down else ""
        click.echo(f"{mark} {row.id[:8]} v{row.version} {row.channel:5} {votes:7} {row.question[:70]}")
        if row.comment:
            click.secho(f"    {row.comment[:100]}", dim=True)


@main.command()
@model_option
@click.option(
    "--version", default=None, help="Stage or number to serve [default: serve.version, production]."
)
@click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), help="Serve a local agent folder instead."
)
@click.option("--status", "show_status", is_flag=True, help="Show the service's state, URL and key.")
@click.option("--stop", is_flag=True, help="Stop the service.")
def serve(
    model: str | None,
    config_path: Path,
    version: str | None,
    index_dir: Path | None,
    show_status: bool,
    stop: bool,
) -> None:
    """Serve the agent: an OpenAI-compatible API, a web chat page and feedback (docs/serving.md).

    \b
    Examples:
      agent-factory serve
      agent-factory serve --version 3
      agent-factory serve --status
      agent-factory serve --stop
    """
    from serving import deploy

    config = read_config(config_path)
    serve_config = config.serve.model_copy(update={"version": version} if version else {})
    name = serve_config.deployment
    if stop:
        click.echo(f"stopped {name}" if deploy.stop(name) else f"{name} is not deployed: nothing to stop")
        return
    if not show_status:
        click.echo(f"deploying {name} ({model or config.name}, {serve_config.version}); this takes 20-45 s")
        deploy.serve(model or config.name, serve_config, index_dir, tracing=config.tracing)
    found = deploy.status(name)
    click.echo(f"{name}: {found.status} at {found.url}")
    if found.status != "running":
        raise SystemExit(1)  # scripts and health checks can test the exit code
    click.echo(f"  chat page:  {found.url}/")
    click.echo(f"  OpenAI API: {found.url}/v1 (Authorization: Bearer <key>)")
    if serve_config.slack_secret:  # what to paste into the Slack app's Event Subscriptions
        click.echo(
            f"  Slack:      {found.url}/slack/events (the Request URL of the app's Event Subscriptions)"
        )
    click.echo(f"  key:        {deploy.bearer_key(name)}")
