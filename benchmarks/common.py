"""Shared helpers: percentiles, peak memory, machine description."""

from __future__ import annotations

import os
import platform
import resource
from importlib.metadata import version

import numpy as np


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def peak_rss_mb() -> float:
    """Peak resident memory of this process image (VmHWM; ru_maxrss would include the parent
    that forked it, since Linux keeps it across exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu() -> dict[str, str]:
    """The CPU's model and the widest int8 instructions it has: embedding speed hangs on them."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    wanted = [
        ("amx_int8", "AMX"),
        ("avx512_vnni", "AVX-512 VNNI"),
        ("avx_vnni", "AVX-VNNI"),
        ("avx2", "AVX2"),
    ]
    return {"cpu_model": model, "int8": next((name for flag, name in wanted if flag in flags), "none known")}


def machine() -> dict[str, str]:
    libs = ["faiss-cpu", "torch", "sentence-transformers", "llama-index-core", "zenml", "ragas"]
    return {
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        **cpu(),
        "cores": str(os.cpu_count()),
        "memory_gb": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f}",
        **{lib: version(lib) for lib in libs},
    }


def corpus_nodes(n_chunks: int) -> list:
    """`n_chunks` real ~1000-character chunks: the default corpus (docs/), repeated as needed."""
    from pathlib import Path

    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo

    from rag.config import ChunkingConfig
    from rag.ingest.chunking import chunk_documents
    from rag.ingest.sources import load_documents
    from rag.ingest.sources.directory import DirectorySourceConfig

    docs = load_documents([DirectorySourceConfig(path=Path(__file__).resolve().parents[1] / "docs")])
    base = chunk_documents(docs, ChunkingConfig())
    nodes = []
    while len(nodes) < n_chunks:
        for node in base[: n_chunks - len(nodes)]:
            copy = node.model_copy(deep=True)
            copy.id_ = f"{node.node_id}/{len(nodes)}"
            copy.embedding = None
            # One source document per copy, as in a real corpus (a shared one makes the docstore quadratic).
            copy.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(
                node_id=f"{node.ref_doc_id}/{len(nodes)}"
            )
            nodes.append(copy)
    return nodes
