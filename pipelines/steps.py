"""ZenML steps that build an agent: thin wrappers over ``rag``. Only artifacts pass between them.

Caching: ``ingest`` reads the outside world so it always runs; its output is
content-hashed, so every later step is cached exactly when documents and the
settings it takes are unchanged. ``register_version`` writes to the model version
and so never caches.
"""

from __future__ import annotations

import logging
from typing import Annotated

import numpy as np
from zenml import get_step_context, log_metadata, step
from zenml.client import Client
from zenml.config import CachePolicy

from factory import artifacts as names
from factory.artifacts import previous_index
from factory.check import checked_model
from factory.config import AgentConfig
from pipelines.materializers import DocsIndexMaterializer
from pipelines.provenance import CodeVersion, library_versions
from pipelines.tracing import traced
from rag.agent.spec import AgentSpec
from rag.config import ChunkingConfig, EmbeddingConfig, IndexConfig
from rag.index.docs_index import DocsIndex
from rag.index.embedding_cache import EmbeddingCache
from rag.index.embeddings import build_embedding, describe, embed_nodes
from rag.index.manifest import DocsIndexError, IndexManifest
from rag.ingest.chunking import chunk_documents
from rag.ingest.corpus import Chunks, Corpus, CorpusFingerprint, fingerprint
from rag.ingest.sources import load_documents

log = logging.getLogger(__name__)

# Cached steps also key on the library's code, not only on their own (see library_code_hash).
LIBRARY = CachePolicy(cache_func="pipelines.provenance.library_code_hash")


@step(enable_cache=False)
@traced
def ingest(config: AgentConfig) -> Annotated[Corpus, names.CORPUS]:
    """Read every configured source into documents."""
    documents = load_documents(config.sources)
    log.info("ingested %d documents from %d source(s)", len(documents), len(config.sources))
    return Corpus(documents=documents)


@step(cache_policy=LIBRARY)
@traced
def chunk(
    corpus: Corpus, chunking: ChunkingConfig
) -> tuple[
    Annotated[Chunks, names.CHUNKS],
    Annotated[CorpusFingerprint, names.FINGERPRINT],
]:
    """Split documents into chunks; fingerprint the corpus."""
    nodes = chunk_documents(corpus.documents, chunking)
    print_ = fingerprint(corpus.documents, nodes)
    log.info("%d documents -> %d chunks", print_.documents, print_.chunks)
    return Chunks(nodes=nodes), print_


@step(output_materializers={names.INDEX: DocsIndexMaterializer}, cache_policy=LIBRARY)
@traced
def build_index(
    chunks: Chunks, embedding: EmbeddingConfig, index: IndexConfig
) -> tuple[
    Annotated[DocsIndex, names.INDEX],
    Annotated[IndexManifest, names.MANIFEST],
]:
    """Embed the chunks (reusing vectors of unchanged chunks from the previous version) and index them."""
    model = build_embedding(embedding)
    info = describe(embedding, model)
    reused = _reuse_previous_vectors(chunks, embedding)

    built = DocsIndex.build(chunks.nodes, model, embedding, info, index)
    _log_reuse(len(chunks.nodes), reused)
    return built, built.manifest


def _log_reuse(chunks: int, reused: int) -> None:
    stats = {"chunks_embedded": chunks - reused, "chunks_reused": reused}
    log.info(
        "chunks embedded: %(chunks_embedded)d, reused from the previous version: %(chunks_reused)d", stats
    )
    log_metadata(metadata={"embedding_cache": stats})


@step(cache_policy=LIBRARY)
@traced
def split_chunks(chunks: Chunks, shard_size: int) -> Annotated[list[Chunks], names.SHARDS]:
    """The chunks in order, `shard_size` per shard: one `embed_shard` step each (fan-out)."""
    nodes = chunks.nodes
    return [Chunks(nodes=nodes[start : start + shard_size]) for start in range(0, len(nodes), shard_size)]


@step(cache_policy=LIBRARY)
@traced
def embed_shard(shard: Chunks, embedding: EmbeddingConfig) -> Annotated[np.ndarray, names.SHARD_VECTORS]:
    """One shard's vectors, in order (reusing the previous version's for unchanged text)."""
    model = build_embedding(embedding)
    reused = _reuse_previous_vectors(shard, embedding)
    embed_nodes(shard.nodes, model)
    _log_reuse(len(shard.nodes), reused)
    return np.asarray([node.embedding for node in shard.nodes], dtype=np.float32)


@step(output_materializers={names.INDEX: DocsIndexMaterializer}, cache_policy=LIBRARY)
@traced
def merge_shards(
    chunks: Chunks, vectors: list[np.ndarray], embedding: EmbeddingConfig, index: IndexConfig
) -> tuple[
    Annotated[DocsIndex, names.INDEX],
    Annotated[IndexManifest, names.MANIFEST],
]:
    """Index every shard's vectors in shard order: the index `build_index` makes in one step."""
    stacked = np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
    if len(stacked) != len(chunks.nodes):
        raise DocsIndexError(f"the shards hold {len(stacked)} vectors for {len(chunks.nodes)} chunks")
    for node, vector in zip(chunks.nodes, stacked, strict=True):
        node.embedding = vector.tolist()
    model = build_embedding(embedding)
    built = DocsIndex.build(chunks.nodes, model, embedding, describe(embedding, model), index)
    return built, built.manifest


def _reuse_previous_vectors(chunks: Chunks, embedding: EmbeddingConfig) -> int:
    """Fill vectors of chunks whose text the previous version already embedded with this model."""
    context = get_step_context()
    if context.model is None:
        return 0
    agent = checked_model(context.model.name)  # a check's candidate reuses its agent's vectors
    previous = previous_index(agent) if agent else previous_index(context.model.name, context.model.number)
    if previous is None:
        return 0
    return EmbeddingCache.from_index(previous).fill(chunks.nodes, embedding)


@step(cache_policy=LIBRARY)
@traced
def create_agent(manifest: IndexManifest, config: AgentConfig) -> Annotated[AgentSpec, names.SPEC]:
    """The agent's spec: persona, LLM, tool and retrieval settings over the index."""
    spec = AgentSpec.from_config(config)
    if spec.embedding != manifest.embedding_config:
        raise DocsIndexError("agent embedding settings differ from the index's")
    return spec


@step(enable_cache=False)
@traced
def register_version(
    config: AgentConfig, corpus: CorpusFingerprint, manifest: IndexManifest, code: CodeVersion
) -> None:
    """Record settings, corpus, index, code and libraries on the model version; tag it."""
    metadata = {
        "settings": config.model_dump(mode="json"),
        "corpus": corpus.model_dump(mode="json"),
        "index": manifest.model_dump(mode="json", exclude={"embedding_config"}),
        "code": code.model_dump(mode="json"),
        "libraries": library_versions(),
        "agent": {"llm": f"{config.llm.provider}/{config.llm.model}", "tool": config.tool.name},
    }
    log_metadata(metadata=metadata, infer_model=True)
    log_metadata(metadata=metadata)  # on the step too: the open-source dashboard shows runs, not models
    model = get_step_context().model
    tags = [
        f"embedding:{config.embedding.provider}/{config.embedding.model}",
        f"llm:{config.llm.provider}/{config.llm.model}",
    ]
    Client().update_model_version(model_name_or_id=model.name, version_name_or_id=model.id, add_tags=tags)
    log.info(
        "model %s version %s: %d documents, %d chunks",
        model.name,
        model.version,
        corpus.documents,
        corpus.chunks,
    )
