"""The index: FAISS vectors, chunks in SQLite, BM25 — built, saved, loaded from disk; no pickle.

A saved index is a folder: ``vectors.faiss`` (the FAISS index, memory-mapped on load),
``nodes.sqlite`` (the chunks' texts and metadata: rag/node_store.py, read per question),
``bm25_*`` (the lexical index, memory-mapped) and ``manifest.json`` (the embedder, so loading
rebuilds the same one). Loading reads the manifest and maps files; a question reads the few
vectors, postings and chunks it needs, so a loaded agent's memory hardly grows with the corpus
(benchmarks/RESULTS.md, "Scale").

>>> import tempfile
>>> from llama_index.core.schema import TextNode
>>> from rag.config import EmbeddingConfig, IndexConfig, RetrievalConfig
>>> from rag.embeddings import build_embedding, describe
>>> config = EmbeddingConfig()
>>> model = build_embedding(config)
>>> nodes = [TextNode(text="The server listens on port 7341.", metadata={"doc_id": "ports.md"}),
...          TextNode(text="Backups run every night.", metadata={"doc_id": "backups.md"})]
>>> index = DocsIndex.build(nodes, model, config, describe(config, model), IndexConfig())
>>> index.manifest.index_type, sorted(index.doc_ids())
('flat', ['backups.md', 'ports.md'])
>>> saved = index.save(tempfile.mkdtemp() + "/index")
>>> DocsIndex.load(saved).retrieve("Which port?", top_k=1)[0].node.metadata["doc_id"]
'ports.md'
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import faiss
import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, TextNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery
from llama_index.vector_stores.faiss import FaissVectorStore
from pydantic import BaseModel

from rag import pgvector
from rag.config import EmbeddingConfig, IndexConfig, PgVectorConfig, RetrievalConfig
from rag.embeddings import EmbeddingInfo, build_embedding, embed_nodes, identity
from rag.errors import AgentFactoryError
from rag.lexical import Bm25, Bm25Builder
from rag.node_store import NodeStore
from rag.retrievers import DocsRetriever

MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
NODES = "nodes.sqlite"
MARKER = ".agent-factory-index"  # written into every saved index: only such folders are ever replaced
FORMAT_VERSION = 2  # 1: LlamaIndex's JSON docstore, read whole on load
BATCH = 10_000  # chunks written to the node store per transaction


class DocsIndexError(AgentFactoryError):
    """A saved index cannot be used: missing, of another format, or built with another embedder."""


class IndexMismatchError(DocsIndexError):
    """The index was built with another embedder than the one asked for."""


class IndexManifest(BaseModel):
    """Everything needed to reload an index and to describe it in metadata."""

    format_version: int = FORMAT_VERSION
    embedding: EmbeddingInfo
    embedding_config: EmbeddingConfig
    index_type: Literal["flat", "ivf", "hnsw", "pgvector"]
    vectors: int
    documents: int
    hnsw_ef_search: int | None = None
    ivf_nprobe: int | None = None
    lexical: bool = True  # a BM25 index (rag/lexical.py) is saved alongside
    pgvector: PgVectorConfig | None = None  # where the vectors live when index_type is pgvector
    vector_table: str | None = None  # ... and in which table (rag/pgvector.py)


class FaissStore(FaissVectorStore):
    """FaissVectorStore whose single queries run on one thread.

    faiss parallelises a single query with OpenMP; on two cores the hand-off costs more than
    it saves (flat, 20k vectors: p95 2.8 ms on one thread vs 18 ms on two; benchmarks/).
    """

    def query(self, query, **kwargs):  # type: ignore[no-untyped-def]
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return super().query(query, **kwargs)
        finally:
            faiss.omp_set_num_threads(threads)


def choose_index_type(config: IndexConfig, vectors: int) -> Literal["flat", "ivf", "hnsw", "pgvector"]:
    """Exact search until the corpus is large enough for an approximate index to pay off (benchmarks/)."""
    if config.type != "auto":
        return config.type
    return "ivf" if vectors > config.auto_approximate_above else "flat"


def faiss_index(kind: str, vectors: np.ndarray, config: IndexConfig) -> faiss.Index:
    """An empty (IVF: trained) FAISS index of `kind` for `vectors`; the benchmarks build with it too."""
    # Inner product on L2-normalised vectors is cosine similarity.
    n, dimension = vectors.shape
    if kind == "flat":
        return faiss.IndexFlatIP(dimension)
    if kind == "ivf":
        nlist = max(1, min(int(4 * np.sqrt(n)), n // 39))  # faiss wants >= 39 training points per list
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(n, min(n, 50 * nlist), replace=False)
        index.train(vectors[sample])
        index.nprobe = config.ivf_nprobe
        return index
    index = faiss.IndexHNSWFlat(dimension, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = config.hnsw_ef_construction
    index.hnsw.efSearch = config.hnsw_ef_search
    return index


class IndexWriter:
    """Writes an index folder batch by batch: chunks go to SQLite as they come, vectors at the end.

    >>> import tempfile
    >>> from llama_index.core.schema import TextNode
    >>> from rag.config import EmbeddingConfig
    >>> from rag.embeddings import EmbeddingInfo
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
        on_batch=None,
    ) -> DocsIndex:
        """Embed nodes that lack vectors, then index them all in a temporary folder (see :meth:`save`)."""
        if not nodes:
            raise DocsIndexError("cannot build an index from zero chunks")
        embed_nodes(nodes, embed_model, on_batch)
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
        _check_embedder(directory, manifest, embedding_config)
        embed_model = build_embedding(manifest.embedding_config)
        try:
            nodes = NodeStore(directory / NODES, read_only=True)
            stored = len(nodes)
            bm25 = Bm25.load(directory) if manifest.lexical else None
            store, vectors = _open_vectors(directory, manifest)
        except (RuntimeError, ValueError, KeyError, TypeError, OSError, sqlite3.DatabaseError) as exc:
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

    def retriever(self, config: RetrievalConfig) -> DocsRetriever:
        """The tool's retriever: dense, fused with BM25 when `config.hybrid` (rag/retrievers.py)."""
        return DocsRetriever(self, config)

    def retrieve(
        self, query: str, top_k: int = 4, config: RetrievalConfig | None = None
    ) -> list[NodeWithScore]:
        config = (config or RetrievalConfig()).model_copy(update={"top_k": top_k})
        return self.retriever(config).retrieve(query)


def _open_vectors(directory: Path, manifest: IndexManifest) -> tuple[BasePydanticVectorStore, int]:
    """The vector store and how many vectors it holds: a FAISS file, or the recorded pgvector table."""
    dimension = manifest.embedding.dimension
    if manifest.vector_table and manifest.pgvector:
        store = pgvector.open_store(manifest.pgvector, manifest.vector_table, dimension)
        return store, pgvector.row_count(store)
    store = FaissStore(faiss_index=_read_vectors(directory / VECTORS, manifest))
    if store.client.d != dimension:
        raise IndexMismatchError(
            f"{directory}: FAISS index has dimension {store.client.d}, manifest says {dimension}"
        )
    return store, store.client.ntotal


def _read_vectors(path: Path, manifest: IndexManifest) -> faiss.Index:
    """The FAISS index, its vectors memory-mapped (flat and IVF): pages are read as searches touch them."""
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    if manifest.index_type == "ivf":
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = manifest.ivf_nprobe or ivf.nprobe
        ivf.make_direct_map()  # reconstruct() by position: scoring BM25-only hits, reusing vectors
    return index


def _check_embedder(directory: Path, manifest: IndexManifest, asked: EmbeddingConfig | None) -> None:
    """The index's vectors came from `asked` (when given), and its model has not changed since."""
    recorded = manifest.embedding_config
    if asked and (asked.provider, asked.model) != (recorded.provider, recorded.model):
        raise IndexMismatchError(
            f"{directory}: index was built with embedding {recorded.provider}/{recorded.model} "
            f"({manifest.embedding.dimension}-d) but the config asks for "
            f"{asked.provider}/{asked.model}; rebuild the index"
        )
    made_by = manifest.embedding.identity
    if not made_by:  # built before identities were recorded: provider and model are all we know
        return
    if asked and identity(asked) != made_by:
        raise IndexMismatchError(
            f"{directory}: index vectors were made by embedder {made_by}, the config asks for "
            f"{identity(asked)}; rebuild the index"
        )
    if identity(recorded) != made_by:
        raise IndexMismatchError(
            f"{directory}: the embedding model changed since the index was built ({made_by}, now "
            f"{identity(recorded)}); rebuild the index"
        )


def check_replaceable(target: Path) -> None:
    """Refuse to replace anything but a missing folder, an empty one, or one this tool wrote.

    Saving replaces the target folder whole; a folder without the marker may hold a user's
    files (a corpus, the working directory), and is never deleted.
    """
    target = target.resolve()
    if not target.exists():
        return
    if Path.cwd().resolve().is_relative_to(target):
        raise DocsIndexError(
            f"{target}: is the working directory or holds it; choose a new folder for the index"
        )
    if not target.is_dir() or target.is_symlink():
        raise DocsIndexError(f"{target}: exists and is not a folder; choose a new folder for the index")
    if any(target.iterdir()) and not (target / MARKER).is_file():
        raise DocsIndexError(
            f"{target}: folder exists and was not written by agent-factory (no {MARKER}); "
            "its files are left as they are: choose a new or empty folder"
        )


def read_manifest(directory: Path) -> IndexManifest:
    path = directory / MANIFEST
    if not path.is_file():
        raise DocsIndexError(f"{directory}: not a saved index (no {MANIFEST})")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format_version") == 1:
        raise DocsIndexError(
            f"{directory}: written by an older agent-factory (index format 1, read whole into memory); "
            "rebuild it with this version (`agent-factory build` or `agent-factory index`)"
        )
    if data.get("format_version") != FORMAT_VERSION:
        raise DocsIndexError(f"{path}: unsupported index format_version {data.get('format_version')}")
    return IndexManifest.model_validate(data)
