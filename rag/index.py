"""The FAISS-backed LlamaIndex ``VectorStoreIndex``: build, save, load — no pickle.

On disk a saved index is the LlamaIndex storage context (``default__vector_store.json``
is the FAISS binary despite its name; the docstore and index store are JSON) plus
``manifest.json`` recording the embedder, so loading rebuilds the same one.

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
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import faiss
import numpy as np
from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, TextNode
from llama_index.core.storage.docstore.types import BaseDocumentStore
from llama_index.vector_stores.faiss import FaissVectorStore
from pydantic import BaseModel

from rag.config import EmbeddingConfig, IndexConfig, RetrievalConfig
from rag.embeddings import EmbeddingInfo, build_embedding, embed_nodes, identity
from rag.errors import AgentFactoryError
from rag.lexical import Bm25
from rag.retrievers import DocsRetriever

MANIFEST = "manifest.json"
MARKER = ".agent-factory-index"  # written into every saved index: only such folders are ever replaced
FORMAT_VERSION = 1


class DocsIndexError(AgentFactoryError):
    """A saved index cannot be used: missing, of another format, or built with another embedder."""


class IndexMismatchError(DocsIndexError):
    """The index was built with another embedder than the one asked for."""


class IndexManifest(BaseModel):
    """Everything needed to reload an index and to describe it in metadata."""

    format_version: int = FORMAT_VERSION
    embedding: EmbeddingInfo
    embedding_config: EmbeddingConfig
    index_type: Literal["flat", "ivf", "hnsw"]
    vectors: int
    documents: int
    hnsw_ef_search: int | None = None
    ivf_nprobe: int | None = None
    lexical: bool = False  # a BM25 index (rag/lexical.py) is saved alongside; older indexes have none


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


def choose_index_type(config: IndexConfig, vectors: int) -> Literal["flat", "ivf", "hnsw"]:
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
        index.make_direct_map()  # lets the embedding cache reconstruct vectors
        return index
    index = faiss.IndexHNSWFlat(dimension, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = config.hnsw_ef_construction
    index.hnsw.efSearch = config.hnsw_ef_search
    return index


@dataclass
class DocsIndex:
    """A VectorStoreIndex over FAISS, with the manifest that describes it."""

    index: VectorStoreIndex
    manifest: IndexManifest
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
        """Embed nodes that lack vectors, then index them all."""
        if not nodes:
            raise DocsIndexError("cannot build an index from zero chunks")
        embed_nodes(nodes, embed_model, on_batch)
        kind = choose_index_type(config, len(nodes))
        vectors = np.asarray([n.embedding for n in nodes], dtype=np.float32)
        store = FaissStore(faiss_index=faiss_index(kind, vectors, config))
        storage = StorageContext.from_defaults(vector_store=store)
        index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed_model)
        manifest = IndexManifest(
            embedding=info,
            embedding_config=embedding_config,
            index_type=kind,
            vectors=len(nodes),
            documents=len({n.ref_doc_id for n in nodes}),
            hnsw_ef_search=config.hnsw_ef_search if kind == "hnsw" else None,
            ivf_nprobe=config.ivf_nprobe if kind == "ivf" else None,
            lexical=True,
        )
        bm25 = Bm25.build([n.get_content(metadata_mode="embed") for n in nodes], [n.node_id for n in nodes])
        return cls(index=index, manifest=manifest, bm25=bm25)

    def save(self, directory: str | Path, extra_files: dict[str, str] | None = None) -> Path:
        """Write the index (and `extra_files`: name -> text) to ``directory`` atomically.

        Everything goes to a temporary sibling first, so a half-written index is never visible.
        An existing folder is replaced only when this tool wrote it (see :func:`check_replaceable`).
        """
        target = Path(directory).resolve()
        check_replaceable(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        self.index.storage_context.persist(persist_dir=str(tmp))
        if self.bm25 is not None:
            self.bm25.save(tmp)
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        (tmp / MANIFEST).write_text(self.manifest.model_dump_json(indent=2), encoding="utf-8")
        (tmp / MARKER).write_text("written by agent-factory; this folder is replaced on the next save\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
        return target

    @classmethod
    def load(cls, directory: str | Path, embedding_config: EmbeddingConfig | None = None) -> DocsIndex:
        """Load a saved index; refuse an embedder other than the one that made its vectors."""
        directory = Path(directory)
        manifest = read_manifest(directory)
        _check_embedder(directory, manifest, embedding_config)
        embed_model = build_embedding(manifest.embedding_config)
        try:
            store = FaissStore.from_persist_dir(str(directory))
            if manifest.index_type == "ivf":
                ivf = faiss.extract_index_ivf(store.client)
                ivf.nprobe = manifest.ivf_nprobe or ivf.nprobe
                ivf.make_direct_map()
            storage = StorageContext.from_defaults(vector_store=store, persist_dir=str(directory))
            with _without_langchain_bridge():
                index = load_index_from_storage(storage, embed_model=embed_model)
        except (RuntimeError, ValueError, KeyError, TypeError, OSError) as exc:  # faiss: RuntimeError
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise DocsIndexError(
                f"{directory}: the index files are damaged ({first}); rebuild the index"
            ) from exc
        if store.client.d != manifest.embedding.dimension:
            raise IndexMismatchError(
                f"{directory}: FAISS index has dimension {store.client.d}, manifest says "
                f"{manifest.embedding.dimension}"
            )
        bm25 = Bm25.load(directory) if manifest.lexical else None
        return cls(index=index, manifest=manifest, bm25=bm25)

    @property
    def embed_model(self) -> BaseEmbedding:
        return self.index._embed_model

    @property
    def docstore(self) -> BaseDocumentStore:
        """The chunks' texts and metadata by node id."""
        return self.index.docstore

    def doc_ids(self) -> set[str]:
        """The ids of the documents this index holds chunks of."""
        return {node.metadata.get("doc_id", node.ref_doc_id) for node in self.index.docstore.docs.values()}

    def retriever(self, config: RetrievalConfig) -> DocsRetriever:
        """The tool's retriever: dense, fused with BM25 when `config.hybrid` (rag/retrievers.py)."""
        return DocsRetriever(self.index, self.bm25, config)

    def retrieve(
        self, query: str, top_k: int = 4, config: RetrievalConfig | None = None
    ) -> list[NodeWithScore]:
        config = (config or RetrievalConfig()).model_copy(update={"top_k": top_k})
        return self.retriever(config).retrieve(query)


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


@contextmanager
def _without_langchain_bridge() -> Iterator[None]:
    """Skip LlamaIndex's LangChain import (0.7 s of a cold `ask`) made to ask whether the embedder is LangChain's.

    Ours never is. With the module set to None, `from ... import` raises ImportError, which
    LlamaIndex takes as "LangChain absent"; the entry is removed afterwards, so nothing else changes.
    """
    name = "llama_index.core.bridge.langchain"
    if name in sys.modules:
        yield
        return
    sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get(name, False) is None:
            del sys.modules[name]


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
    if data.get("format_version") != FORMAT_VERSION:
        raise DocsIndexError(f"{path}: unsupported index format_version {data.get('format_version')}")
    return IndexManifest.model_validate(data)
