"""Retrieval quality on documentation nobody here wrote: ZenML's docs and 81 dev questions.

Run as ``python -m benchmarks.retrieval_quality [MAX_DOCS]`` (benchmarks/run.py does);
prints one JSON object. Every variant indexes the same corpus with the packaged model and
ranks pages for each question (chunks in retrieval order, each page counted at its first
chunk): page hit@1/5/10 and MRR@10, each against the plain baseline (1000-character windows,
dense search only) with a paired bootstrap 95% interval, plus build seconds, query p50/p95
and index size. ``MAX_DOCS`` keeps a subset (the smoke run) and the questions it answers.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from llama_index.core.schema import NodeRelationship, TextNode

from benchmarks.common import percentiles
from evaluation.page_hits import paired_interval, ranks_scores
from rag.config import ChunkingConfig, EmbeddingConfig, IndexConfig, RetrievalConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources import load_documents
from rag.ingest.sources.directory import DirectorySourceConfig
from rag.retrieval.search import DocsSearch

# The shared datasets (shared/datasets/README.md): AGENT_FACTORY_DATASETS, else ../shared/datasets.
DATASETS = Path(
    os.environ.get("AGENT_FACTORY_DATASETS") or Path(__file__).resolve().parents[2] / "shared" / "datasets"
)
POOL = 50  # chunks retrieved per question before pages are ranked
CHUNKS = {"page_weight": None}  # chunk order alone: every row but the last
VARIANTS = {  # name: (chunking, retrieval switches)
    "plain baseline (1000-char windows, dense)": ("windows", {"hybrid": False, **CHUNKS}),
    "sentence splitter, dense": ("plain", {"hybrid": False, **CHUNKS}),
    "structure-aware chunks": ("structure", {"hybrid": False, **CHUNKS}),
    "hybrid, equal weights (RRF k 60)": ("plain", {"hybrid": True, "lexical_weight": 1.0, **CHUNKS}),
    "hybrid, BM25 weighted 3": ("plain", {"hybrid": True, **CHUNKS}),
    "distinct pages": ("plain", {"hybrid": False, "distinct_pages": True, **CHUNKS}),
    "structure + hybrid (the default)": ("structure", {"hybrid": True, **CHUNKS}),
    "structure + hybrid + distinct pages": ("structure", {"hybrid": True, "distinct_pages": True, **CHUNKS}),
    "structure + hybrid, pages ranked (page_weight 0.5, BM25 x1.5)": (
        "structure", {"page_weight": 0.5, "lexical_weight": 1.5}),
}  # fmt: skip


def windows(documents: list, size: int = 1000) -> list[TextNode]:
    """The plain baseline: fixed character windows over the raw text, no structure."""
    nodes = []
    for doc in documents:
        for i, start in enumerate(range(0, len(doc.text), size)):
            node = TextNode(
                id_=f"{doc.doc_id}#{i}", text=doc.text[start : start + size], metadata=dict(doc.metadata)
            )
            node.excluded_embed_metadata_keys = list(node.metadata)
            node.relationships[NodeRelationship.SOURCE] = doc.as_related_node_info()
            nodes.append(node)
    return nodes


def page_ranks(
    index: DocsIndex, questions: list[dict], switches: dict
) -> tuple[list[int | None], list[float]]:
    """Rank (1-based, None if absent) of each question's page among the pages retrieved, and latencies."""
    retriever = DocsSearch.from_defaults(index, RetrievalConfig(top_k=POOL, candidates=POOL, **switches))
    ranks, seconds = [], []
    for q in questions:
        start = time.perf_counter()
        hits = retriever.retrieve(q["question"])
        seconds.append(time.perf_counter() - start)
        pages = list(dict.fromkeys(h.node.metadata["doc_id"] for h in hits))
        ranks.append(pages.index(q["doc_id"]) + 1 if q["doc_id"] in pages else None)
    return ranks, seconds


def main(max_docs: int | None = None) -> None:
    lines = (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()
    questions = [q | {"doc_id": f"zenml/{q['file']}"} for q in map(json.loads, lines)]
    named = {q["doc_id"] for q in questions}
    documents = load_documents([DirectorySourceConfig(name="zenml", path=DATASETS / "zenml-docs")])
    if max_docs:  # a subset: pages that questions name first, so some questions remain
        documents = sorted(documents, key=lambda d: (d.doc_id not in named, d.doc_id))[:max_docs]
    held = {d.doc_id for d in documents}
    questions = [q for q in questions if q["doc_id"] in held]
    embedding = EmbeddingConfig()
    model = build_embedding(embedding)
    info = describe(embedding, model)
    built: dict[str, tuple[DocsIndex, float, int]] = {}
    rows, base = [], None
    for name, (chunking, switches) in VARIANTS.items():
        if chunking not in built:
            start = time.perf_counter()
            nodes = windows(documents) if chunking == "windows" else chunk_documents(
                [d.model_copy(deep=True) for d in documents], ChunkingConfig(strategy=chunking))  # fmt: skip
            index = DocsIndex.build(nodes, model, embedding, info, IndexConfig(type="flat"))
            seconds = time.perf_counter() - start
            with tempfile.TemporaryDirectory() as tmp:
                size = sum(f.stat().st_size for f in index.save(Path(tmp) / "i").iterdir())
            built[chunking] = (index, seconds, size)
        index, build_s, size = built[chunking]
        ranks, latencies = page_ranks(index, questions, switches)
        got = ranks_scores(ranks)
        base = base or got
        p50, p95 = percentiles(latencies)
        rows.append({
            "variant": name, "chunks": index.manifest.vectors, "build_s": build_s, "index_mb": size / 1e6,
            "query_p50_ms": p50 * 1000, "query_p95_ms": p95 * 1000,
            **{m: float(v.mean()) for m, v in got.items()},
            "mrr_diff_ci": paired_interval(got["mrr@10"], base["mrr@10"]),
            "hit5_diff_ci": paired_interval(got["hit@5"], base["hit@5"]),
        })  # fmt: skip
        print(f"{name}: {rows[-1]}", file=sys.stderr, flush=True)
    print(json.dumps({"questions": len(questions), "documents": len(documents), "rows": rows}))


if __name__ == "__main__":
    main(int(sys.argv[1]) or None if len(sys.argv) > 1 else None)
