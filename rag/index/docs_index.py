"""The index: FAISS vectors, chunks in SQLite, BM25 — built, saved, loaded from disk; no pickle.

A saved index is a folder: ``vectors.faiss`` (the FAISS index, memory-mapped on load),
``nodes.sqlite`` (the chunks' texts and metadata: rag/index/node_store.py, read per question),
``bm25_*`` (the lexical index, memory-mapped) and ``manifest.json`` (the embedder, so loading
rebuilds the same one). Loading reads the manifest and maps files; a question reads the few
vectors, postings and chunks it needs, so a loaded agent's memory hardly grows with the corpus
(benchmarks/RESULTS.md, "Scale").

>>> import tempfile
>>> from llama_index.core.schema import TextNode
>>> from rag.config import EmbeddingConfig, IndexConfig, RetrievalConfig
>>> from rag.index.embeddings import build_embedding, describe
>>> config = EmbeddingConfig()
>>> model = build_embedding(config)
>>> nodes = [TextNode(text="The server listens on port 7341.", metadata={"doc_id": "ports.md"}),
...          TextNode(text="Backups run every night.", metadata={"doc_id": "backups.md"})]
>>> index = DocsIndex.build(nodes, model, config, describe(config, model), IndexConfig())
>>> index.manifest.index_type, sorted(index.doc_ids())
('flat', ['backups.md', 'ports.md'])
>>> saved = index.save(tempfile.mkdtemp() + "/index")
>>> DocsIndex.load(saved).vectors([0])[0].shape
(384,)
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery

from rag.config import EmbeddingConfig, IndexConfig
from rag.index import pgvector
from rag.index.embeddings import EmbeddingInfo, build_embedding, embed_nodes
from rag.index.faiss_store import FaissStore, read_vectors
from rag.index.lexical import Bm25
from rag.index.manifest import (
    MANIFEST,
    MARKER,
    NODES,
    VECTORS,
    DocsIndexError,
    IndexManifest,
    IndexMismatchError,
    check_embedder,
    check_replaceable,
    read_manifest,
)
from rag.index.node_store import NodeStore
from rag.index.writer import IndexWriter


@dataclass
class DocsIndex:
    """A saved index folder, opened: FAISS vector store, node store, BM25, and the embedder."""

    folder: Path
    vector_store: BasePydanticVectorStore  # FaissStore, or LlamaIndex's PGVectorStore
    nodes: NodeStore
    manifest: IndexManifest
    embed_model: BaseEmbedding
    bm25: Bm25 | None = None

    @classmethod
    def build(
        cls,
        nodes: list[TextNode],
        embed_model: BaseEmbedding,
        embedding_config: EmbeddingConfig,
        info: EmbeddingInfo,
        config: IndexConfig,
    ) -> DocsIndex:
        """Embed nodes that lack vectors, then index them all in a temporary folder (see :meth:`save`)."""
        if not nodes:
            raise DocsIndexError("cannot build an index from zero chunks")
        embed_nodes(nodes, embed_model)
        folder = Path(tempfile.mkdtemp(prefix="agent-factory-index-"))
        writer = IndexWriter(folder, config, embedding_config, info)
        writer.add(nodes, np.asarray([n.embedding for n in nodes], dtype=np.float32))
        writer.finish()
        index = cls.load(folder)
        weakref.finalize(index, shutil.rmtree, folder, ignore_errors=True)  # the build's scratch copy
        return index

    def save(self, directory: str | Path, extra_files: dict[str, str] | None = None) -> Path:
        """Copy the index (and `extra_files`: name -> text) to ``directory`` atomically.

        Everything goes to a temporary sibling first, so a half-written index is never visible.
        An existing folder is replaced only when this tool wrote it (see :func:`check_replaceable`).
        """
        target = Path(directory).resolve()
        check_replaceable(target)
        if target == self.folder.resolve():
            raise DocsIndexError(f"{target}: the index is already there; save it to another folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        for path in self.index_files():
            if path.name != MANIFEST:
                shutil.copyfile(path, tmp / path.name)
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        (tmp / MANIFEST).write_text(self.manifest.model_dump_json(indent=2), encoding="utf-8")
        (tmp / MARKER).write_text("written by agent-factory; this folder is replaced on the next save\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
        return target

    def index_files(self) -> list[Path]:
        """The files that make up the index (not extra files saved beside it)."""
        names = {MANIFEST, VECTORS, NODES}
        return sorted(p for p in self.folder.iterdir() if p.name in names or p.name.startswith("bm25_"))

    @classmethod
    def load(cls, directory: str | Path, embedding_config: EmbeddingConfig | None = None) -> DocsIndex:
        """Open a saved index; refuse an embedder other than the one that made its vectors."""
        directory = Path(directory)
        manifest = read_manifest(directory)
        check_embedder(directory, manifest, embedding_config)
        embed_model = build_embedding(manifest.embedding_config)
        try:
            nodes = NodeStore(directory / NODES, read_only=True)
            stored = len(nodes)
            bm25 = Bm25.load(directory) if manifest.lexical else None
            store, vectors = _open_vectors(directory, manifest)
        except (
            RuntimeError,
            ValueError,
            KeyError,
            TypeError,
            OSError,
            EOFError,
            sqlite3.DatabaseError,
        ) as exc:
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise DocsIndexError(
                f"{directory}: the index files are damaged ({first}); rebuild the index"
            ) from exc
        if not vectors == stored == manifest.vectors:
            where = f"table {manifest.vector_table}" if manifest.vector_table else "the FAISS file"
            raise DocsIndexError(
                f"{directory}: the index disagrees with itself ({vectors} vectors in {where}, {stored} chunks, "
                f"manifest {manifest.vectors}); rebuild the index"
            )
        return cls(directory, store, nodes, manifest, embed_model, bm25)

    @property
    def docstore(self) -> NodeStore:
        """The chunks' texts and metadata by node id (a LlamaIndex docstore, on disk)."""
        return self.nodes

    def doc_ids(self) -> set[str]:
        """The ids of the documents this index holds chunks of."""
        return self.nodes.doc_ids()

    def dense(self, query: list[float], k: int) -> dict[int, float]:
        """Positions of the `k` nearest vectors and their cosine similarity, nearest first."""
        found = self.vector_store.query(VectorStoreQuery(query_embedding=query, similarity_top_k=k))
        ids, scores = found.ids or [], found.similarities or []
        if self.manifest.vector_table:  # pgvector answers with node ids
            positions = self.nodes.positions_of(ids)
            return {positions[i]: float(s) for i, s in zip(ids, scores, strict=True) if i in positions}
        return {int(i): float(s) for i, s in zip(ids, scores, strict=True)}

    def vectors(self, positions: list[int]) -> list[np.ndarray]:
        """The stored vectors at `positions`, in order."""
        if not positions:
            return []
        if not self.manifest.vector_table:
            return [self.vector_store.client.reconstruct(p) for p in positions]
        node_ids = self.nodes.node_ids_at(positions)
        found = pgvector.vectors_of(self.vector_store, node_ids)
        return [found[i] for i in node_ids]


def _open_vectors(directory: Path, manifest: IndexManifest) -> tuple[BasePydanticVectorStore, int]:
    """The vector store and how many vectors it holds: a FAISS file, or the recorded pgvector table."""
    dimension = manifest.embedding.dimension
    if manifest.vector_table and manifest.pgvector:
        store = pgvector.open_store(manifest.pgvector, manifest.vector_table, dimension)
        return store, pgvector.row_count(store)
    store = FaissStore(faiss_index=read_vectors(directory / VECTORS, manifest))
    if store.client.d != dimension:
        raise IndexMismatchError(
            f"{directory}: FAISS index has dimension {store.client.d}, manifest says {dimension}"
        )
    return store, store.client.ntotal
