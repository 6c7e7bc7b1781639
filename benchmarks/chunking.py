"""Chunking stays linear on hostile input: each case chunked at N and at 4N characters.

Growth is t(4N) / (4 * t(N)) in the same process: 1.0 is linear, 4.0 would be quadratic. The
baseline row is ordinary Markdown (paragraphs, headings, code) of the same sizes.
"""

from __future__ import annotations

import time

from rag.config import ChunkingConfig
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources.base import make_document

PARAGRAPH = "Install the package with pip. Then run the pipeline once to check the store works.\n\n"
CASES = {
    "ordinary Markdown (baseline)": lambda n: (
        ("## Section\n\n" + PARAGRAPH * 6 + "```\ncode line\n```\n\n") * (n // 600)
    ),
    "one line, no spaces": lambda n: "x" * n,
    "one paragraph of 'A. ' sentences": lambda n: "A. " * (n // 3),
    "headings only": lambda n: "# h\n" * (n // 4),
    "unclosed fences": lambda n: "```\n" * (n // 4),
    "table rows without a header": lambda n: "| a | b |\n" * (n // 10),
}


def _seconds(text: str) -> tuple[float, int]:
    doc = make_document("docs", "page.md", "Page", text)
    start = time.perf_counter()
    nodes = chunk_documents([doc], ChunkingConfig())
    return time.perf_counter() - start, len(nodes)


def bench_chunking(n_chars: int) -> list[dict]:
    rows = []
    for name, make in CASES.items():
        small, _ = _seconds(make(n_chars))
        large, chunks = _seconds(make(4 * n_chars))
        rows.append({"case": name, "chars": 4 * n_chars, "chunks": chunks, "seconds": large,
                     "growth": large / (4 * small)})  # fmt: skip
    return rows
