"""Sources: one file per kind; each turns its config into LlamaIndex Documents.

Source types are plugins in the ``SOURCES`` registry (rag/providers.py); another installed
package adds one through the ``agent_factory.sources`` entry point group.

>>> from rag.ingest.sources.directory import DirectorySourceConfig
>>> docs = load_documents([DirectorySourceConfig(path="docs")])
>>> sorted(d.doc_id for d in docs)[:2]
['docs/architecture.md', 'docs/building.md']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.config import SourceConfig
from rag.ingest.sources.base import Source, SourceError
from rag.providers import SOURCES

if TYPE_CHECKING:  # LlamaIndex costs 1.5 s: a config's error is said before it is imported
    from llama_index.core.schema import Document


def build_source(config: SourceConfig) -> Source:
    return SOURCES.get(config.type).build(config)


def list_ids(configs: list[SourceConfig]) -> dict[str, list[tuple[str, int]] | None]:
    """(doc id, bytes) per source, where the source can list them without reading (None if not).

    Directory and git sources list in seconds; a web crawl or a Slack export cannot be listed
    without reading it, so they give None.
    """
    listed: dict[str, list[tuple[str, int]] | None] = {}
    for config in configs:
        source = build_source(config)
        listed[config.name] = source.list_ids() if hasattr(source, "list_ids") else None
    return listed


def load_documents(configs: list[SourceConfig]) -> list[Document]:
    """All documents of all sources, in a stable order; duplicate ids are an error."""
    docs: list[Document] = []
    for config in configs:
        docs.extend(build_source(config).load())
    seen: set[str] = set()
    for doc in docs:
        if doc.doc_id in seen:
            raise SourceError(f"duplicate document id {doc.doc_id!r}")
        seen.add(doc.doc_id)
    return docs


__all__ = ["SOURCES", "Source", "SourceError", "build_source", "list_ids", "load_documents"]
