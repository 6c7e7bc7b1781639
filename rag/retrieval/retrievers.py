"""The candidates of a search: dense search fused with BM25, optionally ranked page by page.

The whole search (steps such as rerankers, the top k) is assembled in rag/retrieval/search.py.

With ``page_weight`` set, pages are ranked, not only chunks: a page scores its best chunk's
fused score plus ``page_weight`` times its next two (a page matching in several sections is
more likely the one that answers), and chunks come page by page: the best chunk of each page
in page order, then each page's second chunk, and so on; the first ``top_k`` are distinct
pages. Measured on Ray's published docs and ZenML's (benchmarks/RESULTS.md, "Published HTML").

Scores stay cosine similarities (a BM25-only hit is scored against its stored vector), so
what `ask` prints and what thresholds read means the same with or without fusion.

>>> from llama_index.core.schema import TextNode
>>> from rag.config import EmbeddingConfig, IndexConfig
>>> from rag.index.docs_index import DocsIndex
>>> from rag.index.embeddings import build_embedding, describe
>>> model = build_embedding(EmbeddingConfig())
>>> nodes = [TextNode(text="The server listens on port 7341.", metadata={"doc_id": "ports.md"}),
...          TextNode(text="Backups run every night.", metadata={"doc_id": "backups.md"})]
>>> index = DocsIndex.build(nodes, model, EmbeddingConfig(), describe(EmbeddingConfig(), model), IndexConfig())
>>> from rag.config import RetrievalConfig
>>> DocsRetriever(index, RetrievalConfig(top_k=1)).retrieve("Which port?")[0].node.metadata["doc_id"]
'ports.md'
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag import tracing
from rag.config import RetrievalConfig
from rag.index.docs_index import DocsIndex

K = TypeVar("K")  # what is ranked: FAISS positions here, strings in the examples


def reciprocal_rank_fusion(
    rankings: list[list[K]], k: int, weights: list[float] | None = None
) -> dict[K, float]:
    """Each id's weighted sum of 1/(k + rank) over the rankings that hold them (Cormack et al. 2009), best first.

    >>> list(reciprocal_rank_fusion([["a", "b", "c"], ["b", "c"]], k=60))
    ['b', 'c', 'a']
    >>> list(reciprocal_rank_fusion([["a", "b"], ["b", "a"]], k=60, weights=[1.0, 2.0]))
    ['b', 'a']
    """
    scores: dict[K, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return dict(sorted(scores.items(), key=lambda item: -item[1]))


def page_by_page(fused: dict[K, float], page_of: dict[K, str], page_weight: float) -> list[K]:
    """Chunks (best first in `fused`) reordered page by page (see the module docstring).

    >>> page_by_page({"a1": 0.05, "b1": 0.04, "b2": 0.03, "a2": 0.001}, {"a1": "a", "a2": "a", "b1": "b", "b2": "b"}, 0.5)
    ['b1', 'a1', 'b2', 'a2']
    """
    per_page: dict[str, list[float]] = {}
    for key, score in fused.items():
        per_page.setdefault(page_of.get(key, str(key)), []).append(score)
    page_score = {page: s[0] + page_weight * sum(s[1:3]) for page, s in per_page.items()}
    page_rank = {page: rank for rank, page in enumerate(sorted(page_score, key=lambda p: -page_score[p]))}
    nth: dict[str, int] = {}
    place = {}
    for key in fused:
        page = page_of.get(key, str(key))
        place[key] = (nth.get(page, 0), page_rank[page])
        nth[page] = nth.get(page, 0) + 1
    return sorted(fused, key=lambda key: place[key])


class DocsRetriever(BaseRetriever):
    """Top-k chunks for a question over a DocsIndex (rag/index/): FAISS, fused with its BM25 when asked.

    Both searches give positions; only the chunks that make the top k are read from the node store.
    """

    def __init__(self, index: DocsIndex, config: RetrievalConfig) -> None:
        super().__init__()
        self.index, self.config = index, config

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        config, index = self.config, self.index
        if query_bundle.embedding is None:  # embedded once, for search and for scoring BM25 hits
            query_bundle.embedding = index.embed_model.get_query_embedding(query_bundle.query_str)
        query = np.asarray(query_bundle.embedding, dtype=np.float32)
        pool = max(config.candidates, config.top_k) * (3 if config.distinct_pages else 1)
        with tracing.span("dense search", "RETRIEVER", {"agent_factory.pool": pool}):
            scores = index.dense(query_bundle.embedding, pool)
            tracing.note({"agent_factory.found": len(scores)})
        rankings, weights = [list(scores)], [1.0]
        if index.bm25 is not None and config.hybrid:
            with tracing.span("lexical search", "RETRIEVER", {"agent_factory.pool": pool}):
                rankings.append([position for position, _ in index.bm25.search(query_bundle.query_str, pool)])
                tracing.note({"agent_factory.found": len(rankings[-1])})
            weights.append(config.lexical_weight)
        with tracing.span("fusion", "CHAIN", _fusion_settings(config)):
            order = self._fused(rankings, weights)
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

    def _fused(self, rankings: list[list[int]], weights: list[float]) -> list[int]:
        """Positions best first: the rankings fused, then grouped page by page when `page_weight` is set."""
        config = self.config
        fused = reciprocal_rank_fusion(rankings, config.rrf_k, weights)
        order = list(fused)
        if config.page_weight is not None:
            ids = self.index.nodes.node_ids_at(order)  # "<doc_id>#<n>": the page is in the id
            page_of = (
                dict(zip(order, (i.rsplit("#", 1)[0] for i in ids), strict=False))
                if len(ids) == len(order)
                else {}
            )
            order = page_by_page(fused, page_of, config.page_weight)
        tracing.note({"agent_factory.candidates": len(order)})
        return order

    def _keep(self, hit: NodeWithScore, kept: list[NodeWithScore]) -> bool:
        """Distinct pages: one chunk per document, and identical pages under two paths count once."""
        if not self.config.distinct_pages:
            return True
        meta = hit.node.metadata
        keys = {meta.get("doc_id"), meta.get("content_hash")} - {None}
        return not any(
            keys & {k.node.metadata.get("doc_id"), k.node.metadata.get("content_hash")} for k in kept
        )


def _fusion_settings(config: RetrievalConfig) -> dict[str, float | int]:
    settings = {"agent_factory.rrf_k": config.rrf_k, "agent_factory.lexical_weight": config.lexical_weight}
    return settings | (
        {"agent_factory.page_weight": config.page_weight} if config.page_weight is not None else {}
    )
