"""FAISS: the index type a corpus gets, an empty index of that type, a saved one read memory-mapped."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import faiss
import numpy as np
from llama_index.vector_stores.faiss import FaissVectorStore

from rag.config import IndexConfig
from rag.index.manifest import IndexManifest


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


def read_vectors(path: Path, manifest: IndexManifest) -> faiss.Index:
    """The FAISS index, its vectors memory-mapped (flat and IVF): pages are read as searches touch them."""
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    if manifest.index_type == "ivf":
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = manifest.ivf_nprobe or ivf.nprobe
        ivf.make_direct_map()  # reconstruct() by position: scoring BM25-only hits, reusing vectors
    return index
