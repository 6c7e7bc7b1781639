"""Rerankers: search steps that score (question, passage) pairs with a cross-encoder.

``http`` calls a rerank endpoint (Cohere, Jina, vLLM, Infinity or Hugging Face TEI shapes);
``onnx`` runs a cross-encoder file the user supplies. Both are LlamaIndex node postprocessors
registered in SEARCH_STEPS (rag/providers.py); rag/retrieval/search.py runs them.
"""

from rag.errors import AgentFactoryError


class RerankError(AgentFactoryError):
    """A reranker could not score the candidates (an endpoint's failure, a model file's problem)."""


def passage(text: str, max_chars: int) -> str:
    """The start of a candidate's text, at most `max_chars` (cross-encoders read ~512 tokens anyway).

    >>> passage("abcdef", 4)
    'abcd'
    """
    return text[:max_chars]
