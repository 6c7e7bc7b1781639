"""An example third-party plugin for Agent Factory, installed into the test session.

tests/rag/test_registry.py installs it the way pip does (a module and a ``.dist-info``
folder with ``entry_points.txt`` on the path) and uses it through the real CLI. It adds:

- a source type ``notes``: one text file, one document per paragraph;
- an embedding provider ``example_minilm``: the packaged model under another name;
- an LLM provider ``example_keyed``: the extractive answerer behind an API key that its own
  preflight check insists on (to show traits and preflight coming from a plugin).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from rag.config import SourceSettings
from rag.registry import Provider, SourceType


class NotesConfig(SourceSettings):
    type: Literal["notes"] = "notes"
    name: str = "notes"
    path: Path


class NotesSource:
    def __init__(self, config: NotesConfig) -> None:
        self.config = config
        self.name = config.name

    def load(self) -> list:
        from rag.ingest.sources.base import make_document

        paragraphs = [p.strip() for p in self.config.path.read_text().split("\n\n") if p.strip()]
        return [make_document(self.name, f"note-{i}", f"Note {i}", p) for i, p in enumerate(paragraphs)]


def check_key(role: str, settings, timeout_s: float) -> str:
    from rag.secrets import api_key

    api_key(settings, role, required=True)
    return "key present"


NOTES = SourceType(config="af_example_plugin:NotesConfig", factory="af_example_plugin:NotesSource")
MINILM = Provider(factory="rag.index.embeddings:build_local")
KEYED = Provider(
    factory="rag.answer.extractive:build",
    needs_key=True,
    billed=True,
    preflight="af_example_plugin:check_key",
)
