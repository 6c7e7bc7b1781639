"""EmbeddingCache: reuse vectors of unchanged chunks across builds.

Keyed by (embedding provider/model, sha256 of the text that is embedded), so a vector is
reused only for exactly the same text under exactly the same model. A previous index is
the cache: FAISS flat and HNSW indexes can hand back (``reconstruct``) every stored vector.

>>> from llama_index.core.schema import TextNode
>>> from rag.config import EmbeddingConfig, IndexConfig
>>> from rag.embeddings import build_embedding, describe
>>> from rag.index import DocsIndex
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
from dataclasses import dataclass, field
from typing import Any

from rag.config import EmbeddingConfig
from rag.embeddings import identity


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_text(node: Any) -> str:
    return node.get_content(metadata_mode="embed")


@dataclass
class EmbeddingCache:
    """Vectors by text hash, valid for one embedding model."""

    model_key: str
    vectors: dict[str, list[float]] = field(default_factory=dict)

    @staticmethod
    def key(config: EmbeddingConfig) -> str:
        return identity(config)

    @classmethod
    def from_index(cls, index: Any) -> EmbeddingCache:
        """Every vector of a DocsIndex, keyed by its chunk's text hash."""
        faiss_index = index.index.vector_store.client
        docstore = index.index.docstore
        vectors = {}
        for faiss_id, node_id in index.index.index_struct.nodes_dict.items():
            node = docstore.get_node(node_id, raise_error=False)
            if node is not None:
                vectors[text_hash(embed_text(node))] = faiss_index.reconstruct(int(faiss_id)).tolist()
        return cls(model_key=index.manifest.embedding.identity or "unknown", vectors=vectors)

    def fill(self, nodes: list[Any], config: EmbeddingConfig) -> int:
        """Set the cached vector on every node whose text is known; returns how many."""
        if self.key(config) != self.model_key:
            return 0
        reused = 0
        for node in nodes:
            vector = self.vectors.get(text_hash(embed_text(node)))
            if node.embedding is None and vector is not None:
                node.embedding = vector
                reused += 1
        return reused
