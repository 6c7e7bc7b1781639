"""Answer: the LLMs that write answers from retrieved chunks.

Providers: ``extractive`` (the embedded default: ``section_answer`` picks the section that
answers, ``excerpt`` and ``passages`` cut and cite it), and ``remote`` (``openai``,
``openai_like``, ``llama_cpp``). ``build_llm`` gives the one a config names.

>>> from rag.config import EmbeddingConfig, LLMConfig
>>> from rag.index.embeddings import build_embedding
>>> llm = build_llm(LLMConfig(), build_embedding(EmbeddingConfig()))
>>> type(llm).__name__, llm.metadata.is_chat_model
('ExtractiveLLM', True)
"""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import LLM

from rag.config import LLMConfig
from rag.providers import LLMS


def build_llm(config: LLMConfig, embed_model: BaseEmbedding) -> LLM:
    """The LlamaIndex LLM that `config` names; `embed_model` serves extractive ranking."""
    return LLMS.get(config.provider).build(config, embed_model)
