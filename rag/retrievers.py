"""The index's retriever: dense search, optionally fused with BM25, optionally one chunk per page.

Scores stay cosine similarities (a BM25-only hit is scored against its stored vector), so
what `ask` prints and what thresholds read means the same with or without fusion.

>>> from rag.config import RetrievalConfig
>>> RetrievalConfig().hybrid
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.config import RetrievalConfig


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int, weights: list[float] | None = None
) -> list[str]:
    """Ids ordered by the weighted sum of 1/(k + rank) over the rankings that hold them (Cormack et al. 2009).

    >>> reciprocal_rank_fusion([["a", "b", "c"], ["b", "c"]], k=60)
    ['b', 'c', 'a']
    >>> reciprocal_rank_fusion([["a", "b"], ["b", "a"]], k=60, weights=[1.0, 2.0])
    ['b', 'a']
    """
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda key: -scores[key])


class DocsRetriever(BaseRetriever):
    """Top-k chunks for a question over a DocsIndex (rag/index.py): FAISS, fused with its BM25 when asked.

    Both searches give positions; only the chunks that make the top k are read from the node store.
    """

    def __init__(self, index: Any, config: RetrievalConfig) -> None:
        super().__init__()
        self.index, self.config = index, config

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        config, index = self.config, self.index
        if query_bundle.embedding is None:  # embedded once, for search and for scoring BM25 hits
            query_bundle.embedding = index.embed_model.get_query_embedding(query_bundle.query_str)
        query = np.asarray(query_bundle.embedding, dtype=np.float32)
        pool = max(config.candidates, config.top_k) * (3 if config.distinct_pages else 1)
        scores = index.dense(query_bundle.embedding, pool)
        order = list(scores)
        if index.bm25 is not None and config.hybrid:
            lexical = [position for position, _ in index.bm25.search(query_bundle.query_str, pool)]
            order = reciprocal_rank_fusion([order, lexical], config.rrf_k, [1.0, config.lexical_weight])
        hits: list[NodeWithScore] = []
        step = config.top_k * 2  # read chunks a few at a time: most questions need only the first reads
        for start in range(0, len(order), step):
            positions = order[start : start + step]
            node_ids = index.nodes.node_ids_at(positions)
            # BM25-only hits are scored by the cosine similarity of their stored vectors: one read
            # for the slice (on pgvector each read is a round trip to the database)
            lexical_only = [p for p in positions if p not in scores]
            for position, vector in zip(lexical_only, index.vectors(lexical_only), strict=True):
                scores[position] = float(np.dot(vector, query))
            for position, node in zip(positions, index.nodes.get_nodes(node_ids), strict=True):
                hit = NodeWithScore(node=node, score=scores[position])
                if self._keep(hit, hits):
                    hits.append(hit)
                if len(hits) == config.top_k:
                    return hits
        return hits

    def _keep(self, hit: NodeWithScore, kept: list[NodeWithScore]) -> bool:
        """Distinct pages: one chunk per document, and identical pages under two paths count once."""
        if not self.config.distinct_pages:
            return True
        meta = hit.node.metadata
        keys = {meta.get("doc_id"), meta.get("content_hash")} - {None}
        return not any(
            keys & {k.node.metadata.get("doc_id"), k.node.metadata.get("content_hash")} for k in kept
        )
