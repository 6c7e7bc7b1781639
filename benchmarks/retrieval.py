"""Retrieval at scale: query latency and recall@10 of flat and HNSW FAISS indexes.

Vectors are shaped like sentence embeddings: topic clusters on the unit sphere whose points
vary along a few directions each (low intrinsic dimension, as real text embeddings do), plus
a little isotropic noise. Uniform random vectors have no near neighbours worth finding, so
recall on them says nothing.
"""

from __future__ import annotations

import os
import time

import faiss
import numpy as np

from benchmarks.common import peak_rss_mb, percentiles
from rag.config import IndexConfig
from rag.index.faiss_store import faiss_index

DIM = 384


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, rng: np.random.Generator, clusters: int = 1000, spread: float = 0.6) -> np.ndarray:
    centers = unit(rng.normal(size=(clusters, DIM)))
    labels = rng.integers(0, clusters, size=n)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):  # bounded memory while generating 1M vectors
        part = labels[start : start + 100_000]
        out[start : start + len(part)] = unit(
            centers[part] + spread * rng.normal(size=(len(part), DIM)) / np.sqrt(DIM)
        )
    return out


def _latency(index: faiss.Index, queries: np.ndarray) -> tuple[float, float]:
    times = []
    for q in queries:
        start = time.perf_counter()
        index.search(q[None, :], 10)
        times.append((time.perf_counter() - start) * 1000)
    return percentiles(times)


def _recall(index: faiss.Index, truth: np.ndarray, queries: np.ndarray) -> float:
    _, found = index.search(queries, 10)
    return float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)]))


def bench_scale(
    n: int, queries: int = 200, ef_search: tuple[int, ...] = (64, 128, 256, 512), seed: int = 0
) -> list[dict]:
    """Flat (with 1 and 2 OpenMP threads) vs HNSW at one corpus size; one row per setting.

    Indexes are built with every core; single queries are timed per thread setting, since
    OpenMP's hand-off can cost more than it saves for one query.
    """
    rng = np.random.default_rng(seed)
    data = clustered(n, rng)
    qs = clustered(queries, rng)
    flat = faiss_index("flat", data, IndexConfig())
    flat.add(data)
    _, truth = flat.search(qs, 10)
    hnsw = faiss_index("hnsw", data, IndexConfig())  # the shipped M and efConstruction
    start = time.perf_counter()
    hnsw.add(data)
    build = time.perf_counter() - start
    rows = []
    for threads in (2, 1):
        faiss.omp_set_num_threads(threads)
        p50, p95 = _latency(flat, qs)
        rows.append(
            {
                "n": n,
                "index": f"flat, {threads} thread(s)",
                "build_s": 0.0,
                "p50_ms": p50,
                "p95_ms": p95,
                "recall@10": 1.0,
            }
        )
    for ef in ef_search:
        hnsw.hnsw.efSearch = ef
        p50, p95 = _latency(hnsw, qs)
        rows.append({"n": n, "index": f"hnsw M={hnsw.hnsw.nb_neighbors(1)} ef={ef}, 1 thread", "build_s": build, "p50_ms": p50, "p95_ms": p95,
                     "recall@10": _recall(hnsw, truth, qs)})  # fmt: skip
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    rows += _ivf_rows(n, data, qs, truth)
    for row in rows:
        row["peak_rss_mb"] = peak_rss_mb()
    return rows


def _ivf_rows(n: int, data: np.ndarray, qs: np.ndarray, truth: np.ndarray) -> list[dict]:
    """IVF-Flat as the project builds it (lists, training sample and cap from rag.index)."""
    start = time.perf_counter()
    ivf = faiss_index("ivf", data, IndexConfig())
    ivf.add(data)
    nlist = ivf.nlist
    build = time.perf_counter() - start
    faiss.omp_set_num_threads(1)
    rows = []
    for nprobe in (16, 32, 64, 128):
        ivf.nprobe = nprobe
        p50, p95 = _latency(ivf, qs)
        rows.append({"n": n, "index": f"ivf nlist={nlist} nprobe={nprobe}, 1 thread", "build_s": build,
                     "p50_ms": p50, "p95_ms": p95, "recall@10": _recall(ivf, truth, qs)})  # fmt: skip
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    return rows


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(bench_scale(int(sys.argv[1]), queries=int(sys.argv[2]))))
