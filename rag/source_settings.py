"""What every source's settings share, and how a config's ``sources`` list is validated.

Each source type's own settings model sits in its module (rag/ingest/sources/) and is found
through the SOURCES registry, so a plugin's source validates as strictly as a built-in one.

>>> typed_sources([{"type": "directory", "path": "docs"}])[0].include[:2]
['**/*.md', '**/*.rst']
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from rag.providers import SOURCES
from rag.registry import typed_list
from rag.secrets import has_credentials

NAME = r"^[A-Za-z0-9_.-]+$"  # names become parts of doc ids and ZenML model names


class SourceSettings(BaseModel):
    """What every source config has: its registered ``type`` and a ``name`` that prefixes its doc ids.

    A plugin's source config subclasses this (see rag/registry.py).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    name: str = Field(pattern=NAME)


def no_credentials(url: str | None) -> str | None:
    """Configs are recorded whole (metadata, pipeline parameters): a URL may not carry a secret."""
    if url and has_credentials(url):
        raise ValueError(
            "the URL carries a credential (user:password@, a token as the user name, or a key/token "
            "parameter); configs are recorded, so name keys with api_key_env or api_key_secret and give "
            "git its credentials through a credential helper or SSH key"
        )
    return url


# Any registered source type's config; dumps with its own fields, not only the base ones.
SourceConfig = SerializeAsAny[SourceSettings]


def typed_sources(value: Any) -> Any:
    """Validate each source with its type's own config model (built-in or plugin)."""
    return typed_list(SOURCES, value)
