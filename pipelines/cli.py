"""The ``agent-factory`` command line. Heavy imports live inside commands so --help is instant."""

from __future__ import annotations

import sys
from pathlib import Path

import click

DEFAULT_CONFIG = Path("configs/default.yaml")
DEFAULT_LOCAL_DIR = Path(".agent-factory/local")


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Agent Factory: build, evaluate and gate retrieval agents (offline by default)."""
    import rag  # noqa: F401  (offline defaults)


@main.command("index")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG, show_default=True
)
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_LOCAL_DIR, show_default=True)
def index_cmd(config_path: Path, out: Path) -> None:
    """Build an agent into a local folder, without ZenML (quick try-out)."""
    from rich.progress import Progress

    from rag.config import ConfigError, load_config
    from rag.local import build_local_agent
    from rag.sources import SourceError

    try:
        config = load_config(config_path)
        with Progress(transient=True) as progress:
            task = progress.add_task("embedding chunks", total=None)
            corpus = build_local_agent(
                config, out, lambda done, total: progress.update(task, completed=done, total=total)
            )
    except (ConfigError, SourceError, ValueError) as exc:
        _fail(str(exc))
    click.echo(f"indexed {corpus.documents} documents, {corpus.chunks} chunks into {out}")


def _session(index_dir: Path):
    from rag.local import open_local_agent

    try:
        return open_local_agent(index_dir)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))


def _print_sources(reply) -> None:
    seen: list[str] = []
    for src in reply.sources:
        if src.doc_id not in seen:
            seen.append(src.doc_id)
            click.secho(f"  - {src.doc_id}  (score {src.score:.2f})", dim=True)


@main.command()
@click.argument("question")
@click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), default=DEFAULT_LOCAL_DIR, show_default=True
)
def ask(question: str, index_dir: Path) -> None:
    """Ask the agent one question; prints the answer and the retrieved sources."""
    session = _session(index_dir)
    for delta in session.stream(question):
        click.echo(delta, nl=False)
    click.echo()
    click.secho("retrieved:", bold=True)
    _print_sources(session.history[-1])
    session.close()


@main.command()
@click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), default=DEFAULT_LOCAL_DIR, show_default=True
)
def chat(index_dir: Path) -> None:
    """Interactive chat with memory across turns (/reset forgets, /quit or Ctrl-D leaves)."""
    session = _session(index_dir)
    click.echo("Ask about the docs. /reset forgets the conversation, /quit leaves.")
    while True:
        try:
            question = click.prompt("you", prompt_suffix="> ").strip()
        except (EOFError, click.Abort):
            break
        if question in {"/quit", "/exit"}:
            break
        if question == "/reset":
            session.reset()
            continue
        click.secho("agent> ", bold=True, nl=False)
        for delta in session.stream(question):
            click.echo(delta, nl=False)
        click.echo()
    session.close()


if __name__ == "__main__":
    main()
