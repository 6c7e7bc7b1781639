"""The provider registries: config names -> factories, imported lazily.

An embedding factory takes an :class:`~rag.config.EmbeddingConfig` and returns a
LlamaIndex ``BaseEmbedding``; an LLM factory takes an :class:`~rag.config.LLMConfig`
and the embedding model and returns a LlamaIndex ``LLM``. Register your own::

    from rag.providers import LLMS
    LLMS.register("my_llm", "my_package.llms:build")
"""

from rag.registry import Registry

EMBEDDINGS = Registry("embedding")
EMBEDDINGS.register("local", "rag.embeddings:build_local")
EMBEDDINGS.register("openai", "rag.embeddings:build_openai")
EMBEDDINGS.register("openai_like", "rag.embeddings:build_openai_like")
EMBEDDINGS.register("llama_cpp", "rag.embeddings:build_llama_cpp")

LLMS = Registry("llm")
LLMS.register("extractive", "rag.llms.extractive:build")
LLMS.register("openai", "rag.llms.remote:build_openai")
LLMS.register("openai_like", "rag.llms.remote:build_openai_like")
LLMS.register("llama_cpp", "rag.llms.remote:build_llama_cpp")
