"""The packaged model on ONNX fp32 and int8 (and torch on ZenML): throughput and retrieval parity, one run.

Run as ``python -m benchmarks.embedding_backends MAX_DOCS [SET ...]``; prints one JSON object. A SET is
``zenml`` or ``ray`` (the shared sets with their own questions) or ``NAME=FOLDER``: any docs folder
(Markdown or HTML), questions generated from its pages offline (evaluation/generation/, 120 answerable
ones, as ``golden generate --offline`` writes them; refusals have no page to rank). For each set the
chunks are embedded by every backend in this process (timed after a warm-up on 64 chunks), indexed,
and the pages ranked for the questions (evaluation/page_hits.py): hit@5 and MRR@10 dense-only (the
embedder alone) and with the default retrieval (BM25 fused), each with the paired 95% interval of
its difference to ONNX fp32. torch runs on ZenML only: fp32 ONNX is its export, equal within 1e-5
(tests/rag/index/test_onnx_encoder.py), and it is the slowest by far. ``onnx before fusion`` is the
graph as exported before attention and layer norms were fused (rag/index/onnx_encoder.py ``_fuse``),
timed on the same texts: the same vectors, so only its throughput is reported; so is ``onnx_int8 one
text at a time``, int8 as it ran before texts went side by side on the cores.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np

from benchmarks.tuned_search import golden_set, source_config
from evaluation.generation.generate import golden_question
from evaluation.generation.offline import offline_drafts
from evaluation.generation.passages import section_passages
from evaluation.generation.spread import spread
from evaluation.golden import GoldenQuestion
from evaluation.page_hits import page_ranks, paired_interval, ranks_scores
from rag.config import ChunkingConfig, EmbeddingConfig, IndexConfig, RetrievalConfig
from rag.index import onnx_encoder
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe, packaged_model_path
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources import load_documents
from rag.ingest.sources.directory import DirectorySourceConfig
from rag.retrieval.search import DocsSearch

GENERATED = 120
METRICS = ("hit@5", "mrr@10")
MODES = {"dense": {"hybrid": False}, "default": {}}


def _pages(spec: str, max_docs: int | None) -> tuple[str, list, list[GoldenQuestion] | None]:
    """(set name, documents, its own questions or None)."""
    if "=" in spec:
        name, folder = spec.split("=", 1)
        return name, load_documents([DirectorySourceConfig(name=name, path=Path(folder))]), None
    return spec, load_documents([source_config(spec, max_docs)]), []


def _questions(
    name: str, documents: list, own: list | None, doc_ids: set[str]
) -> tuple[str, list[GoldenQuestion]]:
    if own is not None:
        return "the set's own", [
            q for q in golden_set(name, doc_ids).questions if set(q.reference_sources) & doc_ids
        ]
    drafts = offline_drafts(section_passages(documents))
    return "generated offline", [golden_question(d) for d in spread(drafts, GENERATED, per_page=2)]


def _unfused_speed(texts: list[str]) -> float:
    """Chunks a second through the graph as it was exported before fusion (a temporary cache)."""
    from sentence_transformers import SentenceTransformer

    path = packaged_model_path()
    with tempfile.TemporaryDirectory() as cache, mock.patch.dict("os.environ", {"AGENT_FACTORY_CACHE_DIR": cache}), \
            mock.patch.object(onnx_encoder, "_fuse", lambda *_: None):  # fmt: skip
        model = SentenceTransformer(path, device="cpu", local_files_only=True)
        encoder = onnx_encoder.OnnxEncoder(path, onnx_encoder.export(path, model[0].auto_model))
        encoder.encode(texts[:64])
        start = time.perf_counter()
        encoder.encode(texts, 64)
        return len(texts) / (time.perf_counter() - start)


def _int8_in_turn_speed(texts: list[str]) -> float:
    """Chunks a second through int8 as it ran before texts went side by side: one text at a time,
    spread over ONNX Runtime's own threads (rag/index/onnx_encoder.py ``_side_by_side``)."""
    import onnxruntime

    path = packaged_model_path()
    graph = onnx_encoder.quantize(path)
    encoder = onnx_encoder.OnnxEncoder(path, graph, one_at_a_time=True)
    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.enable_cpu_mem_arena = False
    encoder.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
    encodings = encoder.tokenizer.encode_batch(texts)
    for encoding in encodings[:64]:
        encoder._forward([encoding])
    start = time.perf_counter()
    for encoding in encodings:
        encoder._forward([encoding])
    return len(texts) / (time.perf_counter() - start)


def measure(spec: str, max_docs: int | None) -> dict:
    name, documents, own = _pages(spec, max_docs)
    nodes = chunk_documents(documents, ChunkingConfig())
    kind, questions = _questions(name, documents, own, {d.doc_id for d in documents})
    texts = [n.get_content(metadata_mode="embed") for n in nodes]
    backends = ("torch", "onnx", "onnx_int8") if name == "zenml" else ("onnx", "onnx_int8")
    rows, scored = [], {}
    for backend in backends:
        config = EmbeddingConfig(backend=backend)
        model = build_embedding(config)
        model.get_text_embedding_batch(texts[:64])  # warm-up: load (and export/quantize) the model
        start = time.perf_counter()
        vectors = np.asarray(model.get_text_embedding_batch(texts), dtype=np.float32)
        seconds = time.perf_counter() - start
        copies = [n.model_copy(update={"embedding": v.tolist()}) for n, v in zip(nodes, vectors, strict=True)]
        index = DocsIndex.build(copies, model, config, describe(config, model), IndexConfig(type="flat"))
        scored[backend] = (vectors, {mode: ranks_scores(page_ranks(DocsSearch.from_defaults(
            index, RetrievalConfig(**switches, top_k=50, candidates=50)), questions)) for mode, switches in MODES.items()})  # fmt: skip
        rows.append({"backend": backend, "chunks_per_s": len(texts) / seconds})
        print(f"{name} {backend}: {len(texts) / seconds:.1f} chunks/s", file=sys.stderr, flush=True)
    rows.append({"backend": "onnx_int8 one text at a time", "chunks_per_s": _int8_in_turn_speed(texts)})
    rows.insert(0, {"backend": "onnx before fusion", "chunks_per_s": _unfused_speed(texts)})
    print(f"{name} unfused: {rows[0]['chunks_per_s']:.1f} chunks/s", file=sys.stderr, flush=True)
    base_vectors, base = scored["onnx"]
    for row in rows:
        row["speed_vs_before"] = row["chunks_per_s"] / rows[0]["chunks_per_s"]
        if row["backend"] not in scored:
            continue
        vectors, got = scored[row["backend"]]
        row["cosine_to_onnx"] = float((vectors * base_vectors).sum(axis=1).mean())
        for mode in MODES:
            for metric in METRICS:
                row[f"{mode} {metric}"] = float(got[mode][metric].mean())
                row[f"{mode} {metric} diff CI"] = paired_interval(got[mode][metric], base[mode][metric])
    return {"set": name, "documents": len(documents), "chunks": len(texts), "questions": len(questions),
            "question_kind": kind, "rows": rows}  # fmt: skip


if __name__ == "__main__":
    max_docs = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    sets = sys.argv[2:] or ["zenml"]
    print(json.dumps({"sets": [measure(spec, max_docs or None) for spec in sets]}))
