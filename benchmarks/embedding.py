"""Embedding stage: our embed step (LocalEmbedding through embed_nodes, as build_index runs
it: the ONNX export once it exists) against the raw sentence-transformers model encoding the
same chunks, same process."""

from __future__ import annotations

import time

from benchmarks.common import corpus_nodes
from rag.config import EmbeddingConfig
from rag.index.embeddings import build_embedding, embed_nodes, packaged_model_path


def bench_embedding(
    n_chunks: int, batch_sizes: tuple[int, ...] = (32, 64, 128), repeats: int = 2
) -> list[dict]:
    """Best-of-`repeats` chunks/s for raw encode and for our step, per batch size."""
    texts = [n.get_content(metadata_mode="embed") for n in corpus_nodes(n_chunks)]
    from sentence_transformers import SentenceTransformer

    raw_model = SentenceTransformer(packaged_model_path(), device="cpu")
    rows = []
    for batch in batch_sizes:
        model = build_embedding(EmbeddingConfig(batch_size=batch))
        raw_model.encode(texts[:batch], batch_size=batch)  # warm-up
        raw = min(
            _timed(raw_model.encode, texts, batch_size=batch, normalize_embeddings=True)
            for _ in range(repeats)
        )
        step = min(_timed(embed_nodes, corpus_nodes(n_chunks), model) for _ in range(repeats))
        rows.append({"batch_size": batch, "chunks": len(texts), "raw_chunks_per_s": len(texts) / raw,
                     "step_chunks_per_s": len(texts) / step, "ratio": raw / step})  # fmt: skip
    return rows


def _timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start
