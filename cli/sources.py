"""What the agent reads: ``sources`` (the golden group, what it is measured on, is cli/golden.py)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.base import config_option, main, read_config


@main.command()
@config_option
@click.option("--ids", is_flag=True, help="Print every document id, one a line.")
def sources(config_path: Path, ids: bool) -> None:
    """List the documents each configured source holds: counts and sizes (ids with --ids).

    Golden sets name documents by these ids (docs/sources.md: the id scheme of each type).

    \b
    Examples:
      agent-factory sources
      agent-factory sources --ids --config agent.yaml
    """
    from rag.ingest.sources import list_ids

    for name, listed in list_ids(read_config(config_path).sources).items():
        if listed is None:
            click.echo(f"{name}: cannot be listed without reading it (a crawl or an export)")
            continue
        click.echo(f"{name}: {len(listed)} documents, {sum(size for _, size in listed) / 1e6:.1f} MB")
        for doc_id, size in listed if ids else []:
            click.echo(f"  {doc_id}  ({size} bytes)")
