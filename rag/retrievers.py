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
from rag.lexical import Bm25


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
    """Top-k chunks for a question over a VectorStoreIndex (and its BM25 index when given)."""

    def __init__(self, index: Any, bm25: Bm25 | None, config: RetrievalConfig) -> None:
        super().__init__()
        self.index, self.bm25, self.config = index, bm25, config
        self._faiss_ids: dict[str, int] | None = None

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        config = self.config
        if query_bundle.embedding is None:  # embedded once, for search and for scoring BM25 hits
            query_bundle.embedding = self.index._embed_model.get_query_embedding(query_bundle.query_str)
        pool = max(config.candidates, config.top_k) * (3 if config.distinct_pages else 1)
        dense = self.index.as_retriever(similarity_top_k=pool).retrieve(query_bundle)
        found = {hit.node.node_id: hit for hit in dense}
        order = list(found)
        if self.bm25 is not None and config.hybrid:
            lexical = [node_id for node_id, _ in self.bm25.search(query_bundle.query_str, pool)]
            order = reciprocal_rank_fusion([order, lexical], config.rrf_k, [1.0, config.lexical_weight])
        hits = []
        for node_id in order:
            hit = found.get(node_id) or self._scored(node_id, query_bundle.embedding)
            if hit is not None and self._keep(hit, hits):
                hits.append(hit)
            if len(hits) == config.top_k:
                break
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

    def _scored(self, node_id: str, query: list[float]) -> NodeWithScore | None:
        """A BM25-only hit with its cosine similarity, from the vector FAISS stores for it."""
        if self._faiss_ids is None:
            self._faiss_ids = {v: int(k) for k, v in self.index.index_struct.nodes_dict.items()}
        if node_id not in self._faiss_ids:
            return None
        vector = self.index.vector_store.client.reconstruct(self._faiss_ids[node_id])
        node = self.index.docstore.get_node(node_id)
        return NodeWithScore(node=node, score=float(np.dot(vector, np.asarray(query, dtype=np.float32))))
