"""Preflight against real HTTP peers on 127.0.0.1: a fake OpenAI-compatible server and a closed port."""

from __future__ import annotations

import pytest

from benchmarks.fake_openai import FakeOpenAI, Fault
from factory.config import AgentConfig
from rag.preflight import PreflightError, preflight
from tests.helpers import config_error, free_port


def config(**overrides) -> AgentConfig:
    return AgentConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}]} | overrides)


def failing(cfg: AgentConfig, timeout_s: float = 4.0) -> str:
    with pytest.raises(PreflightError) as info:
        preflight(cfg, timeout_s)
    return str(info.value)


def test_the_embedded_default_needs_nothing():
    assert [c.ok for c in preflight(config())] == [True, True]


def test_missing_key_fails_fast_naming_the_field(monkeypatch):
    monkeypatch.delenv("AF_NO_SUCH_KEY", raising=False)
    message = failing(
        config(llm={"provider": "openai", "model": "gpt-4o-mini", "api_key_env": "AF_NO_SUCH_KEY"})
    )
    assert "llm.api_key_env: environment variable AF_NO_SUCH_KEY is not set" in message


def test_unreachable_url_fails_fast():
    url = f"http://127.0.0.1:{free_port()}/v1"
    judge = {"llm": {"provider": "openai_like", "model": "m", "api_base": url}}
    message = failing(config(evaluation={"judge": judge}))
    assert f"evaluation.judge.llm.api_base: {url} is unreachable" in message


def test_unknown_model_and_rejected_key_are_named(monkeypatch):
    monkeypatch.setenv("AF_JUDGE_KEY", "sk-wrong")
    with FakeOpenAI(models=("judge-a", "judge-b"), api_key="sk-right") as server:
        unknown = {"provider": "openai_like", "model": "judge-c", "api_base": server.base_url}
        rejected = unknown | {"model": "judge-a", "api_key_env": "AF_JUDGE_KEY"}
        message = failing(config(llm=unknown, evaluation={"judge": {"llm": rejected}}))
    assert "rejected the API key from AF_JUDGE_KEY (HTTP 401)" in message
    assert "sk-wrong" not in message and "sk-right" not in message
    monkeypatch.setenv("AF_JUDGE_KEY", "sk-right")
    with FakeOpenAI(models=("judge-a", "judge-b"), api_key="sk-right") as server:
        llm = {
            "provider": "openai_like",
            "model": "judge-c",
            "api_base": server.base_url,
            "api_key_env": "AF_JUDGE_KEY",
        }
        message = failing(config(llm=llm))
    assert "llm.model: unknown model 'judge-c'" in message and "judge-a, judge-b" in message


def test_a_working_endpoint_gets_a_one_token_call():
    with FakeOpenAI(lambda request: "pong", models=("fake-judge", "fake-embed")) as server:
        llm = {"provider": "openai_like", "model": "fake-judge", "api_base": server.base_url}
        emb = {"provider": "openai_like", "model": "fake-embed", "api_base": server.base_url}
        checks = preflight(config(evaluation={"judge": {"llm": llm, "embedding": emb}}))
    assert [c.role for c in checks] == [
        "llm",
        "embedding",
        "evaluation.judge.llm",
        "evaluation.judge.embedding",
    ]
    chat = [r for r in server.requests if r.path.endswith("/chat/completions")]
    assert len(chat) == 1 and chat[0].body["max_tokens"] == 1
    assert any(r.path.endswith("/embeddings") for r in server.requests)


def test_llama_cpp_needs_a_gguf_file(tmp_path):
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_bytes(b"not a model")
    message = failing(config(llm={"provider": "llama_cpp", "model": "x", "model_path": str(not_gguf)}))
    assert "llm.model_path:" in message and "not a GGUF file" in message
    message = failing(
        config(llm={"provider": "llama_cpp", "model": "x", "model_path": str(tmp_path / "none.gguf")})
    )
    assert "not found" in message
    judge = {"llm": {"provider": "openai_like", "model": "m", "api_base": "http://127.0.0.1:9/v1"},
             "embedding": {"provider": "llama_cpp", "model": "x", "model_path": str(not_gguf)}}  # fmt: skip
    message = failing(config(evaluation={"judge": judge}))
    assert "evaluation.judge.embedding.model_path:" in message and "not a GGUF file" in message


def test_credentials_in_params_are_refused(tmp_path):
    message = config_error(
        tmp_path / "agent.yaml",
        "sources:\n  - type: directory\n    path: docs\nllm:\n  provider: openai\n  params:\n    api_key: sk-planted\n",
    )
    assert "agent.yaml:6: llm.params:" in message and "api_key_env" in message
    assert "sk-planted" not in message


def test_a_slow_server_is_told_from_a_dead_one():
    """A server that lists its models at once but needs longer than the liveness timeout for its first
    completion (llama.cpp on a slow CPU) passes within the endpoint's own timeout_s; one that never
    finishes is named as up but slow or stuck, never as not answering."""
    slow = lambda request: Fault(text="pong", delay_s=1.5)  # noqa: E731
    with FakeOpenAI(slow, models=("local",)) as server:
        llm = {"provider": "openai_like", "model": "local", "api_base": server.base_url, "timeout_s": 120}
        assert preflight(config(llm=llm), timeout_s=0.5)[0].ok
        stuck = llm | {"timeout_s": 0.5}
        message = failing(config(llm=stuck), timeout_s=0.5)
    assert "accepted the connection but did not finish POST /chat/completions" in message
    assert "up but slow or stuck; raise llm.timeout_s" in message
