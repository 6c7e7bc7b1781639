"""RagConfig: the settings of the RAG part of an agent (sources to tool), strict and typed.

The evaluation settings live in ``evaluation/config.py``; ``factory/config.py`` puts both
together as the ``AgentConfig`` a YAML file holds. Source types come from the SOURCES
registry, so a plugin's source validates as strictly as a built-in one.

>>> cfg = RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}]})
>>> cfg.chunking.chunk_size, cfg.embedding.provider, cfg.llm.provider, type(cfg.sources[0]).__name__
(1000, 'local', 'extractive', 'DirectorySourceConfig')
>>> RagConfig.model_validate({"sources": [{"type": "ftp", "path": "x"}]})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for RagConfig
sources.0.type
  Value error, unknown source type 'ftp'; known: directory, git, slack, web ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, field_validator, model_validator

from rag.providers import EMBEDDINGS, LLMS, SEARCH_STEPS
from rag.registry import Registry, typed_list
from rag.secrets import secret_keys
from rag.source_settings import NAME, SourceConfig, no_credentials, typed_sources
from rag.source_settings import SourceSettings as SourceSettings  # plugins subclass it from here


def _known_provider(registry: Registry, name: str) -> str:
    if name not in registry:
        raise ValueError(f"unknown provider {name!r}; known: {', '.join(registry.names())}")
    return name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChunkingConfig(_Strict):
    """Chunk size and overlap in characters (not tokens).

    `structure` splits Markdown and reStructuredText on headings first, keeps code blocks and
    tables whole and embeds each chunk with its heading path (rag/ingest/sections.py); `plain` splits
    the raw text at paragraphs and sentences. Overlap applies to `plain` and to prose split
    inside a long section.
    """

    strategy: Literal["structure", "plain"] = "structure"
    chunk_size: int = Field(1000, ge=100, le=20_000)
    chunk_overlap: int = Field(100, ge=0)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> ChunkingConfig:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self


class EndpointConfig(_Strict):
    """Where a remote provider lives and how to reach it; shared by LLMs and embeddings.

    The key comes from the environment variable ``api_key_env`` or, when set, from the ZenML
    secret ``api_key_secret`` ("secret_name.key"); configs name keys, they never hold them.
    Requests time out after ``timeout_s`` and are retried at most ``max_retries`` times, with
    backoff, on 429, 5xx, timeouts and dropped connections (see rag/http.py).
    """

    api_base: str | None = None
    api_key_env: str = Field("OPENAI_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_key_secret: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+$")
    timeout_s: float = Field(60, gt=0, le=3600)
    max_retries: int = Field(3, ge=0, le=10)

    _api_base = field_validator("api_base")(no_credentials)  # recorded whole: no user:password, no ?token=


class EmbeddingConfig(EndpointConfig):
    """Which embedding provider and model (and, for remote ones, where: see EndpointConfig)."""

    provider: str = "local"
    model: str = "all-MiniLM-L6-v2"
    model_path: Path | None = None  # a GGUF file, for llama_cpp
    batch_size: int = Field(64, ge=1, le=2048)
    dimensions: int | None = Field(None, gt=0)
    # How the local model runs: ONNX Runtime with int8 weights (exported and quantized once from its own
    # weights: 1.26-1.34x the fp32 throughput on 2-core AVX2 machines, retrieval within fp32's intervals
    # on three docs sets, benchmarks/RESULTS.md), fp32 ONNX (torch's vectors) or torch. Remote: none.
    backend: Literal["onnx", "torch", "onnx_int8"] | None = None
    # Chunks per embedding step: set, the pipeline fans the embedding out over shards (docs/scaling.md).
    shard_size: int | None = Field(None, ge=1)

    @field_validator("provider")
    @classmethod
    def _known(cls, value: str) -> str:
        return _known_provider(EMBEDDINGS, value)

    @model_validator(mode="before")
    @classmethod
    def _local_backend(cls, data: Any) -> Any:
        """The local provider's default backend; none for remote ones."""
        if not isinstance(data, dict):
            return data
        if data.get("provider", "local") == "local":
            return data if data.get("backend") is not None else {**data, "backend": "onnx_int8"}
        if data.get("backend") == "onnx":  # recorded when "onnx" was every provider's default
            return {k: v for k, v in data.items() if k != "backend"}
        return data

    @model_validator(mode="after")
    def _backend_is_local(self) -> EmbeddingConfig:
        if self.provider != "local" and self.backend is not None:
            raise ValueError(
                f"backend {self.backend!r} applies to the local provider only, not {self.provider!r}"
            )
        return self


class LLMConfig(EndpointConfig):
    """The agent's LLM. `params` go to the provider (temperature, max_tokens, ...)."""

    provider: str = "extractive"
    model: str = "extractive"
    model_path: Path | None = None
    context_window: int = Field(8192, ge=256)
    params: dict[str, Any] = {}

    @field_validator("provider")
    @classmethod
    def _known(cls, value: str) -> str:
        return _known_provider(LLMS, value)

    @field_validator("params")
    @classmethod
    def _no_secrets(cls, value: dict[str, Any]) -> dict[str, Any]:
        # params are recorded as metadata: a key here, at any depth, would leak into the store.
        leaked = secret_keys(value)
        if leaked:
            raise ValueError(f"{leaked} look like credentials; name them with api_key_env or api_key_secret")
        return value


class PersonaConfig(_Strict):
    """The agent's character: who it is and how it answers.

    Unset, its name and description come from the agent's ``name`` (see RagConfig), so a new
    config never speaks in another product's voice.
    """

    name: str = "documentation assistant"
    description: str = "a concise assistant that answers questions from the documentation."
    instructions: str = (
        "Answer only from the documentation returned by your tool. Cite the documents you "
        "used. If the documentation does not contain the answer, say you don't know."
    )


class PgVectorConfig(_Strict):
    """Where `index.type: pgvector` keeps vectors (rag/index/pgvector.py): a PostgreSQL with the pgvector extension.

    The URL (postgresql://user:password@host:5432/db) is read from the environment variable
    `url_env`, or from the ZenML secret `url_secret` ("secret_name.key"); configs never hold it.
    """

    url_env: str = Field("AGENT_FACTORY_PGVECTOR_URL", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    url_secret: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+$")
    table: str = Field("agent_factory", pattern=r"^[a-z_][a-z0-9_]{0,40}$")  # prefix: one table per content
    hnsw_m: int = Field(16, ge=4, le=100)
    hnsw_ef_construction: int = Field(64, ge=8)
    hnsw_ef_search: int = Field(100, ge=8)


class IndexConfig(_Strict):
    """FAISS index type; `auto` picks exact flat search for small corpora and IVF above the threshold.

    From benchmarks/RESULTS.md (section 2): flat p95 is 0.3 ms at 10k vectors and 7.9 ms at 100k;
    IVF (4·sqrt(n) lists, nprobe 64) keeps recall@10 high at about a millisecond up to 1M, where
    HNSW (M=32, ef 512) loses recall on topic-clustered vectors.
    """

    type: Literal["auto", "flat", "ivf", "hnsw", "pgvector"] = "auto"
    auto_approximate_above: int = Field(50_000, ge=1)
    ivf_nprobe: int = Field(64, ge=1)
    hnsw_m: int = Field(32, ge=4, le=256)
    hnsw_ef_construction: int = Field(200, ge=8)
    hnsw_ef_search: int = Field(512, ge=8)
    pgvector: PgVectorConfig = PgVectorConfig()


class ChatConfig(_Strict):
    """Limits on what a user may send: a question is read whole into the agent's prompts."""

    max_question_chars: int = Field(4000, ge=1, le=1_000_000)


class SearchStepSettings(_Strict):
    """What every search step's settings share; a plugin step's settings subclass this.

    `candidates`: how many of the best fused candidates the step reads (a reranker scores
    them); the rest follow in their order.
    """

    type: str
    candidates: int = Field(20, ge=1, le=500)


# Any registered step's settings; dumps with its own fields, not only the base ones.
SearchStepConfig = SerializeAsAny[SearchStepSettings]


class RetrievalConfig(_Strict):
    """How the tool searches (rag/retrieval/retrievers.py; benchmarks/RESULTS.md, retrieval quality).

    `hybrid` fuses BM25 with the dense results by reciprocal rank fusion (`rrf_k`, BM25's
    ranks weighted `lexical_weight`) over `candidates` of each; `page_weight` ranks pages (a
    page's best chunk plus this weight times its next two) and returns chunks page by page,
    None (the default) for chunk order alone (rag/retrieval/retrievers.py); `distinct_pages` returns the
    best chunk of each page, and a page whose text repeats another's counts once;
    `section_window` (characters, 0 for off) shows the LLM each hit widened to the
    neighbouring chunks of its section (rag/retrieval/section_window.py). Defaults measured on ZenML's
    docs (benchmarks/RESULTS.md, retrieval quality and offline answers). `steps` rerank (or
    filter) the candidates before the top k are cut (rag/retrieval/search.py).
    """

    top_k: int = Field(4, ge=1, le=100)
    hybrid: bool = True
    distinct_pages: bool = False
    candidates: int = Field(40, ge=1, le=1000)
    rrf_k: int = Field(60, ge=1)
    lexical_weight: float = Field(3.0, ge=0.0, le=100.0)
    # Pages ranked (0.5 with lexical_weight 1.5: Ray's real user questions, hit@5 0.659 -> 0.776);
    # off by default: ZenML's docs and this project's golden set score lower with it (RESULTS.md).
    page_weight: float | None = Field(None, ge=0.0, le=10.0)
    section_window: int = Field(3000, ge=0, le=20_000)
    # Run in order over the candidates before the top k are cut: rerankers (SEARCH_STEPS).
    steps: list[SearchStepConfig] = []

    _typed_steps = field_validator("steps", mode="before")(lambda value: typed_list(SEARCH_STEPS, value))


class ToolConfig(_Strict):
    name: str = Field("docs_search", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str = (
        "Searches the documentation. Input: a standalone question. "
        "Output: the most relevant documentation passages with their document ids."
    )


class RagConfig(_Strict):
    """Everything that makes an agent answer: sources, chunking, models, persona, index, tool."""

    name: str = Field("docs_agent", pattern=NAME)
    sources: list[SourceConfig] = Field(min_length=1)
    chunking: ChunkingConfig = ChunkingConfig()
    embedding: EmbeddingConfig = EmbeddingConfig()
    llm: LLMConfig = LLMConfig()
    persona: PersonaConfig = PersonaConfig()
    index: IndexConfig = IndexConfig()
    retrieval: RetrievalConfig = RetrievalConfig()
    tool: ToolConfig = ToolConfig()
    chat: ChatConfig = ChatConfig()

    _typed = field_validator("sources", mode="before")(typed_sources)

    @model_validator(mode="before")
    @classmethod
    def _voice_from_name(cls, data: Any) -> Any:
        """Persona and tool text the config leaves out are written for this agent's `name`."""
        if not isinstance(data, dict):
            return data
        subject = str(data.get("name", "docs_agent")).replace("_", " ")
        persona = {
            "name": f"{subject} assistant",
            "description": f"a concise assistant that answers questions about the {subject} documentation.",
        }
        tool = {"description": f"Searches the {subject} documentation. Input: a standalone question. "
                               "Output: the most relevant documentation passages with their document ids."}  # fmt: skip
        given_persona, given_tool = data.get("persona"), data.get("tool")
        return data | {
            "persona": persona | given_persona
            if isinstance(given_persona, dict)
            else given_persona or persona,
            "tool": tool | given_tool if isinstance(given_tool, dict) else given_tool or tool,
        }

    @model_validator(mode="after")
    def _unique_source_names(self) -> RagConfig:
        names = [s.name for s in self.sources]
        if len(names) != len(set(names)):
            raise ValueError(f"source names must be unique, got {names}")
        return self

    def endpoints(self) -> list[tuple[str, LLMConfig | EmbeddingConfig]]:
        """(field path, settings) of every model this config calls (preflight checks each)."""
        return [("llm", self.llm), ("embedding", self.embedding)]
