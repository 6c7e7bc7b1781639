"""The HTTP reranker against a real server on 127.0.0.1.

The server is a scripted stand-in for a rerank endpoint (Cohere/Jina/vLLM's ``documents``
shape, TEI's ``texts`` shape): it scores a passage by how many of the question's words it
holds, records each request, and can be told to fail first or answer garbage.
"""

from __future__ import annotations

import json

import pytest
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.retrieval.rerank import RerankError
from rag.retrieval.rerank.http import HttpRerank, HttpRerankSettings
from tests.fakes import JsonPeer
from tests.helpers import free_port


class _Rerank:
    """The endpoint's script: requests seen, statuses to answer first, or a reply that is not one."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.failures: list[int] = []
        self.garbage: object = None
        self.peer: JsonPeer | None = None  # the server it runs in: its `headers` per request

    def __call__(self, method: str, path: str, raw: bytes) -> tuple[int, object]:
        body = json.loads(raw)
        self.requests.append(body)
        if self.failures:
            return self.failures.pop(0), {}
        if self.garbage is not None:
            return 200, self.garbage
        words = set(body["query"].lower().split())
        passages = body.get("documents") or body["texts"]
        scored = [(i, float(len(words & set(p.lower().split())))) for i, p in enumerate(passages)]
        if "texts" in body:
            return 200, [{"index": i, "score": s} for i, s in scored]
        return 200, {
            "results": [{"index": i, "relevance_score": s} for i, s in sorted(scored, key=lambda x: -x[1])]
        }


@pytest.fixture()
def script():
    return _Rerank()


@pytest.fixture()
def endpoint(script):
    peer = JsonPeer(script)
    script.peer = peer
    yield f"{peer.base}/v1/rerank"
    peer.close()


def _hits() -> list[NodeWithScore]:
    texts = ["install the widget", "the spare gasket for the pump", "release notes"]
    return [
        NodeWithScore(node=TextNode(id_=f"d{i}", text=t), score=0.5 - i / 10) for i, t in enumerate(texts)
    ]


def _rerank(url: str, **settings) -> list[str]:
    step = HttpRerank(settings=HttpRerankSettings(url=url, **settings))
    return [
        h.node.node_id for h in step.postprocess_nodes(_hits(), query_bundle=QueryBundle("spare gasket pump"))
    ]


@pytest.mark.parametrize("shape", ["documents", "texts"])
def test_candidates_come_back_in_the_endpoints_order(endpoint, script, shape, monkeypatch):
    monkeypatch.delenv("RERANK_API_KEY", raising=False)
    assert _rerank(endpoint, shape=shape, model="bge-reranker") == ["d1", "d0", "d2"]
    sent = script.requests[0]
    assert sent["query"] == "spare gasket pump" and "Authorization" not in script.peer.headers[0]
    if shape == "documents":
        assert sent["documents"][1] == "the spare gasket for the pump"
        assert sent["model"] == "bge-reranker" and sent["top_n"] == 3
    else:
        assert sent["texts"][1] == "the spare gasket for the pump" and "model" not in sent


def test_the_key_is_sent_as_a_bearer_token_and_passages_are_cut(endpoint, script, monkeypatch):
    monkeypatch.setenv("TEAM_RERANK_KEY", "sk-rerank-123")
    _rerank(endpoint, api_key_env="TEAM_RERANK_KEY", max_chars=100)
    assert script.peer.headers[0]["Authorization"] == "Bearer sk-rerank-123"
    assert max(len(p) for p in script.requests[0]["documents"]) <= 100


def test_transient_failures_are_retried(endpoint, script):
    script.failures = [503, 429]
    assert _rerank(endpoint, max_retries=2) == ["d1", "d0", "d2"]
    assert len(script.requests) == 3


@pytest.mark.parametrize(
    ("garbage", "message"),
    [("<html>", "expected a list of results"), ({"data": 1}, "expected a list of results"),
     ([{"index": 9, "score": 1}], "result 0 has no valid index")],
)  # fmt: skip
def test_a_malformed_answer_is_an_error_naming_the_endpoint(endpoint, script, garbage, message):
    script.garbage = garbage
    with pytest.raises(RerankError, match=f"reranker {endpoint}: .*{message}"):
        _rerank(endpoint)


def test_failures_after_the_retries_are_errors_never_another_order(endpoint, script):
    script.failures = [500, 500]
    with pytest.raises(RerankError, match="HTTP 500"):
        _rerank(endpoint, max_retries=1)
    with pytest.raises(RerankError, match="ConnectError"):
        _rerank(f"http://127.0.0.1:{free_port()}/rerank", max_retries=0)


def test_a_url_with_a_credential_is_refused():
    with pytest.raises(ValueError, match="carries a credential"):
        HttpRerankSettings(url="https://user:pw@rerank.example.com/rerank")


def test_preflight_asks_the_endpoint_once_and_names_the_step(endpoint, script):
    from rag.config import RagConfig
    from rag.preflight import PreflightError, preflight

    def config(url: str) -> RagConfig:
        return RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}],
                                         "retrieval": {"steps": [{"type": "http_rerank", "url": url}]}})  # fmt: skip

    checks = preflight(config(endpoint))
    assert checks[-1].role == "retrieval.steps.0" and checks[-1].ok and len(script.requests) == 1
    with pytest.raises(
        PreflightError, match=r"retrieval.steps.0: reranker http://127.0.0.1:\d+/rerank: ConnectError"
    ):
        preflight(config(f"http://127.0.0.1:{free_port()}/rerank"))
