"""Structural signals added to the search, measured on each half: which ones hold out of sample.

Run as ``python -m benchmarks.search_signals [ray|zenml] INDEX``: INDEX a folder saved from the
default build of that set. Each signal is one more ranking fused (reciprocal rank fusion) with
dense search and BM25, pages ranked with the settings ``tune`` chose on Ray (BM25 x1, page
weight 0.25), so what is measured is the signal's own addition:

- **titles**: BM25 over each chunk's page title, heading path and file path words alone
  (titles weighted apart from body text);
- **headings**: dense search over each chunk's heading path embedded alone;
- **pages**: dense search over page vectors (the mean of a page's chunk vectors), each page
  entering at its first chunk.

Prints one JSON object: per variant, page hit@5/10 and MRR@10 on both halves of tune's split
and the held-out MRR@10 difference to the search without signals with its paired interval.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from benchmarks.tuned_search import golden_set
from evaluation.page_hits import paired_interval, ranks_scores
from factory.tune import split
from rag.index.docs_index import DocsIndex
from rag.index.lexical import Bm25
from rag.retrieval.retrievers import page_by_page, reciprocal_rank_fusion

POOL, LEXICAL, PAGE_WEIGHT = 50, 1.0, 0.25
VARIANTS = {"no signal": {}, "titles x0.5": {"titles": 0.5}, "titles x1": {"titles": 1.0},
            "headings x0.5": {"headings": 0.5}, "headings x1": {"headings": 1.0},
            "pages x0.5": {"pages": 0.5}, "pages x1": {"pages": 1.0}}  # fmt: skip


def title_words(meta: dict) -> str:
    """A chunk's title, heading path and file path as words.

    >>> title_words({"title": "Ray Serve", "section": "Autoscaling", "path": "serve/scaling-and-resources.html"})
    'Ray Serve Autoscaling serve scaling and resources'
    """
    path = meta.get("path", "").rsplit(".", 1)[0]
    for mark in "/-_":
        path = path.replace(mark, " ")
    return " ".join(x for x in (meta.get("title", ""), meta.get("section", ""), path) if x)


class Signals:
    """The extra rankings over one index (built once; each question ranks against all three)."""

    def __init__(self, index: DocsIndex) -> None:
        n = len(index.nodes)
        ids = index.nodes.node_ids_at(range(n))
        metas = [node.metadata for s in range(0, n, 500) for node in index.nodes.get_nodes(ids[s : s + 500])]
        self.index, self.pages = index, [i.rsplit("#", 1)[0] for i in ids]
        self.titles = Bm25.build([title_words(m) for m in metas])
        heads = [" > ".join(x for x in (m.get("title", ""), m.get("section", "")) if x) or "-" for m in metas]
        self.headings = np.asarray(index.embed_model.get_text_embedding_batch(heads), dtype=np.float32)
        vectors = np.vstack(index.vectors(list(range(n))))
        self.page_names = sorted(set(self.pages))
        at = {p: i for i, p in enumerate(self.page_names)}
        self.page_vectors = np.zeros((len(self.page_names), vectors.shape[1]), dtype=np.float32)
        self.first: dict[str, int] = {}
        for position, page in enumerate(self.pages):
            self.page_vectors[at[page]] += vectors[position]
            self.first.setdefault(page, position)
        self.page_vectors /= np.linalg.norm(self.page_vectors, axis=1, keepdims=True)

    def rank(self, question: str, page: str, weights: dict[str, float]) -> int | None:
        query = np.asarray(self.index.embed_model.get_query_embedding(question), dtype=np.float32)
        rankings = [
            list(self.index.dense(query.tolist(), POOL)),
            [p for p, _ in self.index.bm25.search(question, POOL)],
        ]
        extra = {
            "titles": lambda: [p for p, _ in self.titles.search(question, POOL)],
            "headings": lambda: _top(self.headings @ query),
            "pages": lambda: [self.first[self.page_names[i]] for i in _top(self.page_vectors @ query)],
        }
        rankings += [extra[name]() for name in weights]
        fused = reciprocal_rank_fusion(rankings, 60, [1.0, LEXICAL, *weights.values()])
        order = page_by_page(fused, {p: self.pages[p] for p in fused}, PAGE_WEIGHT)
        found = list(dict.fromkeys(self.pages[p] for p in order))
        return found.index(page) + 1 if page in found else None


def _top(scores: np.ndarray) -> list[int]:
    top = np.argpartition(-scores, POOL)[:POOL]
    return [int(i) for i in top[np.argsort(-scores[top])]]


def main(name: str, index_dir: str) -> dict:
    index = DocsIndex.load(index_dir)
    signals = Signals(index)
    questions = golden_set(name, index.doc_ids()).questions
    held = np.isin([q.id for q in questions], split([q.id for q in questions])["held_out"])
    rows, base = [], None
    for variant, weights in VARIANTS.items():
        got = ranks_scores([signals.rank(q.question, q.reference_sources[0], weights) for q in questions])
        base = base or got
        rows.append({"variant": variant,
                     **{half: {m: float(v[mask].mean()) for m, v in got.items()} for half, mask in (("tune", ~held), ("held_out", held))},
                     "held_out_mrr_diff_ci": paired_interval(got["mrr@10"][held], base["mrr@10"][held])})  # fmt: skip
        print(rows[-1], file=sys.stderr, flush=True)
    return {"dataset": name, "rows": rows}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
