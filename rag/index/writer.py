"""IndexWriter: an index folder written batch by batch (chunks to SQLite, vectors and BM25 at the end)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
from llama_index.core.schema import TextNode

from rag.config import EmbeddingConfig, IndexConfig
from rag.index import pgvector
from rag.index.embeddings import EmbeddingInfo
from rag.index.faiss_store import choose_index_type, faiss_index
from rag.index.lexical import Bm25Builder
from rag.index.manifest import BATCH, MANIFEST, NODES, VECTORS, IndexManifest
from rag.index.node_store import NodeStore


class IndexWriter:
    """Writes an index folder batch by batch: chunks go to SQLite as they come, vectors at the end.

    >>> import tempfile
    >>> from llama_index.core.schema import TextNode
    >>> from rag.config import EmbeddingConfig
    >>> from rag.index.embeddings import EmbeddingInfo
    >>> info = EmbeddingInfo(provider="local", model="m", dimension=2)
    >>> writer = IndexWriter(Path(tempfile.mkdtemp()), IndexConfig(), EmbeddingConfig(), info)
    >>> writer.add([TextNode(text="a", metadata={"doc_id": "a.md"})], np.array([[1.0, 0.0]]))
    >>> writer.finish().vectors
    1
    """

    def __init__(self, folder: Path, config: IndexConfig, embedding_config: EmbeddingConfig,
                 info: EmbeddingInfo) -> None:  # fmt: skip
        self.folder, self.config = folder, config
        self.embedding_config, self.info = embedding_config, info
        self.nodes = NodeStore(folder / NODES, read_only=False)
        self.vectors: list[np.ndarray] = []
        self.lexical = Bm25Builder()

    def add(self, nodes: list[TextNode], vectors: np.ndarray) -> None:
        """Append chunks with their vectors (one row per chunk, L2-normalised)."""
        for start in range(0, len(nodes), BATCH):
            self.nodes.append(nodes[start : start + BATCH])
        self.vectors.append(np.asarray(vectors, dtype=np.float32).reshape(len(nodes), -1))
        for node in nodes:
            self.lexical.add(node.get_content(metadata_mode="embed"))

    def finish(self) -> IndexManifest:
        """Index the vectors and words; write the manifest last (a folder without one is not an index)."""
        vectors = np.vstack(self.vectors)
        kind = choose_index_type(self.config, len(vectors))
        self.lexical.build().save(self.folder)
        self.nodes.finish()
        table = self._write_vectors(kind, vectors)
        self.nodes.kv.close()
        manifest = IndexManifest(
            embedding=self.info,
            embedding_config=self.embedding_config,
            index_type=kind,
            vectors=len(vectors),
            documents=len(self.nodes.doc_ids()),
            hnsw_ef_search=self.config.hnsw_ef_search if kind == "hnsw" else None,
            ivf_nprobe=self.config.ivf_nprobe if kind == "ivf" else None,
            pgvector=self.config.pgvector if table else None,
            vector_table=table,
        )
        (self.folder / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        return manifest

    def _write_vectors(self, kind: str, vectors: np.ndarray) -> str | None:
        """FAISS into the folder, or rows into a pgvector table (returned: the manifest records it)."""
        if kind != "pgvector":
            index = faiss_index(kind, vectors, self.config)
            index.add(vectors)
            faiss.write_index(index, str(self.folder / VECTORS))
            return None
        table = pgvector.table_for(self.config.pgvector, self.info.identity, self.nodes.text_hashes())
        store = pgvector.open_store(self.config.pgvector, table, vectors.shape[1])
        batches = (
            (
                self.nodes.get_nodes(self.nodes.node_ids_at(range(start, start + BATCH))),
                vectors[start : start + BATCH],
            )
            for start in range(0, len(vectors), BATCH)
        )
        pgvector.fill(store, len(vectors), batches)
        return table
