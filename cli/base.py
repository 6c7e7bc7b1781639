"""The ``agent-factory`` group, its shared options and its error handling.

Errors: an :class:`~rag.errors.AgentFactoryError` (bad input, a missing version, a dead
endpoint...) prints one ``error: ...`` line and exits 1; anything else is a bug and keeps
its traceback. Heavy imports live inside commands so --help is instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click


def fail(message: str) -> None:
    """One ``error: ...`` line, secrets redacted (rag/secrets.py), exit 1."""
    from rag.secrets import redact_secrets

    click.secho(f"error: {redact_secrets(message)}", fg="red", err=True)
    sys.exit(1)


class _Group(click.Group):
    """Maps the project's error family to a clean message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from rag.errors import AgentFactoryError

        try:
            return super().invoke(ctx)
        except AgentFactoryError as exc:
            fail(str(exc))


def read_config(path: Path | None) -> Any:
    from factory.config import find_config, load_config

    return load_config(find_config(path))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Agent Factory: build, evaluate and gate retrieval agents (offline by default)."""
    from factory.bootstrap import bootstrap

    bootstrap()  # offline defaults, ZenML's source root, old module paths: before anything runs
    from factory.server import check_stack, check_store
    from rag.secrets import redact_all_logs

    redact_all_logs()  # no key, token or URL password in any log line a command prints

    if check_store():  # a shared server: unreachable, a refused key or an unshared stack fail in seconds
        check_stack()


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Agent config [default: $AGENT_FACTORY_CONFIG, else the nearest configs/default.yaml].",
)


_model = click.option("--model", default=None, help="ZenML model name [default: the config's name].")


def model_option(func: Any) -> Any:
    """--model, or the `name` of --config: the commands that read versions find the model built."""
    return _model(config_option(func))


def model_name(model: str | None, config_path: Path) -> str:
    return model or read_config(config_path).name
