"""The manifest of a saved index: what built it, so loading rebuilds the same embedder; its errors.

>>> import tempfile
>>> read_manifest(Path(tempfile.mkdtemp()))
Traceback (most recent call last):
...
rag.index.manifest.DocsIndexError: ...: not a saved index (no manifest.json)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from rag.config import EmbeddingConfig, PgVectorConfig
from rag.errors import AgentFactoryError
from rag.index.embeddings import EmbeddingInfo, identity
from rag.settings_file import read_bounded

MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
NODES = "nodes.sqlite"
MARKER = ".agent-factory-index"  # written into every saved index: only such folders are ever replaced
FORMAT_VERSION = 2  # 1: LlamaIndex's JSON docstore, read whole on load
MAX_MANIFEST_BYTES = 1_000_000  # a manifest is a few hundred bytes
BATCH = 10_000  # chunks written to the node store per transaction


class DocsIndexError(AgentFactoryError):
    """A saved index cannot be used: missing, of another format, or built with another embedder."""


class IndexMismatchError(DocsIndexError):
    """The index was built with another embedder than the one asked for."""


class IndexManifest(BaseModel):
    """Everything needed to reload an index and to describe it in metadata."""

    format_version: int = FORMAT_VERSION
    embedding: EmbeddingInfo
    embedding_config: EmbeddingConfig
    index_type: Literal["flat", "ivf", "hnsw", "pgvector"]
    vectors: int
    documents: int
    hnsw_ef_search: int | None = None
    ivf_nprobe: int | None = None
    lexical: bool = True  # a BM25 index (rag/index/lexical.py) is saved alongside
    pgvector: PgVectorConfig | None = None  # where the vectors live when index_type is pgvector
    vector_table: str | None = None  # ... and in which table (rag/index/pgvector.py)


def check_embedder(directory: Path, manifest: IndexManifest, asked: EmbeddingConfig | None) -> None:
    """The index's vectors came from `asked` (when given), and its model has not changed since."""
    recorded = manifest.embedding_config
    if asked and (asked.provider, asked.model) != (recorded.provider, recorded.model):
        raise IndexMismatchError(
            f"{directory}: index was built with embedding {recorded.provider}/{recorded.model} "
            f"({manifest.embedding.dimension}-d) but the config asks for "
            f"{asked.provider}/{asked.model}; rebuild the index"
        )
    made_by = manifest.embedding.identity
    if not made_by:  # built before identities were recorded: provider and model are all we know
        return
    if asked and identity(asked) != made_by:
        raise IndexMismatchError(
            f"{directory}: index vectors were made by embedder {made_by}, the config asks for "
            f"{identity(asked)}; rebuild the index"
        )
    if identity(recorded) != made_by:
        raise IndexMismatchError(
            f"{directory}: the embedding model changed since the index was built ({made_by}, now "
            f"{identity(recorded)}); rebuild the index"
        )


def check_replaceable(target: Path) -> None:
    """Refuse to replace anything but a missing folder, an empty one, or one this tool wrote.

    Saving replaces the target folder whole; a folder without the marker may hold a user's
    files (a corpus, the working directory), and is never deleted.
    """
    target = target.resolve()
    if not target.exists():
        return
    if Path.cwd().resolve().is_relative_to(target):
        raise DocsIndexError(
            f"{target}: is the working directory or holds it; choose a new folder for the index"
        )
    if not target.is_dir() or target.is_symlink():
        raise DocsIndexError(f"{target}: exists and is not a folder; choose a new folder for the index")
    if any(target.iterdir()) and not (target / MARKER).is_file():
        raise DocsIndexError(
            f"{target}: folder exists and was not written by agent-factory (no {MARKER}); "
            "its files are left as they are: choose a new or empty folder"
        )


def read_manifest(directory: Path) -> IndexManifest:
    """The folder's manifest; a missing, damaged or foreign one is a DocsIndexError naming the file."""
    path = directory / MANIFEST
    if not path.is_file():
        raise DocsIndexError(f"{directory}: not a saved index (no {MANIFEST})")
    try:
        data = json.loads(read_bounded(path, MAX_MANIFEST_BYTES, "an index manifest", DocsIndexError))
        version = data.get("format_version") if isinstance(data, dict) else None
    except (ValueError, RecursionError, OSError) as exc:
        raise DocsIndexError(f"{path}: damaged ({type(exc).__name__}: {exc}); rebuild the index") from None
    if version == 1:
        raise DocsIndexError(
            f"{directory}: written by an older agent-factory (index format 1, read whole into memory); "
            "rebuild it with this version (`agent-factory build` or `agent-factory index`)"
        )
    if version != FORMAT_VERSION:
        raise DocsIndexError(f"{path}: unsupported index format_version {version}")
    try:
        return IndexManifest.model_validate(data)
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0][:200]
        raise DocsIndexError(f"{path}: damaged ({first}); rebuild the index") from None
