"""`agent-factory tune` on the shared sets: what a team gets by default, and by one tune command.

Run as ``python -m benchmarks.tuned_search [ray|zenml] [MAX_DOCS] [INDEX]`` (benchmarks/run.py
does); prints one JSON object. The set's pages are indexed with the defaults (structure-aware
chunks, packaged model; or INDEX, a folder saved from the same build, is loaded), its questions
become a golden set (the page each names), and factory/tune.py runs as the command does: the
split fixed by question ids, every setting of its grid scored on both halves, the best on the
tune half compared with the defaults on the held-out half. Plain dense search over the same
chunks is the baseline both are compared with, on the held-out half.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.html_quality import SETS
from benchmarks.retrieval_quality import DATASETS
from evaluation.config import GateConfig
from evaluation.golden import GoldenQuestion, GoldenSet
from evaluation.page_hits import CHUNKS, page_ranks, paired_interval, ranks_scores
from factory.tune import PRIMARY, split, tune
from rag.config import ChunkingConfig, EmbeddingConfig, IndexConfig, RetrievalConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources import load_documents
from rag.ingest.sources.directory import DirectorySourceConfig
from rag.retrieval.search import DocsSearch


def golden_set(name: str, doc_ids: set[str]) -> GoldenSet:
    """The set's questions whose page is indexed, each with that page as its reference."""
    _, question_file, source = SETS[name]
    rows = [json.loads(line) for line in (DATASETS / question_file).read_text().splitlines() if line]
    questions = [GoldenQuestion(id=r["id"], question=r["question"], reference_sources=[f"{source}/{r['file']}"])
                 for r in rows if f"{source}/{r['file']}" in doc_ids]  # fmt: skip
    return GoldenSet(name=question_file, content_hash="", questions=questions)


def source_config(name: str, max_docs: int | None) -> DirectorySourceConfig:
    """The shared set's pages as a directory source; `max_docs`: a subset, pages the questions name first."""
    folder, question_file, source = SETS[name]
    config = DirectorySourceConfig(name=source, path=DATASETS / folder)
    if max_docs:
        named = sorted(
            {json.loads(line)["file"] for line in (DATASETS / question_file).read_text().splitlines()}
        )
        config = config.model_copy(update={"include": named[:max_docs]})
    return config


def build(name: str, max_docs: int | None, chunking: ChunkingConfig | None = None) -> DocsIndex:
    nodes = chunk_documents(load_documents([source_config(name, max_docs)]), chunking or ChunkingConfig())
    embedding = EmbeddingConfig()
    model = build_embedding(embedding)
    return DocsIndex.build(nodes, model, embedding, describe(embedding, model), IndexConfig(type="flat"))


def held_out_scores(index: DocsIndex, golden: GoldenSet, settings: RetrievalConfig) -> dict[str, np.ndarray]:
    held = set(split([q.id for q in golden.questions])["held_out"])
    questions = [q for q in golden.questions if q.id in held]
    return ranks_scores(
        page_ranks(DocsSearch.from_defaults(index, settings.model_copy(update={"top_k": CHUNKS})), questions)
    )


def main(name: str, max_docs: int | None, index_dir: str | None) -> dict:
    start = time.perf_counter()
    index = DocsIndex.load(index_dir) if index_dir and Path(index_dir).is_dir() else build(name, max_docs)
    golden = golden_set(name, index.doc_ids())
    build_s, start = time.perf_counter() - start, time.perf_counter()
    result = tune(index, golden, RetrievalConfig(), GateConfig())
    tune_s = time.perf_counter() - start
    chosen = RetrievalConfig().model_copy(update=result.settings())
    held = {label: held_out_scores(index, golden, settings) for label, settings in
            [("plain", RetrievalConfig(hybrid=False)), ("default", RetrievalConfig()), ("tuned", chosen)]}  # fmt: skip
    outcome = {
        label: {m: float(v.mean()) for m, v in scores.items()}
        | {"mrr_vs_plain_ci": paired_interval(scores[PRIMARY], held["plain"][PRIMARY])}
        for label, scores in held.items()
    }
    return {"dataset": name, "documents": len(index.doc_ids()), "build_s": build_s, "tune_s": tune_s,
            "result": result.model_dump(mode="json"), "held_out": outcome}  # fmt: skip


if __name__ == "__main__":
    args = [*sys.argv[1:], None, None, None]
    report = main(args[0] or "ray", int(args[1]) if args[1] else None, args[2])
    print(json.dumps(report))
