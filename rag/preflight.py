"""Preflight: before a pipeline starts, check that every endpoint the config names answers.

For each role (the agent's LLM and embeddings, the judge's LLM and embeddings) the
provider's registered ``preflight`` check runs (rag/providers.py; plugins bring their own):

- :func:`check_remote` (``openai``, ``openai_like``): the key is where the config says (and
  present when the provider ``needs_key``); ``GET /models`` answers (no retries, a few
  seconds at most) and lists the model; a one-token call succeeds.
- :func:`check_gguf` (``llama_cpp``): the ``llamacpp`` extra is installed and the file is GGUF.
- no check (``local``, ``extractive``): nothing to reach.
- each search step of ``retrieval.steps`` whose plugin has a ``preflight``: a reranker endpoint
  scores one pair (no retries), an ONNX cross-encoder loads and scores one pair.

Problems are collected, not raised one by one: :class:`PreflightError` names each field
(``evaluation.judge.llm.api_base: ...``), so a broken config costs seconds, not a failed step.

>>> from rag.config import RagConfig
>>> cfg = RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}]})
>>> [c.role for c in preflight(cfg)]
['llm', 'embedding']
"""

from __future__ import annotations

import importlib.util
import time

import httpx
from pydantic import BaseModel

from rag.config import EmbeddingConfig, EndpointConfig, LLMConfig, RagConfig, SearchStepSettings
from rag.errors import AgentFactoryError
from rag.providers import EMBEDDINGS, LLMS, SEARCH_STEPS
from rag.registry import resolve
from rag.secrets import api_key

OPENAI_BASE = "https://api.openai.com/v1"


class PreflightError(AgentFactoryError):
    """One or more configured endpoints cannot be used; the message names each field."""


class Check(BaseModel):
    role: str
    provider: str
    ok: bool
    detail: str
    seconds: float


def preflight(config: RagConfig, timeout_s: float = 4.0) -> list[Check]:
    """Check every endpoint (``config.endpoints()``); raise :class:`PreflightError` listing all that fail."""
    checks = [_check(role, settings, timeout_s) for role, settings in config.endpoints()]
    checks += [
        _check_step(f"retrieval.steps.{i}", step, timeout_s) for i, step in enumerate(config.retrieval.steps)
    ]
    failed = [c for c in checks if not c.ok]
    if failed:
        raise PreflightError("preflight failed\n  " + "\n  ".join(c.detail for c in failed))
    return checks


def _check(role: str, settings: LLMConfig | EmbeddingConfig, timeout_s: float) -> Check:
    start = time.perf_counter()
    registry = LLMS if isinstance(settings, LLMConfig) else EMBEDDINGS
    check = registry.get(settings.provider).preflight
    try:
        detail = resolve(check)(role, settings, timeout_s) if check else "runs in-process, nothing to reach"
        ok = True
    except AgentFactoryError as exc:
        ok, detail = False, str(exc)
    return Check(
        role=role, provider=settings.provider, ok=ok, detail=detail, seconds=time.perf_counter() - start
    )


def _check_step(role: str, step: SearchStepSettings, timeout_s: float) -> Check:
    """A search step's own check (a reranker answers, a model file loads), when its plugin has one."""
    start = time.perf_counter()
    check = SEARCH_STEPS.get(step.type).preflight
    try:
        detail = resolve(check)(role, step, timeout_s) if check else "no check: nothing to reach"
        ok = True
    except AgentFactoryError as exc:
        ok, detail = False, f"{role}: {exc}"
    return Check(role=role, provider=step.type, ok=ok, detail=detail, seconds=time.perf_counter() - start)


def check_remote(role: str, settings: LLMConfig | EmbeddingConfig, timeout_s: float) -> str:
    """An OpenAI-compatible endpoint: key, ``/models`` listing the model, a one-token call."""
    base = (settings.api_base or OPENAI_BASE).rstrip("/")
    registry = LLMS if isinstance(settings, LLMConfig) else EMBEDDINGS
    key = api_key(settings, role, required=registry.get(settings.provider).needs_key)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0))
    with httpx.Client(base_url=base, headers=headers, timeout=timeout) as client:
        listed = _models(client, role, settings, base)
        # The server answered: it is up. Its first completion may take long on a slow CPU, so the
        # one-token call waits as long as the endpoint's own `timeout_s`, not the liveness check's.
        client.timeout = httpx.Timeout(max(timeout_s, settings.timeout_s), connect=min(timeout_s, 3.0))
        if isinstance(settings, LLMConfig):
            body = {
                "model": settings.model,
                "messages": [{"role": "user", "content": "ping"}],
                "max_tokens": 1,
            }
            _post(client, "/chat/completions", body, role, settings, base)
        else:
            _post(client, "/embeddings", {"model": settings.model, "input": "ping"}, role, settings, base)
    return f"{base}: model {settings.model!r} {'listed and ' if listed else ''}answered a one-token call"


def _models(client: httpx.Client, role: str, settings: EndpointConfig, base: str) -> bool:
    """True when the server lists the model; False when it has no /models; raises otherwise."""
    response = _request(client, "GET", "/models", None, role, base)
    if response.status_code == 404:
        return False  # some OpenAI-compatible servers do not list models
    _raise_for(response, role, settings)
    ids = [m.get("id") for m in response.json().get("data", [])]
    model = getattr(settings, "model", "")
    if model not in ids:
        raise PreflightError(
            f"{role}.model: unknown model {model!r}; {base} lists: {', '.join(map(str, ids)) or 'none'}"
        )
    return True


def _post(
    client: httpx.Client, path: str, body: dict, role: str, settings: EndpointConfig, base: str
) -> None:
    _raise_for(_request(client, "POST", path, body, role, base), role, settings)


def _request(
    client: httpx.Client, method: str, path: str, body: dict | None, role: str, base: str
) -> httpx.Response:
    try:
        return client.request(method, path, json=body)
    except httpx.ConnectTimeout as exc:
        raise PreflightError(f"{role}.api_base: {base} is not answering (no connection within "
                             f"{client.timeout.connect:.0f} s)") from exc  # fmt: skip
    except httpx.TimeoutException as exc:  # connected, then no reply: up but slow, or stuck
        raise PreflightError(
            f"{role}.api_base: {base} accepted the connection but did not finish {method} {path} within "
            f"{client.timeout.read:.0f} s ({type(exc).__name__}): it is up but slow or stuck; raise {role}.timeout_s "
            "if it is only slow"
        ) from exc
    except httpx.HTTPError as exc:
        raise PreflightError(f"{role}.api_base: {base} is unreachable ({type(exc).__name__}: {exc})") from exc


def _raise_for(response: httpx.Response, role: str, settings: EndpointConfig) -> None:
    if response.status_code in (401, 403):
        source = settings.api_key_secret or settings.api_key_env
        raise PreflightError(
            f"{role}: the server rejected the API key from {source} (HTTP {response.status_code})"
        )
    if response.status_code >= 400:
        raise PreflightError(
            f"{role}: {response.request.method} {response.request.url.path} gave HTTP {response.status_code}: "
            f"{response.text[:200]}"
        )


def check_gguf(role: str, settings: LLMConfig | EmbeddingConfig, timeout_s: float = 0) -> str:
    """The ``llamacpp`` extra is installed and ``model_path`` is a GGUF file (factories call this too)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise PreflightError(f"{role}.provider: llama_cpp needs: pip install 'agent-factory[llamacpp]'")
    path = settings.model_path
    if not path or not path.is_file():
        raise PreflightError(f"{role}.model_path: GGUF file {path} not found")
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise PreflightError(f"{role}.model_path: {path} is not a GGUF file")
    return f"{path} is a GGUF file"
