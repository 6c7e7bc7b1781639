"""EmbeddingCache: reuse vectors of unchanged chunks across builds.

Keyed by (embedding provider/model, sha256 of the text that is embedded), so a vector is
reused only for exactly the same text under exactly the same model. A previous index is
the cache: its node store finds a text hash's position (an indexed column), and FAISS hands back
(``reconstruct``) the vector there; nothing is read up front.

>>> from llama_index.core.schema import TextNode
>>> from rag.config import EmbeddingConfig, IndexConfig
>>> from rag.index.embeddings import build_embedding, describe
>>> from rag.index.docs_index import DocsIndex
>>> config = EmbeddingConfig()
>>> model = build_embedding(config)
>>> previous = DocsIndex.build([TextNode(text="Port 7341.")], model, config, describe(config, model), IndexConfig())
>>> nodes = [TextNode(text="Port 7341."), TextNode(text="A new chunk.")]
>>> EmbeddingCache.from_index(previous).fill(nodes, config)  # vectors set on the known text
1
>>> nodes[0].embedding is not None, nodes[1].embedding is None
(True, True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag.config import EmbeddingConfig
from rag.index.embeddings import identity

Lookup = Callable[[list[str]], dict[str, list[float]]]  # text hashes -> the vectors known for them


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_text(node: Any) -> str:
    return node.get_content(metadata_mode="embed")


@dataclass
class EmbeddingCache:
    """Vectors by text hash, valid for one embedding model."""

    model_key: str
    lookup: Lookup

    @staticmethod
    def key(config: EmbeddingConfig) -> str:
        return identity(config)

    @classmethod
    def from_index(cls, index: Any) -> EmbeddingCache:
        """The vectors of a DocsIndex, looked up by their chunk's text hash when asked for."""

        def lookup(hashes: list[str]) -> dict[str, list[float]]:
            positions = index.nodes.positions_of_hashes(hashes)
            vectors = index.vectors(list(positions.values()))
            return {digest: vector.tolist() for digest, vector in zip(positions, vectors, strict=True)}

        return cls(model_key=index.manifest.embedding.identity or "unknown", lookup=lookup)

    @classmethod
    def from_vectors(cls, model_key: str, vectors: dict[str, list[float]]) -> EmbeddingCache:
        return cls(model_key, lambda hashes: {h: vectors[h] for h in hashes if h in vectors})

    def fill(self, nodes: list[Any], config: EmbeddingConfig) -> int:
        """Set the cached vector on every node whose text is known; returns how many."""
        if self.key(config) != self.model_key:
            return 0
        todo: dict[str, list[Any]] = {}
        for node in nodes:
            if node.embedding is None:
                todo.setdefault(text_hash(embed_text(node)), []).append(node)
        reused = 0
        for digest, vector in self.lookup(list(todo)).items():
            for node in todo[digest]:
                node.embedding = vector
                reused += 1
        return reused
