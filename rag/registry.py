"""A tiny provider registry: a name in config maps to a factory.

Built-in factories are registered as ``"module:function"`` strings and imported
only when used, so validating a config never imports LlamaIndex or torch. Tests
and plugins register callables through the same door.

>>> from rag.registry import Registry
>>> greeters = Registry("greeter")
>>> greeters.register("hello", lambda name: f"hello {name}")
>>> greeters.get("hello")("world")
'hello world'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class Registry:
    """Maps provider names to factories (callables or lazy ``"module:attr"`` paths)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Callable[..., Any] | str] = {}

    def register(self, name: str, factory: Callable[..., Any] | str) -> None:
        self._entries[name] = factory

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def get(self, name: str) -> Callable[..., Any]:
        if name not in self._entries:
            raise KeyError(f"unknown {self.kind} provider {name!r}; known: {', '.join(self.names())}")
        factory = self._entries[name]
        if isinstance(factory, str):
            module, _, attr = factory.partition(":")
            factory = getattr(importlib.import_module(module), attr)
            self._entries[name] = factory
        return factory
