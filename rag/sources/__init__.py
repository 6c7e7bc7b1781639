"""Sources: one file per kind; each turns its config into LlamaIndex Documents.

>>> from rag.sources import load_documents  # doctest: +SKIP
>>> docs = load_documents(config.sources)   # doctest: +SKIP
"""

from __future__ import annotations

from llama_index.core.schema import Document

from rag.config import SourceConfig
from rag.registry import Registry
from rag.sources.base import Source, SourceError

SOURCES = Registry("source")
SOURCES.register("directory", "rag.sources.directory:DirectorySource")
SOURCES.register("web", "rag.sources.web:WebSource")
SOURCES.register("git", "rag.sources.git:GitSource")
SOURCES.register("slack", "rag.sources.slack:SlackSource")


def build_source(config: SourceConfig) -> Source:
    return SOURCES.get(config.type)(config)


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


__all__ = ["SOURCES", "Source", "SourceError", "build_source", "load_documents"]
