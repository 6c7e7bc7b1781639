"""A loaded agent at 10k-1M chunks: load time, memory, retrieval with text (``python -m benchmarks.scale``).

The corpus is generated so 1M chunks build in minutes: real ~1000-character chunks of this
project's docs, each with a line of its own ("Record 123: part 123 is kept in aisle 26."),
and precomputed vectors (the real chunk's vector, jittered and normalised) instead of
embedding a million texts. Each measurement runs in a fresh process, so memory is its own:

    python -m benchmarks.scale build N FOLDER         # FOLDER/flat and FOLDER/ivf (shared chunks)
    python -m benchmarks.scale query FOLDER/flat Q    # load, Q questions, then the agent; JSON
    python -m benchmarks.scale write-baseline N FOLDER  # the same chunks as LlamaIndex's JSON docstore
    python -m benchmarks.scale baseline FOLDER        # ... loaded into memory, as before the node store
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import corpus_nodes, peak_rss_mb, percentiles
from rag.retrieval.search import DocsSearch

PG_URL = "AGENT_FACTORY_PGVECTOR_URL"  # set (benchmarks/run.py starts a server): a pgvector copy is built too
PG_MAX = 100_000  # pgvector builds HNSW row by row: a million rows take hours on two cores
QUESTIONS = [
    "How do I install Agent Factory?",
    "What is the default chunk size?",
    "How is a new version promoted to production?",
    "Which embedding providers can I use?",
    "How do I serve the production agent?",
]


def rss_mb() -> float:
    """Resident memory now (file pages mapped in count too: that is what the machine must hold)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


def _generated(n: int, base: list, vectors: np.ndarray, start: int, stop: int) -> tuple[list, np.ndarray]:
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    rng = np.random.default_rng(start)
    nodes, rows = [], []
    for i in range(start, min(stop, n)):
        doc = f"generated/{i // 10:06d}.md"
        source = base[i % len(base)]
        node = TextNode(
            id_=f"{doc}#{i % 10}",
            text=f"{source.text}\n\nRecord {i}: part {i} is kept in aisle {i % 97}.",
            metadata={
                "doc_id": doc,
                "title": f"Page {i // 10}",
                "section": source.metadata.get("section", ""),
            },
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc)
        nodes.append(node)
        rows.append(i % len(base))
    jittered = vectors[rows] + rng.normal(scale=0.02, size=(len(rows), vectors.shape[1])).astype(np.float32)
    return nodes, jittered / np.linalg.norm(jittered, axis=1, keepdims=True)


def build(n: int, folder: Path) -> dict:
    """FOLDER/flat (exact search) and FOLDER/ivf (the same chunks and BM25, hard-linked; IVF vectors)."""
    import faiss

    from rag.config import EmbeddingConfig, IndexConfig
    from rag.index.embeddings import build_embedding, describe, embed_nodes
    from rag.index.faiss_store import faiss_index
    from rag.index.manifest import MANIFEST, NODES, VECTORS
    from rag.index.writer import IndexWriter

    config = EmbeddingConfig()
    model = build_embedding(config)
    base = corpus_nodes(120)
    embed_nodes(base, model)
    vectors = np.asarray([b.embedding for b in base], dtype=np.float32)
    flat = folder / "flat"
    flat.mkdir(parents=True)
    start = time.perf_counter()
    writer = IndexWriter(flat, IndexConfig(type="flat"), config, describe(config, model))
    for begin in range(0, n, 50_000):
        nodes, rows = _generated(n, base, vectors, begin, begin + 50_000)
        writer.add(nodes, rows)
    manifest = writer.finish()
    flat_s = time.perf_counter() - start
    ivf = folder / "ivf"
    ivf.mkdir()
    start = time.perf_counter()
    all_vectors = np.vstack(writer.vectors)
    index = faiss_index("ivf", all_vectors, IndexConfig())
    index.add(all_vectors)
    faiss.write_index(index, str(ivf / VECTORS))
    for path in flat.iterdir():
        if path.name not in (VECTORS, MANIFEST):
            os.link(path, ivf / path.name)
    ivf_manifest = manifest.model_copy(update={"index_type": "ivf", "ivf_nprobe": IndexConfig().ivf_nprobe})
    (ivf / MANIFEST).write_text(ivf_manifest.model_dump_json(indent=2))
    ivf_s = time.perf_counter() - start
    pg_s = (
        _pgvector_copy(flat, folder / "pgvector", manifest, all_vectors)
        if os.environ.get(PG_URL) and n <= PG_MAX
        else None
    )
    sizes = {p.name: p.stat().st_size / 2**20 for p in flat.iterdir()}
    return {
        "n": n,
        "build_flat_s": flat_s,
        "build_ivf_extra_s": ivf_s,
        "build_pgvector_extra_s": pg_s,
        "nodes_mb": sizes[NODES],
        "vectors_mb": sizes[VECTORS],
        "bm25_mb": sum(v for k, v in sizes.items() if k.startswith("bm25_")),
    }


def _pgvector_copy(flat: Path, target: Path, manifest, vectors: np.ndarray) -> float:
    """FOLDER/pgvector: the same chunks and BM25 (hard links), vectors in a pgvector table."""
    from rag.config import PgVectorConfig
    from rag.index import pgvector
    from rag.index.manifest import BATCH, MANIFEST, NODES, VECTORS
    from rag.index.node_store import NodeStore

    target.mkdir()
    for path in flat.iterdir():
        if path.name not in (VECTORS, MANIFEST):
            os.link(path, target / path.name)
    start = time.perf_counter()
    config = PgVectorConfig(url_env=PG_URL, table=f"bench_{len(vectors)}")
    nodes = NodeStore(target / NODES)
    table = pgvector.table_for(config, manifest.embedding.identity, nodes.text_hashes())
    store = pgvector.open_store(config, table, vectors.shape[1])
    batches = ((nodes.get_nodes(nodes.node_ids_at(range(i, i + BATCH))), vectors[i : i + BATCH])
               for i in range(0, len(vectors), BATCH))  # fmt: skip
    pgvector.fill(store, len(vectors), batches)
    update = {"index_type": "pgvector", "pgvector": config, "vector_table": table}
    (target / MANIFEST).write_text(manifest.model_copy(update=update).model_dump_json(indent=2))
    return time.perf_counter() - start


def _queries(count: int, n: int) -> list[str]:
    rng = np.random.default_rng(1)
    parts = [f"Where is part {int(k)} kept?" for k in rng.integers(0, n, count)]
    return [QUESTIONS[i % len(QUESTIONS)] if i % 2 else parts[i] for i in range(count)]


def query(folder: Path, count: int) -> dict:
    """Load the index in this fresh process, retrieve (dense + BM25, texts read) `count` times, then chat."""
    from llama_index.core.schema import QueryBundle

    from factory.config import AgentConfig
    from rag.agent.spec import AgentSpec, open_session
    from rag.config import RetrievalConfig
    from rag.index.docs_index import DocsIndex
    from rag.index.embeddings import build_embedding
    from rag.index.manifest import read_manifest

    manifest = read_manifest(folder)
    model = build_embedding(manifest.embedding_config)
    questions = _queries(2 * count, manifest.vectors)  # the first half warms the page cache up
    vectors = model.get_text_embedding_batch(questions)  # the question's embedding is not the store's cost
    before = rss_mb()
    start = time.perf_counter()
    index = DocsIndex.load(folder)
    load_s = time.perf_counter() - start
    loaded = rss_mb()
    latency, found = {}, 0
    for mode in ("dense", "hybrid"):
        retriever = DocsSearch.from_defaults(index, RetrievalConfig(hybrid=mode == "hybrid"))
        times = []
        for i, (question, vector) in enumerate(zip(questions, vectors, strict=True)):
            start = time.perf_counter()
            hits = retriever.retrieve(QueryBundle(query_str=question, embedding=vector))
            if i >= count:
                times.append((time.perf_counter() - start) * 1000)
                found += bool(hits and hits[0].node.text)
        latency |= dict(zip((f"{mode}_p50_ms", f"{mode}_p95_ms"), percentiles(times), strict=True))
    queried = rss_mb()
    config = AgentConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}]})
    with open_session(AgentSpec.from_config(config), index) as session:
        for question in QUESTIONS:
            session.ask(question)
    return {
        "index_type": manifest.index_type,
        "load_s": load_s,
        "rss_before_load_mb": before,
        "rss_loaded_mb": loaded,
        "rss_after_queries_mb": queried,
        "rss_agent_mb": rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        **latency,
        "answered": found / (2 * count),
    }


def write_baseline(n: int, folder: Path) -> None:
    """The same chunks as LlamaIndex's in-memory JSON docstore: how every index was stored before."""
    from llama_index.core.storage.docstore import SimpleDocumentStore

    base = corpus_nodes(120)
    store = SimpleDocumentStore()
    for begin in range(0, n, 50_000):
        store.add_documents(
            _generated(n, base, np.zeros((len(base), 384), np.float32), begin, begin + 50_000)[0]
        )
    store.persist(str(folder / "docstore.json"))


def baseline(folder: Path) -> dict:
    """Load time and memory of the in-memory docstore, in a fresh process."""
    from llama_index.core.storage.docstore import SimpleDocumentStore

    before = rss_mb()
    start = time.perf_counter()
    loaded = SimpleDocumentStore.from_persist_path(str(folder / "docstore.json"))
    return {"load_s": time.perf_counter() - start, "rss_mb": rss_mb() - before, "nodes": len(loaded.docs)}


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "build":
        out = build(int(args[0]), Path(args[1]))
    elif command == "query":
        out = query(Path(args[0]), int(args[1]))
    elif command == "write-baseline":
        out = write_baseline(int(args[0]), Path(args[1])) or {}
    else:
        out = baseline(Path(args[0]))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
