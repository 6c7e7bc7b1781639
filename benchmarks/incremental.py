"""Incremental rebuild: change 1% and 10% of the documents, rebuild with the embedding cache
(the previous index), and compare with a full rebuild of the same corpus, same process."""

from __future__ import annotations

import time

from benchmarks.common import corpus_nodes
from rag.config import ChunkingConfig, EmbeddingConfig, IndexConfig
from rag.index.docs_index import DocsIndex
from rag.index.embedding_cache import EmbeddingCache
from rag.index.embeddings import build_embedding, describe
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources.base import make_document


def _documents(n: int, changed: set[int]) -> list:
    texts = [node.text for node in corpus_nodes(n)]
    return [
        make_document(
            "docs",
            f"doc{i:04d}.md",
            f"Doc {i}",
            f"{text}\n\nDocument {i}{' (edited today)' if i in changed else ''}.",
        )
        for i, text in enumerate(texts)
    ]


def _build(docs: list, cache: EmbeddingCache | None) -> tuple[DocsIndex, float, int]:
    config = EmbeddingConfig()
    model = build_embedding(config)
    nodes = chunk_documents(docs, ChunkingConfig())
    start = time.perf_counter()
    reused = cache.fill(nodes, config) if cache else 0
    index = DocsIndex.build(nodes, model, config, describe(config, model), IndexConfig())
    return index, time.perf_counter() - start, len(nodes) - reused


def bench_incremental(n_docs: int) -> list[dict]:
    base, full_s, full_embedded = _build(_documents(n_docs, set()), None)
    cache = EmbeddingCache.from_index(base)
    rows = [{"changed": "full rebuild", "chunks_embedded": full_embedded, "seconds": full_s, "vs_full": 1.0}]
    for share in (0.01, 0.10):
        changed = set(range(0, n_docs, round(1 / share)))
        _, seconds, embedded = _build(_documents(n_docs, changed), cache)
        rows.append(
            {
                "changed": f"{share:.0%} of {n_docs} docs",
                "chunks_embedded": embedded,
                "seconds": seconds,
                "vs_full": seconds / full_s,
            }
        )
    return rows
