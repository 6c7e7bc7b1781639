"""Build and open an agent in a local folder, without ZenML.

A local agent folder holds the saved index plus ``agent.json`` (the AgentSpec) and
``corpus.json`` (the CorpusFingerprint). The ZenML pipeline stores the same pieces as
artifacts; this is the quickest path for trying a config.

>>> from rag.local import build_local_agent, open_local_agent       # doctest: +SKIP
>>> build_local_agent(load_config("configs/default.yaml"), ".agent-factory/local")  # doctest: +SKIP
>>> open_local_agent(".agent-factory/local").ask("How do I install?").answer  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rag.agent import AgentSpec, open_session
from rag.chat import ChatSession
from rag.chunking import chunk_documents
from rag.config import RagConfig
from rag.corpus import CorpusFingerprint, fingerprint
from rag.embeddings import build_embedding, describe
from rag.index import DocsIndex, DocsIndexError
from rag.sources import load_documents

AGENT_FILE = "agent.json"
CORPUS_FILE = "corpus.json"


def build_local_agent(
    config: RagConfig,
    directory: str | Path,
    on_batch: Callable[[int, int], None] | None = None,
) -> CorpusFingerprint:
    """Ingest, chunk, embed and index `config`'s sources into `directory`."""
    documents = load_documents(config.sources)
    nodes = chunk_documents(documents, config.chunking)
    embed_model = build_embedding(config.embedding)
    info = describe(config.embedding, embed_model)
    index = DocsIndex.build(nodes, embed_model, config.embedding, info, config.index, on_batch)
    corpus = fingerprint(documents, nodes)
    spec = AgentSpec.from_config(config)
    index.save(
        directory,
        {AGENT_FILE: spec.model_dump_json(indent=2), CORPUS_FILE: corpus.model_dump_json(indent=2)},
    )
    return corpus


def open_local_agent(directory: str | Path) -> ChatSession:
    """A ChatSession over an agent folder written by :func:`build_local_agent`."""
    directory = Path(directory)
    spec_file = directory / AGENT_FILE
    if not spec_file.is_file():
        raise DocsIndexError(f"{directory}: no {AGENT_FILE}; build it with `agent-factory index`")
    spec = AgentSpec.model_validate_json(spec_file.read_text(encoding="utf-8"))
    index = DocsIndex.load(directory, embedding_config=spec.embedding)
    return open_session(spec, index)
