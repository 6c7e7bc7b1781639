"""Generative LLM providers: OpenAI, any OpenAI-compatible server, llama.cpp in-process.

Keys are read when the LLM is built (rag/secrets.py) and never stored in config, metadata
or artifacts. Remote calls share one bounded retry policy and timeout (rag/http.py).
"""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import LLM

from rag.config import LLMConfig
from rag.http import openai_client_kwargs
from rag.preflight import check_gguf
from rag.secrets import api_key
from rag.settings_file import ConfigError


def build_openai(config: LLMConfig, embed_model: BaseEmbedding) -> LLM:
    from llama_index.llms.openai import OpenAI

    return OpenAI(
        model=config.model,
        api_key=api_key(config, "llm"),
        api_base=config.api_base,
        **openai_client_kwargs(config),
        **config.params,
    )


def build_openai_like(config: LLMConfig, embed_model: BaseEmbedding) -> LLM:
    """vLLM, Ollama, LM Studio, llama.cpp server... anything speaking /v1/chat/completions."""
    from llama_index.llms.openai_like import OpenAILike

    if not config.api_base:
        raise ConfigError("llm.api_base: required for provider openai_like")
    return OpenAILike(
        model=config.model,
        api_base=config.api_base,
        api_key=api_key(config, "llm", required=False) or "not-needed",
        is_chat_model=True,
        context_window=config.context_window,
        **openai_client_kwargs(config),
        **config.params,
    )


def build_llama_cpp(config: LLMConfig, embed_model: BaseEmbedding) -> LLM:
    """A GGUF file in-process (install the ``llamacpp`` extra)."""
    check_gguf("llm", config)
    from llama_index.llms.llama_cpp import LlamaCPP

    params = dict(config.params)
    model_kwargs = {"n_threads": 2, "verbose": False} | params.pop("model_kwargs", {})
    # model_path always set, or LlamaCPP tries to download a default model.
    return LlamaCPP(
        model_path=str(config.model_path),
        context_window=config.context_window,
        model_kwargs=model_kwargs,
        verbose=False,
        **params,
    )
