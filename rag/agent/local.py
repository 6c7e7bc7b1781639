"""Build and open an agent in a local folder, without ZenML.

A local agent folder holds the saved index plus ``agent.json`` (the AgentSpec) and
``corpus.json`` (the CorpusFingerprint). The ZenML pipeline stores the same pieces as
artifacts; this is the quickest path for trying a config.

>>> import tempfile
>>> from rag.config import RagConfig
>>> config = RagConfig.model_validate(
...     {"sources": [{"type": "directory", "path": "docs", "include": ["installation.md"]}]})
>>> folder = tempfile.mkdtemp() + "/agent"
>>> build_local_agent(config, folder).documents
1
>>> with open_local_agent(folder) as session:
...     session.ask("How do I install Agent Factory?").sources[0].doc_id
'docs/installation.md'
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rag.agent.chat import ChatSession
from rag.agent.spec import AgentSpec, open_session
from rag.config import RagConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe
from rag.index.manifest import DocsIndexError, check_replaceable
from rag.ingest.chunking import chunk_documents
from rag.ingest.corpus import CorpusFingerprint, fingerprint
from rag.ingest.sources import load_documents

AGENT_FILE = "agent.json"
CORPUS_FILE = "corpus.json"


def build_index(
    config: RagConfig, on_batch: Callable[[int, int], None] | None = None
) -> tuple[DocsIndex, CorpusFingerprint]:
    """Ingest, chunk, embed and index `config`'s sources in memory."""
    documents = load_documents(config.sources)
    nodes = chunk_documents(documents, config.chunking)
    embed_model = build_embedding(config.embedding)
    info = describe(config.embedding, embed_model)
    index = DocsIndex.build(nodes, embed_model, config.embedding, info, config.index, on_batch)
    return index, fingerprint(documents, nodes)


def build_local_agent(
    config: RagConfig,
    directory: str | Path,
    on_batch: Callable[[int, int], None] | None = None,
) -> CorpusFingerprint:
    """Build the index of `config` and save it, with the agent's spec, into `directory`.

    `directory` must be new, empty, or an agent folder this tool wrote (checked before any work).
    """
    check_replaceable(Path(directory))
    index, corpus = build_index(config, on_batch)
    spec = AgentSpec.from_config(config)
    index.save(
        directory,
        {AGENT_FILE: spec.model_dump_json(indent=2), CORPUS_FILE: corpus.model_dump_json(indent=2)},
    )
    return corpus


def open_local_agent(directory: str | Path) -> ChatSession:
    """A ChatSession over an agent folder written by :func:`build_local_agent`."""
    index, spec = load_local_parts(directory)
    return open_session(spec, index)


def load_local_parts(directory: str | Path) -> tuple[DocsIndex, AgentSpec]:
    """The index and agent spec of an agent folder written by :func:`build_local_agent`."""
    directory = Path(directory)
    spec_file = directory / AGENT_FILE
    if not spec_file.is_file():
        raise DocsIndexError(f"{directory}: no {AGENT_FILE}; build it with `agent-factory index`")
    spec = AgentSpec.model_validate_json(spec_file.read_text(encoding="utf-8"))
    return DocsIndex.load(directory, embedding_config=spec.embedding), spec
