"""Talk to an agent: ``ask`` one question, or ``chat`` with memory across turns."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from cli.base import fail, main, model_name, model_option, read_config


@contextlib.contextmanager
def _warm(command: list[str], version: str, model: str | None, config_path: Path | None,
          index_dir: Path | None) -> Iterator[None]:  # fmt: skip
    """Run the command in the warm helper when one answers (cli/warm.py), else here, then leave one."""
    from cli import warm

    args = [*command, "--version", version]
    for option, value in (("--model", model), ("--config", config_path), ("--index", index_dir)):
        args += [option, str(value)] if value is not None else []
    if (code := warm.run(args)) is not None:
        raise click.exceptions.Exit(code)
    try:
        yield
    finally:
        warm.leave_helper()


def _session(index_dir: Path | None, model: str | None, config_path: Path, version: str) -> Any:
    from rag.agent.collector import collector_paused  # a million objects loaded, no garbage

    with collector_paused():
        return _open_session(index_dir, model, config_path, version)


def _open_session(index_dir: Path | None, model: str | None, config_path: Path, version: str) -> Any:
    if index_dir:
        from rag.agent.local import open_local_agent
        from rag.errors import AgentFactoryError

        try:  # the user's own config names the endpoints a folder from elsewhere may be sent keys for
            trusted = read_config(config_path)
        except AgentFactoryError:
            trusted = None
        return open_local_agent(index_dir, trusted)
    from factory.resolved import open_recalled

    model = model_name(model, config_path)
    if (session := open_recalled(model, version)) is not None:  # the store unchanged: no ZenML to import
        return session
    from factory.artifacts import load_agent
    from factory.versions import VersionNotFound, list_versions

    try:
        return load_agent(model, version)
    except VersionNotFound as exc:
        if version not in ("production", "staging"):
            raise
        rows = list_versions(model)  # a model with no versions at all says so itself
        listed = ", ".join(f"{r.version} ({r.stage or 'no stage'})" for r in rows[:8])
        raise VersionNotFound(
            f"{exc}; its versions: {listed}. Pick one with --version N, or promote one: "
            f"agent-factory promote N --stage {version} --model {model}"
        ) from None


def _print_sources(reply: Any) -> None:
    """Each retrieved page once, at its best chunk's score and link (page#section), best first."""
    best: dict[str, Any] = {}
    for src in reply.sources:
        if src.doc_id not in best or (src.score or 0.0) > (best[src.doc_id].score or 0.0):
            best[src.doc_id] = src
    for doc_id, src in sorted(best.items(), key=lambda item: -(item[1].score or 0.0)):
        where = f"{doc_id} <{src.url}>" if src.url else doc_id
        click.secho(
            f"  - {where}" + (f"  (score {src.score:.2f})" if src.score is not None else ""), dim=True
        )


def _start_tracing(config_path: Path | None) -> Any:
    """Tracing as the config says (docs/observability.md); None when it is off or there is no config."""
    from rag.errors import AgentFactoryError

    try:
        config = read_config(config_path)
    except AgentFactoryError:  # `--index` works without a config; nothing to trace to then
        return None
    if not config.tracing.enabled:
        return None
    from rag.tracing.setup import start

    return start(config.tracing)


@contextlib.contextmanager
def _stopped(tracing: Any) -> Iterator[None]:
    """Stop tracing when the command ends: its last spans are sent (or counted lost) while it can still say so."""
    try:
        yield
    finally:
        if tracing:
            tracing.stop()


def _print_trace(tracing: Any, trace_id: str) -> None:
    if tracing and trace_id:
        url = tracing.config.trace_url
        click.secho(f"trace: {url.replace('{trace_id}', trace_id) if url else trace_id}", dim=True)


agent_options = [
    click.option(
        "--version",
        default="production",
        show_default=True,
        help="Stage (production, staging, latest) or number.",
    ),
    model_option,
    click.option(
        "--index",
        "index_dir",
        type=click.Path(path_type=Path),
        help="A local agent folder instead of a model version.",
    ),
]


def _agent_options(func: Any) -> Any:
    for option in reversed(agent_options):
        func = option(func)
    return func


@main.command()
@click.argument("question")
@_agent_options
def ask(question: str, version: str, model: str | None, config_path: Path, index_dir: Path | None) -> None:
    """Ask the agent one question; prints the answer and the retrieved sources.

    \b
    Examples:
      agent-factory ask "How do I install Agent Factory?"
      agent-factory ask "Which port does it serve on?" --version 3
    """
    if not question.strip():  # before loading anything: seconds saved on a typo
        fail("the question is empty")
    with _warm(["ask", question], version, model, config_path, index_dir):
        tracing = _start_tracing(config_path)
        with _session(index_dir, model, config_path, version) as session, _stopped(tracing):
            for delta in session.stream(question, traced={"agent_factory.channel": "cli"}):
                click.echo(delta, nl=False)
            click.echo()
            click.secho("retrieved:", bold=True)
            _print_sources(session.history[-1])
            _print_trace(tracing, session.history[-1].trace_id)


@main.command()
@_agent_options
def chat(version: str, model: str | None, config_path: Path, index_dir: Path | None) -> None:
    """Interactive chat with memory across turns (/reset forgets, /quit or Ctrl-D leaves).

    \b
    Examples:
      agent-factory chat
      agent-factory chat --version staging
      agent-factory chat --index .agent-factory/local
    """
    with _warm(["chat"], version, model, config_path, index_dir):
        tracing = _start_tracing(config_path)
        with _session(index_dir, model, config_path, version) as session, _stopped(tracing):
            _converse(session, tracing)


def _converse(session: Any, tracing: Any) -> None:
    from rag.agent.chat import QuestionError

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
        if not question:
            continue
        try:
            session.check(question)  # a refused question leaves the conversation as it was
        except QuestionError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            continue
        click.secho("agent> ", bold=True, nl=False)
        for delta in session.stream(question, traced={"agent_factory.channel": "cli"}):
            click.echo(delta, nl=False)
        click.echo()
        _print_trace(tracing, session.history[-1].trace_id)
