"""Published HTML read as a person reads it: Ray's Sphinx site and its 85 real user questions.

Run as ``python -m benchmarks.html_quality [ray|zenml] [MAX_DOCS]`` (benchmarks/run.py does);
prints one JSON object. The project's default chunks and search (structure-aware chunks of
the page's main content, hybrid BM25 + dense) against the plain baseline (the same main
text in 1000-character windows, dense only), with the packaged model, in the same run:
page hit@1/5/10 and MRR@10 with paired bootstrap intervals, section hit@5 for questions
whose URL names a section (one of the first five chunks lies in that section), chunks per
page, the share of chunks carrying the site's chrome, and build seconds.

Chrome strings are learned from the site itself: any line of at least 16 characters found
in half the pages' full text (navigation, theme buttons, footers), plus the strings a user
reported on Ray's pages.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from bs4 import BeautifulSoup

from benchmarks.retrieval_quality import DATASETS, windows
from evaluation.page_hits import paired_interval, ranks_scores
from rag.config import ChunkingConfig, EmbeddingConfig, IndexConfig, RetrievalConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources import load_documents
from rag.ingest.sources.directory import DirectorySourceConfig
from rag.retrieval.search import DocsSearch

SETS = {  # name: (folder, questions, source name)
    "ray": ("ray-docs", "ray-questions-dev.jsonl", "ray"),
    "zenml": ("zenml-docs", "zenml-questions-dev.jsonl", "zenml"),
}
REPORTED = ["Toggle navigation sidebar", "Toggle in-page Table of Contents", "Theme by the Executable Book Project",
            "suggest edit", "# Ray 3.0.0.dev0", "Permalink to this", "¶"]  # fmt: skip
POOL = 50  # chunks retrieved per question before pages are ranked
VARIANTS = [  # name, chunking, retrieval switches
    ("plain baseline (1000-char windows, dense)", "windows", {"hybrid": False, "page_weight": None}),
    ("default: structure-aware chunks, hybrid (BM25 x3), chunk order", "structure", {}),
    ("pages ranked: page_weight 0.5, BM25 x1.5", "structure", {"page_weight": 0.5, "lexical_weight": 1.5}),
]  # fmt: skip


def chrome_strings(folder: Path, pages: list[Path]) -> list[str]:
    """Lines of >= 16 characters in at least half the pages' full text, plus the reported ones.

    Shorter lines are left out: a nav label of two words ("Key Concepts") is also a card's title
    inside the content of the pages it links to.
    """
    if not pages:
        return REPORTED
    counts: Counter[str] = Counter()
    for page in pages:
        text = BeautifulSoup(page.read_bytes(), "lxml").get_text("\n")
        counts.update({line.strip() for line in text.splitlines() if len(line.strip()) >= 16})
    return sorted({line for line, n in counts.items() if n >= len(pages) / 2} | set(REPORTED))


def has_chrome(text: str, chrome: list[str]) -> bool:
    """A reported string anywhere, or a learned one as a whole line (a nav label is also a heading's words)."""
    lines = {line.strip() for line in text.splitlines()}
    return any(s in text for s in REPORTED) or not lines.isdisjoint(chrome)


def ranks(index: DocsIndex, questions: list[dict], switches: dict) -> tuple[list[int | None], list[bool]]:
    """Each question's page rank (1-based, None past the pool) and whether a top-5 chunk is in its section."""
    retriever = DocsSearch.from_defaults(index, RetrievalConfig(top_k=POOL, candidates=POOL, **switches))
    page_ranks, section_hits = [], []
    for q in questions:
        hits = retriever.retrieve(q["question"])
        pages = list(dict.fromkeys(h.node.metadata["doc_id"] for h in hits))
        page_ranks.append(pages.index(q["doc_id"]) + 1 if q["doc_id"] in pages else None)
        section_hits.append(any(
            h.node.metadata["doc_id"] == q["doc_id"] and q["anchor"] in h.node.metadata.get("anchors", "").split()
            for h in hits[:5]
        ))  # fmt: skip
    return page_ranks, section_hits


def main(name: str = "ray", max_docs: int | None = None) -> None:
    folder, question_file, source = SETS[name]
    root = DATASETS / folder
    questions = []
    for q in map(json.loads, (DATASETS / question_file).read_text().splitlines()):
        questions.append(q | {"doc_id": f"{source}/{q['file']}", "anchor": q["url"].partition("#")[2]})
    config = DirectorySourceConfig(name=source, path=root)
    if max_docs:  # a subset, read alone: pages that questions name first, so some questions remain
        named = sorted({q["file"] for q in questions})
        config = config.model_copy(update={"include": named[:max_docs]})
    start = time.perf_counter()
    documents = load_documents([config])
    load_s = time.perf_counter() - start
    held = {d.doc_id for d in documents}
    questions = [q for q in questions if q["doc_id"] in held]
    html_pages = [root / d.metadata["path"] for d in documents if d.metadata["path"].endswith(".html")]
    chrome = chrome_strings(root, html_pages[:: max(1, len(html_pages) // 300)])  # a sample of 300 pages
    embedding = EmbeddingConfig()
    model = build_embedding(embedding)
    rows, base, built = [], None, {}
    for variant, chunking, switches in VARIANTS:
        if chunking not in built:  # each chunking built once, its seconds on the first row using it
            start = time.perf_counter()
            copies = [d.model_copy(deep=True) for d in documents]
            nodes = windows(copies) if chunking == "windows" else chunk_documents(copies, ChunkingConfig())
            index = DocsIndex.build(
                nodes, model, embedding, describe(embedding, model), IndexConfig(type="flat")
            )
            built[chunking] = (index, nodes, time.perf_counter() - start + load_s)
        index, nodes, build_s = built[chunking]
        page_ranks, section_hits = ranks(index, questions, switches)
        got, anchored = (
            ranks_scores(page_ranks),
            [h for h, q in zip(section_hits, questions, strict=True) if q["anchor"]],
        )
        base = base or got
        rows.append({
            "variant": variant, "chunks": len(nodes), "chunks_per_page": len(nodes) / len(documents),
            "chrome_chunks": sum(has_chrome(n.text, chrome) for n in nodes) / len(nodes),
            "build_s": build_s, **{m: float(v.mean()) for m, v in got.items()},
            "section_hit@5": float(np.mean(anchored)) if anchored else None, "anchored": len(anchored),
            "mrr_diff_ci": paired_interval(got["mrr@10"], base["mrr@10"]),
            "hit5_diff_ci": paired_interval(got["hit@5"], base["hit@5"]),
        })  # fmt: skip
        print(f"{variant}: {rows[-1]}", file=sys.stderr, flush=True)
    report = {"dataset": name, "questions": len(questions), "documents": len(documents), "rows": rows}
    print(json.dumps(report | {"chrome_strings": len(chrome)}))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ray", int(sys.argv[2]) if len(sys.argv) > 2 else None)
