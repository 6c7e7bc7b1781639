"""A reranker behind HTTP: the rerank endpoints teams run, in their two request shapes.

- ``shape: documents`` (the default): ``{"model", "query", "documents": [...], "top_n"}`` ->
  ``{"results": [{"index", "relevance_score"}]}``: Cohere, Jina, vLLM (``/rerank``, ``/v1/rerank``),
  Infinity, LocalAI.
- ``shape: texts``: ``{"query", "texts": [...]}`` -> ``[{"index", "score"}]``: Hugging Face
  Text Embeddings Inference.

Either response shape is read whichever was asked. Keys, timeouts and retries work as for LLM
providers (rag/http.py): the key from ``api_key_env`` (sent as a Bearer token only when set) or
``api_key_secret``. A failure after the retries raises :class:`RerankError`: an answer or an
evaluation never silently falls back to another order than the one configured.

>>> settings = HttpRerankSettings(type="http_rerank", url="http://127.0.0.1:8080/rerank")
>>> settings.shape, settings.candidates, settings.api_key_env
('documents', 20, 'RERANK_API_KEY')
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
from pydantic import Field, PrivateAttr, field_validator

from rag.config import SearchStepSettings
from rag.http import RetryTransport
from rag.index.docs_index import DocsIndex
from rag.retrieval.rerank import Reranker, RerankError
from rag.secrets import api_key, redact_url
from rag.source_settings import no_credentials

MAX_RESPONSE_BYTES = 4_000_000  # a rerank answer for 500 passages is a few KB; more is not one


class HttpRerankSettings(SearchStepSettings):
    """Where the rerank endpoint is (the full URL of its rerank route) and how to call it."""

    type: Literal["http_rerank"] = "http_rerank"
    url: str = Field(pattern=r"^https?://")
    model: str | None = None
    shape: Literal["documents", "texts"] = "documents"
    api_key_env: str = Field("RERANK_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_key_secret: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+$")
    timeout_s: float = Field(30, gt=0, le=600)
    max_retries: int = Field(3, ge=0, le=10)
    max_chars: int = Field(2000, ge=100, le=100_000)

    _url = field_validator("url")(no_credentials)  # recorded with the version: no secret in it


class HttpRerank(Reranker):
    """Orders candidates by the endpoint's relevance scores (scores themselves stay cosine)."""

    settings: HttpRerankSettings
    _client: httpx.Client = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        timeout = httpx.Timeout(self.settings.timeout_s, connect=min(self.settings.timeout_s, 10.0))
        self._client = httpx.Client(transport=RetryTransport(self.settings.max_retries), timeout=timeout)

    @classmethod
    def class_name(cls) -> str:
        return "HttpRerank"

    def relevance(self, query: str, passages: list[str]) -> list[float]:
        scores = self._scores(query, passages)  # a passage the endpoint left out goes last
        return [scores.get(i, float("-inf")) for i in range(len(passages))]

    def _scores(self, query: str, texts: list[str]) -> dict[int, float]:
        s, where = self.settings, redact_url(self.settings.url)
        if s.shape == "texts":
            body: dict[str, Any] = {"query": query, "texts": texts, "raw_scores": False}
        else:
            body = {"query": query, "documents": texts, "top_n": len(texts)} | (
                {"model": s.model} if s.model else {}
            )
        key = api_key(s, "retrieval.steps.http_rerank", required=False)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            with self._client.stream("POST", s.url, json=body, headers=headers) as response:
                raw = _read_bounded(response, where)
        except httpx.HTTPError as exc:
            raise RerankError(f"reranker {where}: {type(exc).__name__}: {exc}") from None
        return parse_scores(raw, len(texts), where)


def _read_bounded(response: httpx.Response, where: str) -> bytes:
    if response.status_code != 200:
        raise RerankError(f"reranker {where}: HTTP {response.status_code}")
    raw = b""
    for part in response.iter_bytes():
        raw += part
        if len(raw) > MAX_RESPONSE_BYTES:
            raise RerankError(f"reranker {where}: response over {MAX_RESPONSE_BYTES} bytes")
    return raw


def parse_scores(raw: bytes, count: int, where: str) -> dict[int, float]:
    """Index -> score from either response shape; anything else is named in a RerankError.

    >>> parse_scores(b'{"results": [{"index": 1, "relevance_score": 0.9}, {"index": 0, "relevance_score": 0.1}]}', 2, "x")
    {1: 0.9, 0: 0.1}
    >>> parse_scores(b'[{"index": 0, "score": 2.5}]', 2, "x")
    {0: 2.5}
    >>> parse_scores(b"<html>", 2, "x")
    Traceback (most recent call last):
    ...
    rag.retrieval.rerank.RerankError: reranker x: the response is not JSON
    >>> parse_scores(b'[{"index": 7, "score": 1}]', 2, "http://r/rerank")
    Traceback (most recent call last):
    ...
    rag.retrieval.rerank.RerankError: reranker http://r/rerank: result 0 has no valid index and score (index 7 of 2 passages)
    """
    try:
        data = json.loads(raw)
    except ValueError:
        raise RerankError(f"reranker {where}: the response is not JSON") from None
    results = data.get("results") if isinstance(data, dict) else data
    if not isinstance(results, list):
        raise RerankError(f"reranker {where}: expected a list of results or {{'results': [...]}}")
    scores = {}
    for n, item in enumerate(results):
        index = item.get("index") if isinstance(item, dict) else None
        score = item.get("relevance_score", item.get("score")) if isinstance(item, dict) else None
        if not (isinstance(index, int) and 0 <= index < count and isinstance(score, int | float)):
            raise RerankError(
                f"reranker {where}: result {n} has no valid index and score (index {index} of {count} passages)"
            )
        scores[index] = float(score)
    return scores


def build(settings: HttpRerankSettings, index: DocsIndex) -> HttpRerank:
    """The SEARCH_STEPS factory."""
    return HttpRerank(settings=settings)


def check(where: str, settings: HttpRerankSettings, timeout_s: float) -> str:
    """Preflight: the endpoint scores one pair within `timeout_s`, no retries."""
    quick = settings.model_copy(update={"max_retries": 0, "timeout_s": min(settings.timeout_s, timeout_s)})
    HttpRerank(settings=quick)._scores("preflight", ["preflight"])
    return f"{redact_url(settings.url)} scored a pair"
