"""The registries of LLMs, embeddings and sources, with the built-in plugins.

Built-ins register here; other installed packages add theirs through entry points (see
rag/registry.py). Factories are ``"module:attr"`` strings, imported only when used.

An embedding factory takes an :class:`~rag.config.EmbeddingConfig` and returns a LlamaIndex
``BaseEmbedding``; an LLM factory takes an :class:`~rag.config.LLMConfig` and the embedding
model and returns a LlamaIndex ``LLM``; a source factory takes its config and returns an
object with ``load() -> list[Document]``; a search step's factory takes its settings and the
index and returns a LlamaIndex node postprocessor (rag/retrieval/search.py).

>>> LLMS.get("openai").needs_key, LLMS.get("extractive").generative
(True, False)
>>> SOURCES.get("directory").config_model().__name__
'DirectorySourceConfig'
"""

from rag.registry import Provider, Registry, SearchStep, SourceType

EMBEDDINGS: Registry[Provider] = Registry("embedding provider", "agent_factory.embeddings")
LLMS: Registry[Provider] = Registry("llm provider", "agent_factory.llms")
SOURCES: Registry[SourceType] = Registry("source type", "agent_factory.sources")
SEARCH_STEPS: Registry[SearchStep] = Registry("search step", "agent_factory.search_steps")

_REMOTE_CHECK = "rag.preflight:check_remote"
_GGUF_CHECK = "rag.preflight:check_gguf"

EMBEDDINGS.register("local", Provider(factory="rag.index.embeddings:build_local"))
EMBEDDINGS.register("openai", Provider(factory="rag.index.embeddings:build_openai", needs_key=True, billed=True, preflight=_REMOTE_CHECK))  # fmt: skip
EMBEDDINGS.register(
    "openai_like", Provider(factory="rag.index.embeddings:build_openai_like", preflight=_REMOTE_CHECK)
)
EMBEDDINGS.register(
    "llama_cpp", Provider(factory="rag.index.embeddings:build_llama_cpp", preflight=_GGUF_CHECK)
)

LLMS.register("extractive", Provider(factory="rag.answer.extractive:build", generative=False, tokenizer="rag.answer.tokens:words_and_marks"))  # fmt: skip
LLMS.register("openai", Provider(factory="rag.answer.remote:build_openai", needs_key=True, billed=True, preflight=_REMOTE_CHECK))  # fmt: skip
LLMS.register("openai_like", Provider(factory="rag.answer.remote:build_openai_like", billed=True, preflight=_REMOTE_CHECK))  # fmt: skip
LLMS.register(
    "llama_cpp", Provider(factory="rag.answer.remote:build_llama_cpp", billed=True, preflight=_GGUF_CHECK)
)

SOURCES.register("directory", SourceType(config="rag.ingest.sources.directory:DirectorySourceConfig", factory="rag.ingest.sources.directory:DirectorySource"))  # fmt: skip
SOURCES.register(
    "web",
    SourceType(config="rag.ingest.sources.web:WebSourceConfig", factory="rag.ingest.sources.web:WebSource"),
)
SOURCES.register(
    "git",
    SourceType(config="rag.ingest.sources.git:GitSourceConfig", factory="rag.ingest.sources.git:GitSource"),
)
SOURCES.register(
    "slack",
    SourceType(
        config="rag.ingest.sources.slack:SlackSourceConfig", factory="rag.ingest.sources.slack:SlackSource"
    ),
)

SEARCH_STEPS.register("http_rerank", SearchStep(config="rag.retrieval.rerank.http:HttpRerankSettings", factory="rag.retrieval.rerank.http:build", preflight="rag.retrieval.rerank.http:check"))  # fmt: skip
SEARCH_STEPS.register("onnx_rerank", SearchStep(config="rag.retrieval.rerank.onnx:OnnxRerankSettings", factory="rag.retrieval.rerank.onnx:build", preflight="rag.retrieval.rerank.onnx:check"))  # fmt: skip
