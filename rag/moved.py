"""Old import paths of moved modules keep working: ``rag.corpus`` is ``rag.ingest.corpus``.

ZenML loads a stored artifact by the class path recorded when it was saved, and plugins
import ours; versions built before the role folders name the old paths. The moves are listed
once, in ``factory/bootstrap.py``; importing an old name gives the very module object of the new one, so classes stay identical (no second copy).

>>> register({"rag.corpus": "rag.ingest.corpus", "rag.sources": "rag.ingest.sources"})
>>> import rag.corpus, rag.ingest.corpus
>>> rag.corpus is rag.ingest.corpus
True
>>> from rag.sources.base import make_document  # a module inside a moved package
>>> make_document.__module__
'rag.ingest.sources.base'
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module name (or one under an old package) and loads the new module in its place."""

    def __init__(self) -> None:
        self.moves: dict[str, str] = {}

    def target(self, name: str) -> str | None:
        for old, new in self.moves.items():
            if name == old or name.startswith(old + "."):
                return new + name[len(old) :]
        return None

    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        new = self.target(name)
        return importlib.machinery.ModuleSpec(name, self) if new else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target(spec.name) or spec.name)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the new module ran when it was imported."""


_ALIAS = _Alias()


def register(moves: dict[str, str]) -> None:
    """Serve each old dotted name (and every name under it) with the module now at the new one."""
    _ALIAS.moves.update(moves)
    if _ALIAS not in sys.meta_path:
        sys.meta_path.insert(0, _ALIAS)  # before the path finder: an old package's children too
