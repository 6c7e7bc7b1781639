"""What every source's settings share, and how a config's ``sources`` list is validated.

Each source type's own settings model sits in its module (rag/ingest/sources/) and is found
through the SOURCES registry, so a plugin's source validates as strictly as a built-in one.

>>> typed_sources([{"type": "directory", "path": "docs"}])[0].include[:2]
['**/*.md', '**/*.rst']
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from rag.providers import SOURCES
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
    if not isinstance(value, list):
        return value
    typed, errors = [], []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            kind = item.get("type")
            if kind not in SOURCES:
                errors.append(
                    _error(
                        (i, "type"),
                        kind,
                        f"unknown source type {kind!r}; known: {', '.join(SOURCES.names())}",
                    )
                )
                continue
            try:
                item = SOURCES.get(kind).config_model().model_validate(item)
            except ValidationError as exc:
                errors += [
                    _error((i, *e["loc"]), e["input"], e["msg"].removeprefix("Value error, "))
                    for e in exc.errors()
                ]
        typed.append(item)
    if errors:
        raise ValidationError.from_exception_data("sources", errors)
    return typed


def _error(loc: tuple, value: Any, message: str) -> Any:
    from pydantic_core import InitErrorDetails, PydanticCustomError

    return InitErrorDetails(
        type=PydanticCustomError("value_error", "Value error, {m}", {"m": message}), loc=loc, input=value
    )
