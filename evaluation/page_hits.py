"""Page hit@k and MRR@10 of a search over golden questions: what ``tune`` and the benchmarks measure.

A question is found at the rank of the first of its reference pages among the pages of the
search's chunks, each page counted at its best chunk; past ``CHUNKS`` chunks it is not found.
Retrieval alone: no answer is written, so a whole golden set is scored in seconds.

>>> ranks_scores([1, 3, None])["mrr@10"].round(3).tolist()
[1.0, 0.333, 0.0]
>>> paired_interval(np.array([1.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0]))[1]
1.0
"""

from __future__ import annotations

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever

from evaluation.golden import GoldenQuestion

CHUNKS = 50  # chunks read per question: enough for ten distinct pages on docs sites measured here
METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10")


def page_ranks(search: BaseRetriever, questions: list[GoldenQuestion]) -> list[int | None]:
    """Each question's 1-based rank of its first reference page (None: not among the pages found)."""
    ranks = []
    for q in questions:
        pages = list(
            dict.fromkeys(
                h.node.metadata.get("doc_id", h.node.ref_doc_id) for h in search.retrieve(q.question)
            )
        )
        found = [pages.index(p) + 1 for p in q.reference_sources if p in pages]
        ranks.append(min(found) if found else None)
    return ranks


def ranks_scores(ranks: list[int | None]) -> dict[str, np.ndarray]:
    """Per-question hit@1/5/10 (0 or 1) and reciprocal rank within ten."""
    r = np.array([x or 10_000 for x in ranks])
    return {"hit@1": r <= 1, "hit@5": r <= 5, "hit@10": r <= 10, "mrr@10": np.where(r <= 10, 1 / r, 0.0)}


def paired_interval(ours: np.ndarray, base: np.ndarray, seed: int = 0, draws: int = 5000) -> list[float]:
    """95% paired bootstrap interval of mean(ours - base) over the same questions."""
    diff = ours.astype(float) - base.astype(float)
    idx = np.random.default_rng(seed).integers(0, len(diff), size=(draws, len(diff)))
    means = diff[idx].mean(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]
