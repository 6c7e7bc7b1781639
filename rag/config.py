"""AgentConfig: every setting of an agent, strict and typed, loaded from YAML.

Unknown keys and bad values raise :class:`ConfigError` naming the file, the key
path and (when YAML can tell) the line.

>>> from rag.config import AgentConfig
>>> cfg = AgentConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}]})
>>> cfg.chunking.chunk_size, cfg.embedding.provider, cfg.llm.provider
(1000, 'local', 'extractive')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rag.providers import EMBEDDINGS, LLMS
from rag.registry import Registry

_SECRET_NAME = re.compile(r"api_?key|secret|password|passwd|bearer|authorization|credential", re.IGNORECASE)


class ConfigError(ValueError):
    """A configuration problem, with the file, line and key it comes from."""


def _known_provider(registry: Registry, name: str) -> str:
    if name not in registry:
        raise ValueError(f"unknown provider {name!r}; known: {', '.join(registry.names())}")
    return name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _inside_root(patterns: list[str]) -> list[str]:
    """Globs stay under the source's root: no absolute patterns, no `..` segments."""
    escaping = [p for p in patterns if p.startswith(("/", "~")) or ".." in Path(p).parts]
    if escaping:
        raise ValueError(
            f"patterns must stay inside the source root (no '..', no absolute paths): {escaping}"
        )
    return patterns


class DirectorySourceConfig(_Strict):
    """A folder of md/rst/txt/html files; relative paths resolve against the config file."""

    type: Literal["directory"] = "directory"
    name: str = Field("docs", pattern=r"^[A-Za-z0-9_.-]+$")
    path: Path
    include: list[str] = ["**/*.md", "**/*.rst", "**/*.txt", "**/*.html", "**/*.htm"]
    exclude: list[str] = []
    max_file_bytes: int = Field(5_000_000, gt=0)

    _patterns = field_validator("include", "exclude")(_inside_root)


class WebSourceConfig(_Strict):
    """A docs website: crawled from a sitemap and/or start URLs within an allow-list."""

    type: Literal["web"] = "web"
    name: str = Field("web", pattern=r"^[A-Za-z0-9_.-]+$")
    start_urls: list[str] = []
    sitemap: str | None = None
    allow_hosts: list[str] = []  # default: the hosts of start_urls and sitemap
    allow_prefixes: list[str] = ["/"]
    max_pages: int = Field(500, ge=1)
    max_depth: int = Field(5, ge=0)
    max_page_bytes: int = Field(2_000_000, ge=1)
    max_seconds: float = Field(300, gt=0)
    per_host_concurrency: int = Field(2, ge=1, le=16)
    retries: int = Field(3, ge=0, le=10)
    backoff_s: float = Field(0.5, ge=0)
    timeout_s: float = Field(10, gt=0)
    respect_robots: bool = True
    allow_private: bool = False  # private and loopback addresses are refused unless set
    user_agent: str = "agent-factory-crawler/0.1"

    @model_validator(mode="after")
    def _has_seeds(self) -> WebSourceConfig:
        if not self.start_urls and not self.sitemap:
            raise ValueError("a web source needs start_urls or a sitemap")
        return self


class GitSourceConfig(_Strict):
    """Files of a git repository (URL or local path) at a branch, tag or commit."""

    type: Literal["git"] = "git"
    name: str = Field("repo", pattern=r"^[A-Za-z0-9_.-]+$")
    repo: str
    ref: str = "HEAD"
    include: list[str] = ["**/*.md"]
    exclude: list[str] = []
    max_file_bytes: int = Field(5_000_000, gt=0)

    _patterns = field_validator("include", "exclude")(_inside_root)


class SlackSourceConfig(_Strict):
    """A Slack workspace export (folder or zip): one document per thread."""

    type: Literal["slack"] = "slack"
    name: str = Field("slack", pattern=r"^[A-Za-z0-9_.-]+$")
    path: Path
    channels: list[str] = []  # allow-list; empty means every channel


SourceConfig = Annotated[
    DirectorySourceConfig | WebSourceConfig | GitSourceConfig | SlackSourceConfig, Field(discriminator="type")
]


class ChunkingConfig(_Strict):
    """Chunk size and overlap in characters (not tokens)."""

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


class EmbeddingConfig(EndpointConfig):
    """Which embedding provider and model (and, for remote ones, where: see EndpointConfig)."""

    provider: str = "local"
    model: str = "all-MiniLM-L6-v2"
    model_path: Path | None = None  # a GGUF file, for llama_cpp
    batch_size: int = Field(64, ge=1, le=2048)
    dimensions: int | None = Field(None, gt=0)

    @field_validator("provider")
    @classmethod
    def _known(cls, value: str) -> str:
        return _known_provider(EMBEDDINGS, value)


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
        # params are recorded as metadata: a key here would leak into the store and the dashboard.
        leaked = [k for k in value if _SECRET_NAME.search(k)]
        if leaked:
            raise ValueError(f"{leaked} look like credentials; name them with api_key_env or api_key_secret")
        return value


class PersonaConfig(_Strict):
    """The agent's character: who it is and how it answers."""

    name: str = "Agent Factory helper"
    description: str = "a concise assistant that answers questions about Agent Factory."
    instructions: str = (
        "Answer only from the documentation returned by your tool. Cite the documents you "
        "used. If the documentation does not contain the answer, say you don't know."
    )


class IndexConfig(_Strict):
    """FAISS index type; `auto` picks exact flat search for small corpora and IVF above the threshold.

    From benchmarks/RESULTS.md (section 2): flat p95 is 0.3 ms at 10k vectors and 7.9 ms at 100k;
    IVF (4·sqrt(n) lists, nprobe 64) keeps recall@10 high at about a millisecond up to 1M, where
    HNSW (M=32, ef 512) loses recall on topic-clustered vectors.
    """

    type: Literal["auto", "flat", "ivf", "hnsw"] = "auto"
    auto_approximate_above: int = Field(50_000, ge=1)
    ivf_nprobe: int = Field(64, ge=1)
    hnsw_m: int = Field(32, ge=4, le=256)
    hnsw_ef_construction: int = Field(200, ge=8)
    hnsw_ef_search: int = Field(512, ge=8)


class RetrievalConfig(_Strict):
    top_k: int = Field(4, ge=1, le=100)


class ToolConfig(_Strict):
    name: str = Field("docs_search", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str = (
        "Searches the Agent Factory documentation. Input: a standalone question. "
        "Output: the most relevant documentation passages with their document ids."
    )


OFFLINE_METRICS = (
    "hit_rate",
    "mrr",
    "id_context_precision",
    "id_context_recall",
    "nonllm_context_recall",
    "semantic_similarity",
    "must_include",
    "refusal_accuracy",
)
JUDGE_METRICS = (
    "faithfulness",
    "answer_relevancy",
    "llm_context_precision_with_reference",
    "context_recall",
    "factual_correctness",
)


class JudgeConfig(_Strict):
    """The RAGAS judge: an LLM separate from the agent's (and embeddings for answer relevancy).

    Each (question, metric) is one task: at most ``max_workers`` run at once (local servers
    want 1-2), each is cut off after ``timeout_s``, and unparseable judge output is re-asked
    at most ``max_reasks`` times; then that score is NaN, which the gate counts.
    """

    llm: LLMConfig
    embedding: EmbeddingConfig | None = None  # default: the agent's embedding settings
    metrics: list[str] = list(JUDGE_METRICS)
    max_workers: int = Field(2, ge=1, le=64)
    timeout_s: float = Field(180, gt=0)
    max_reasks: int = Field(1, ge=0, le=3)  # ragas' own parser stops at 3

    @field_validator("llm")
    @classmethod
    def _generative(cls, value: LLMConfig) -> LLMConfig:
        if value.provider == "extractive":
            raise ValueError("the judge needs a generative LLM (openai, openai_like or llama_cpp)")
        return value

    @field_validator("metrics")
    @classmethod
    def _judge_metrics(cls, value: list[str]) -> list[str]:
        unknown = [n for n in value if n not in JUDGE_METRICS]
        if unknown or not value:
            raise ValueError(f"judge metrics must be a non-empty subset of {', '.join(JUDGE_METRICS)}")
        return value


class GateConfig(_Strict):
    """When a new version may take a stage. Plain code decides; see docs/evaluation.md."""

    thresholds: dict[str, float] = {
        "hit_rate": 0.85,
        "must_include": 0.55,
        "refusal_accuracy": 0.85,
        "semantic_similarity": 0.45,
    }
    max_nan_rate: float = Field(0.1, ge=0, le=1)
    max_latency_p95_s: float | None = Field(None, gt=0)
    non_regression: list[str] = ["hit_rate", "mrr", "must_include", "refusal_accuracy", "semantic_similarity"]
    tolerance: float = Field(0.02, ge=0, le=1)
    confidence: float = Field(0.95, gt=0.5, lt=1)
    bootstrap_samples: int = Field(2000, ge=100, le=100_000)
    seed: int = 0

    @field_validator("thresholds")
    @classmethod
    def _known_thresholds(cls, value: dict[str, float]) -> dict[str, float]:
        for name, minimum in value.items():
            if name not in OFFLINE_METRICS + JUDGE_METRICS:
                raise ValueError(
                    f"unknown metric {name!r}; known: {', '.join(OFFLINE_METRICS + JUDGE_METRICS)}"
                )
            if not 0 <= minimum <= 1:
                raise ValueError(f"threshold for {name} must be between 0 and 1, got {minimum}")
        return value

    @field_validator("non_regression")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        unknown = [n for n in value if n not in OFFLINE_METRICS + JUDGE_METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}")
        return value


class EvaluationConfig(_Strict):
    """Golden set, optional judge and the release gate."""

    golden_set: Path = Path("golden_questions/docs.jsonl")
    judge: JudgeConfig | None = None
    gate: GateConfig = GateConfig()


class AgentConfig(_Strict):
    """All settings of one agent. Becomes metadata of every model version built from it."""

    name: str = Field("docs_agent", pattern=r"^[A-Za-z0-9_.-]+$")
    sources: list[SourceConfig] = Field(min_length=1)
    chunking: ChunkingConfig = ChunkingConfig()
    embedding: EmbeddingConfig = EmbeddingConfig()
    llm: LLMConfig = LLMConfig()
    persona: PersonaConfig = PersonaConfig()
    index: IndexConfig = IndexConfig()
    retrieval: RetrievalConfig = RetrievalConfig()
    tool: ToolConfig = ToolConfig()
    evaluation: EvaluationConfig = EvaluationConfig()

    @model_validator(mode="after")
    def _unique_source_names(self) -> AgentConfig:
        names = [s.name for s in self.sources]
        if len(names) != len(set(names)):
            raise ValueError(f"source names must be unique, got {names}")
        return self


def load_config(path: str | Path) -> AgentConfig:
    """Load and validate an agent config; relative source paths resolve against its folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        started = f" ({exc.context} started on line {context.line + 1})" if context and exc.context else ""
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}{started}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    for src in data.get("sources") or []:
        if isinstance(src, dict) and isinstance(src.get("path"), str):
            src["path"] = str((path.parent / src["path"]).resolve())
        if isinstance(src, dict) and isinstance(src.get("repo"), str) and "://" not in src["repo"]:
            src["repo"] = str((path.parent / src["repo"]).resolve())  # a local repository path
    evaluation = data.get("evaluation")
    if isinstance(evaluation, dict) and isinstance(evaluation.get("golden_set"), str):
        evaluation["golden_set"] = str((path.parent / evaluation["golden_set"]).resolve())
    try:
        return AgentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, text)) from exc


def _describe(exc: ValidationError, path: Path, text: str) -> str:
    """One line per error: file:line: key.path: message."""
    root = yaml.compose(text)
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if p not in ("directory", "web", "git", "slack")]  # discriminator tags
        key = ".".join(str(p) for p in loc) or "<root>"
        line = _line_of(root, loc)
        where = f"{path}:{line}" if line else str(path)
        msg = err["msg"].replace("Extra inputs are not permitted", "unknown key")
        lines.append(f"{where}: {key}: {msg}")
    return "invalid config\n  " + "\n  ".join(lines)


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """1-based line of the deepest YAML node that `loc` reaches."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == str(part)]
            if not match:
                break
            line = match[0][0].start_mark.line + 1
            node = match[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
