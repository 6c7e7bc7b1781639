"""API keys: read when a client is built, from the environment or a secret store; never stored.

A config names where its key lives (``api_key_env`` or ``api_key_secret``); the value is
looked up here, handed to the client and kept nowhere else, so no config, metadata,
artifact or log line holds it. ``pipelines`` plugs in ZenML's secret store.

>>> import os
>>> from rag.config import LLMConfig
>>> os.environ["DOCTEST_KEY"] = "sk-doctest"
>>> api_key(LLMConfig(provider="openai", api_key_env="DOCTEST_KEY"), "llm")
'sk-doctest'
"""

from __future__ import annotations

import os
from collections.abc import Callable

from rag.config import EndpointConfig
from rag.errors import AgentFactoryError

SecretLookup = Callable[[str, str], str | None]
_lookup: SecretLookup | None = None


class MissingKeyError(AgentFactoryError):
    """No API key where the config says it lives."""


def set_secret_lookup(lookup: SecretLookup | None) -> None:
    """Install the function that reads ``(secret_name, key)`` from a secret store."""
    global _lookup
    _lookup = lookup


def api_key(config: EndpointConfig, where: str, required: bool = True) -> str | None:
    """The key for `config`; `where` ("llm", "evaluation.judge.llm") names the field in errors."""
    if config.api_key_secret:
        name, _, key = config.api_key_secret.rpartition(".")
        if _lookup is None:
            raise MissingKeyError(
                f"{where}.api_key_secret: no secret store here (run through `agent-factory`), "
                f"or use {where}.api_key_env"
            )
        value = _lookup(name, key)
        if not value:
            raise MissingKeyError(f"{where}.api_key_secret: secret {name!r} has no value for {key!r}")
        return value
    value = os.environ.get(config.api_key_env)
    if not value and required:
        raise MissingKeyError(f"{where}.api_key_env: environment variable {config.api_key_env} is not set")
    return value or None
