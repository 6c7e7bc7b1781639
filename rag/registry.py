"""Registries: a name in config maps to a plugin, built in or from another installed package.

A plugin is a small record: its ``factory`` (a callable, or a lazy ``"module:attr"`` string
imported only when used, so validating a config never imports LlamaIndex or torch) and its
traits, which the rest of the code asks instead of testing names or classes:

- :class:`Provider` (an LLM or an embedding): ``needs_key`` (preflight insists on an API
  key), ``billed`` (calls cost tokens worth counting), ``generative`` (can write text, so can
  judge), ``preflight`` (a ``"module:function"`` that checks the endpoint before a build).
- :class:`SourceType` and :class:`SearchStep`: their ``config`` model (validated strictly,
  like the built-ins: :func:`typed_list`) and the ``factory`` that builds one from its settings.

Third-party packages add plugins without forking, through Python entry points (as
simonw/llm does): in their ``pyproject.toml``::

    [project.entry-points."agent_factory.llms"]
    my_llm = "my_package.plugin:MY_LLM"      # a rag.registry.Provider

The groups are ``agent_factory.llms``, ``agent_factory.embeddings``,
``agent_factory.sources`` and ``agent_factory.search_steps``; the entry point's name is the name used in config.

>>> greeters = Registry("greeter")
>>> greeters.register("hello", Provider(factory=lambda name: f"hello {name}"))
>>> greeters.get("hello").build("world")
'hello world'
>>> "hello" in greeters, greeters.names()
(True, ['hello'])
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from rag.errors import AgentFactoryError

log = logging.getLogger(__name__)


class PluginError(AgentFactoryError):
    """An installed plugin is broken (its entry point does not name a plugin record)."""


def resolve(target: Callable[..., Any] | str) -> Any:
    """A callable, or the object a ``"module:attr"`` string names (imported now)."""
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class Plugin(BaseModel):
    """What every registry entry has: a factory, resolved on first use."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    factory: Any  # Callable[..., Any] | "module:attr"

    def build(self, *args: Any, **kwargs: Any) -> Any:
        return resolve(self.factory)(*args, **kwargs)


class Provider(Plugin):
    """An LLM or embedding provider: factory(config[, embed_model]) -> LlamaIndex object."""

    needs_key: bool = False
    billed: bool = False
    generative: bool = True
    preflight: Any = None  # (role, settings, timeout_s) -> detail; raises PreflightError
    tokenizer: Any = (
        None  # "module:attr", text -> tokens, how the agent counts; None: LlamaIndex's (tiktoken)
    )


class Configured(Plugin):
    """A plugin with its own strict settings model (``config``), chosen by a ``type`` field in config."""

    config: Any  # type[pydantic.BaseModel] | "module:attr"

    def config_model(self) -> type[BaseModel]:
        return resolve(self.config)


class SourceType(Configured):
    """A document source: factory(config) -> an object with ``load() -> list[Document]``."""


class SearchStep(Configured):
    """A search step (a reranker, a filter): factory(settings, index) -> a LlamaIndex node postprocessor.

    The step reorders (or drops) the fused candidates before the top k are cut (rag/retrieval/search.py).
    """

    preflight: Any = None  # (where, settings, timeout_s) -> detail; raises an AgentFactoryError


P = TypeVar("P", bound=Plugin)


class Registry(Generic[P]):
    """Maps names to plugins; ``group`` names the entry-point group third parties use."""

    def __init__(self, kind: str, group: str | None = None) -> None:
        self.kind = kind
        self.group = group
        self._entries: dict[str, P] = {}
        self._plugins_loaded = group is None

    def register(self, name: str, plugin: P) -> None:
        self._entries[name] = plugin

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        return name in self._entries

    def get(self, name: str) -> P:
        self._load_plugins()
        if name not in self._entries:
            raise KeyError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}")
        return self._entries[name]

    def _load_plugins(self) -> None:
        """Register every installed package's entry points in this group (once; built-ins win)."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for point in entry_points(group=self.group):
            if point.name in self._entries:
                log.warning(
                    "%s plugin %r from %s ignored: the name is taken", self.kind, point.name, point.value
                )
                continue
            plugin = point.load()
            if not isinstance(plugin, Plugin):
                raise PluginError(f"entry point {point.name} = {point.value} is not a rag.registry.Plugin")
            self._entries[point.name] = plugin


def typed_list(registry: Registry[Any], value: Any) -> Any:
    """Each ``{"type": ...}`` item validated by its type's own settings model; every error named by position.

    >>> from rag.providers import SOURCES
    >>> typed_list(SOURCES, [{"type": "ftp"}])
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for source type
    0.type
      Value error, unknown source type 'ftp'; known: directory, git, slack, web [type=value_error, input_value='ftp', input_type=str]
    """
    if not isinstance(value, list):
        return value
    typed, errors = [], []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            kind = item.get("type")
            if kind not in registry:
                known = ", ".join(registry.names())
                errors.append(_error((i, "type"), kind, f"unknown {registry.kind} {kind!r}; known: {known}"))
                continue
            try:
                item = registry.get(kind).config_model().model_validate(item)
            except ValidationError as exc:
                errors += [
                    _error((i, *e["loc"]), e["input"], e["msg"].removeprefix("Value error, "))
                    for e in exc.errors()
                ]
        typed.append(item)
    if errors:
        raise ValidationError.from_exception_data(registry.kind, errors)
    return typed


def _error(loc: tuple, value: Any, message: str) -> Any:
    return InitErrorDetails(
        type=PydanticCustomError("value_error", "Value error, {m}", {"m": message}), loc=loc, input=value
    )
