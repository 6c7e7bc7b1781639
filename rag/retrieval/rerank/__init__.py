"""Rerankers: search steps that score (question, passage) pairs with a cross-encoder.

``http`` calls a rerank endpoint (Cohere, Jina, vLLM, Infinity or Hugging Face TEI shapes);
``onnx`` runs a cross-encoder file the user supplies. Both are LlamaIndex node postprocessors
registered in SEARCH_STEPS (rag/providers.py); rag/retrieval/search.py runs them.
"""

from typing import Any

from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.errors import AgentFactoryError


class RerankError(AgentFactoryError):
    """A reranker could not score the candidates (an endpoint's failure, a model file's problem)."""


class Reranker(BaseNodePostprocessor):
    """Candidates ordered by a relevance score of (question, passage); their own scores stay cosine.

    A subclass says how to score (:meth:`relevance`); each passage is the start of a candidate's
    text, at most ``settings.max_chars`` (cross-encoders read ~512 tokens anyway).
    """

    settings: Any  # the subclass's settings model, with ``max_chars``

    def relevance(self, query: str, passages: list[str]) -> list[float]:
        raise NotImplementedError

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        if not nodes or query_bundle is None:
            return nodes
        passages = [hit.node.get_content()[: self.settings.max_chars] for hit in nodes]
        scores = self.relevance(query_bundle.query_str, passages)
        return [nodes[i] for i in sorted(range(len(nodes)), key=lambda i: -scores[i])]  # stable on ties
