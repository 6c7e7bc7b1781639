"""Build and open an agent in a local folder, without ZenML.

A local agent folder holds the saved index plus ``agent.json`` (the AgentSpec) and
``corpus.json`` (the CorpusFingerprint). The ZenML pipeline stores the same pieces as
artifacts; this is the quickest path for trying a config.

>>> import tempfile
>>> from rag.config import EndpointConfig, LLMConfig, RagConfig
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

from pathlib import Path

from rag.agent.chat import ChatSession
from rag.agent.spec import AgentSpec, open_session
from rag.config import EndpointConfig, LLMConfig, RagConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe
from rag.index.manifest import DocsIndexError, check_embedder, check_replaceable, read_manifest
from rag.ingest.chunking import chunk_documents
from rag.ingest.corpus import CorpusFingerprint, fingerprint
from rag.ingest.sources import load_documents
from rag.providers import EMBEDDINGS, LLMS
from rag.settings_file import read_bounded

AGENT_FILE = "agent.json"
MAX_SPEC_BYTES = 1_000_000  # a spec is a few kilobytes
CORPUS_FILE = "corpus.json"


def build_index(config: RagConfig) -> tuple[DocsIndex, CorpusFingerprint]:
    """Ingest, chunk, embed and index `config`'s sources in memory."""
    documents = load_documents(config.sources)
    nodes = chunk_documents(documents, config.chunking)
    embed_model = build_embedding(config.embedding)
    info = describe(config.embedding, embed_model)
    index = DocsIndex.build(nodes, embed_model, config.embedding, info, config.index)
    return index, fingerprint(documents, nodes)


def build_local_agent(
    config: RagConfig,
    directory: str | Path,
) -> CorpusFingerprint:
    """Build the index of `config` and save it, with the agent's spec, into `directory`.

    `directory` must be new, empty, or an agent folder this tool wrote (checked before any work).
    """
    check_replaceable(Path(directory))
    index, corpus = build_index(config)
    spec = AgentSpec.from_config(config)
    index.save(
        directory,
        {AGENT_FILE: spec.model_dump_json(indent=2), CORPUS_FILE: corpus.model_dump_json(indent=2)},
    )
    return corpus


def open_local_agent(directory: str | Path, trusted: RagConfig | None = None) -> ChatSession:
    """A ChatSession over an agent folder written by :func:`build_local_agent` (see :func:`load_local_parts`)."""
    index, spec = load_local_parts(directory, trusted)
    return open_session(spec, index)


def load_local_parts(directory: str | Path, trusted: RagConfig | None = None) -> tuple[DocsIndex, AgentSpec]:
    """The index and agent spec of an agent folder written by :func:`build_local_agent`.

    A folder may come from anywhere: its endpoints that would be sent a key (a remote provider,
    an ``api_base``) must be ones `trusted`, the user's own config, names (:func:`check_endpoints`).
    """
    directory = Path(directory)
    spec_file = directory / AGENT_FILE
    if not spec_file.is_file():
        raise DocsIndexError(f"{directory}: no {AGENT_FILE}; build it with `agent-factory index`")
    try:
        spec = AgentSpec.model_validate_json(
            read_bounded(spec_file, MAX_SPEC_BYTES, "an agent spec", DocsIndexError)
        )
    except (ValueError, OSError) as exc:  # pydantic's ValidationError is a ValueError
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise DocsIndexError(
            f"{spec_file}: not a readable agent spec ({first}); rebuild the folder"
        ) from None
    manifest = read_manifest(directory)
    check_embedder(directory, manifest, spec.embedding)  # a mismatch is said first: it sends nothing
    check_endpoints(spec_file, [("llm", spec.llm), ("embedding", spec.embedding),
                                ("index embedding", manifest.embedding_config)], trusted)  # fmt: skip
    return DocsIndex.load(directory, embedding_config=spec.embedding), spec


def check_endpoints(
    where: Path, endpoints: list[tuple[str, EndpointConfig]], trusted: RagConfig | None
) -> None:
    """Refuse endpoints that would get a credential unless the user's config names the same one.

    >>> from rag.config import LLMConfig
    >>> check_endpoints(Path("agent.json"), [("llm", LLMConfig(provider="openai", api_key_env="GITHUB_TOKEN"))], None)
    Traceback (most recent call last):
    ...
    rag.index.manifest.DocsIndexError: agent.json: its llm (openai at the provider's default URL) would be sent ...
    """
    ours = (
        {"llm": trusted.llm, "embedding": trusted.embedding, "index embedding": trusted.embedding}
        if trusted
        else {}
    )
    for role, endpoint in endpoints:
        registry = LLMS if isinstance(endpoint, LLMConfig) else EMBEDDINGS
        if not (endpoint.api_base or registry.get(endpoint.provider).needs_key):
            continue  # nothing leaves this machine with a key
        if ours.get(role) is not None and _identity(ours[role]) == _identity(endpoint):
            continue
        key = endpoint.api_key_secret or f"${endpoint.api_key_env}"
        raise DocsIndexError(
            f"{where}: its {role} ({endpoint.provider} at {endpoint.api_base or 'the provider' + chr(39) + 's default URL'}) "
            f"would be sent the key in {key}, and your config names no such endpoint; refusing. Pass --config "
            f"with the same {role} provider, api_base and key setting if you trust it"
        )


def _identity(endpoint: EndpointConfig) -> tuple:
    return endpoint.provider, endpoint.api_base, endpoint.api_key_env, endpoint.api_key_secret
