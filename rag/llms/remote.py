"""Generative LLM providers: OpenAI, any OpenAI-compatible server, llama.cpp in-process.

Keys come from the environment variable named by ``llm.api_key_env`` and are never
stored in config, metadata or artifacts.
"""

from __future__ import annotations

import os

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import LLM

from rag.config import LLMConfig


def _required_key(config: LLMConfig) -> str:
    key = os.environ.get(config.api_key_env)
    if not key:
        raise ValueError(f"llm.api_key_env: environment variable {config.api_key_env} is not set")
    return key


def build_openai(config: LLMConfig, embed_model: BaseEmbedding) -> LLM:
    from llama_index.llms.openai import OpenAI

    return OpenAI(
        model=config.model, api_key=_required_key(config), api_base=config.api_base, **config.params
    )


def build_openai_like(config: LLMConfig, embed_model: BaseEmbedding) -> LLM:
    """vLLM, Ollama, LM Studio, llama.cpp server... anything speaking /v1/chat/completions."""
    from llama_index.llms.openai_like import OpenAILike

    if not config.api_base:
        raise ValueError("llm.api_base: required for provider openai_like")
    return OpenAILike(
        model=config.model,
        api_base=config.api_base,
        api_key=os.environ.get(config.api_key_env) or "not-needed",
        is_chat_model=True,
        context_window=config.context_window,
        **config.params,
    )


def build_llama_cpp(config: LLMConfig, embed_model: BaseEmbedding) -> LLM:
    """A GGUF file in-process (install the ``llamacpp`` extra)."""
    if not config.model_path or not config.model_path.is_file():
        raise ValueError(f"llm.model_path: GGUF file {config.model_path} not found")
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise ValueError("llm.provider llama_cpp needs: pip install 'agent-factory[llamacpp]'") from exc
    # model_path always set, or LlamaCPP tries to download a default model.
    return LlamaCPP(model_path=str(config.model_path), context_window=config.context_window, **config.params)
