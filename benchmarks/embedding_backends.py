"""The packaged model on torch, ONNX fp32 and ONNX int8: throughput and retrieval parity, one run.

Run as ``python -m benchmarks.embedding_backends [MAX_DOCS]``; prints one JSON object. Every
backend embeds the same chunks of ZenML's docs (``../shared/datasets``) in this process, best
of two timed passes after a warm-up, then indexes them and ranks pages for the dev questions
(benchmarks/retrieval_quality.py): page hit@5 dense-only (the embedder alone) and with the
default retrieval (BM25 fused), with the paired 95% interval of the difference to torch.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from benchmarks.retrieval_quality import DATASETS, page_ranks
from evaluation.page_hits import paired_interval, ranks_scores
from rag.config import ChunkingConfig, EmbeddingConfig, IndexConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources import load_documents
from rag.ingest.sources.directory import DirectorySourceConfig

BACKENDS = ("torch", "onnx", "onnx_int8")


def main(max_docs: int | None = None) -> None:
    lines = (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()
    questions = [q | {"doc_id": f"zenml/{q['file']}"} for q in map(json.loads, lines)]
    named = {q["doc_id"] for q in questions}
    documents = load_documents([DirectorySourceConfig(name="zenml", path=DATASETS / "zenml-docs")])
    if max_docs:
        documents = sorted(documents, key=lambda d: (d.doc_id not in named, d.doc_id))[:max_docs]
    questions = [q for q in questions if q["doc_id"] in {d.doc_id for d in documents}]
    nodes = chunk_documents(documents, ChunkingConfig())
    texts = [n.get_content(metadata_mode="embed") for n in nodes]
    rows, base = [], None
    for backend in BACKENDS:
        config = EmbeddingConfig(backend=backend)
        model = build_embedding(config)
        model.get_text_embedding_batch(texts[:64])  # warm-up: load (and export/quantize) the model
        seconds, vectors = float("inf"), []
        for _ in range(2):
            start = time.perf_counter()
            vectors = model.get_text_embedding_batch(texts)
            seconds = min(seconds, time.perf_counter() - start)
        copies = [n.model_copy(update={"embedding": v}) for n, v in zip(nodes, vectors, strict=True)]
        index = DocsIndex.build(copies, model, config, describe(config, model), IndexConfig(type="flat"))
        got = {mode: ranks_scores(page_ranks(index, questions, {"hybrid": mode == "default"})[0])
               for mode in ("dense", "default")}  # fmt: skip
        base = base or (got, np.asarray(vectors))
        rows.append({
            "backend": backend, "chunks": len(texts), "chunks_per_s": len(texts) / seconds,
            "cosine_to_torch": float((np.asarray(vectors) * base[1]).sum(axis=1).mean()),
            **{f"{mode}_hit@5": float(got[mode]["hit@5"].mean()) for mode in got},
            **{f"{mode}_hit5_diff_ci": paired_interval(got[mode]["hit@5"], base[0][mode]["hit@5"]) for mode in got},
        })  # fmt: skip
        print(f"{backend}: {rows[-1]}", file=sys.stderr, flush=True)
    torch_speed = rows[0]["chunks_per_s"]
    for row in rows:
        row["speed_vs_torch"] = row["chunks_per_s"] / torch_speed
    print(json.dumps({"questions": len(questions), "documents": len(documents), "rows": rows}))


if __name__ == "__main__":
    main(int(sys.argv[1]) or None if len(sys.argv) > 1 else None)
