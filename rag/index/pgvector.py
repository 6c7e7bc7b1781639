"""PostgreSQL with pgvector as the index's vectors: several serving replicas share one store.

With ``index.type: pgvector`` the vectors go to a table of your PostgreSQL through LlamaIndex's
``PGVectorStore`` (an HNSW cosine index) instead of a FAISS file; the chunks and BM25 stay in
the version's artifact (rag/index/node_store.py), so replicas read the same vectors and only the
chunks their questions need. The connection URL comes from the environment variable
``url_env`` or the ZenML secret ``url_secret`` ("name.key"), never from the config.

Each table holds one content: its name ends in a digest of the embedder and of the chunks' text
hashes in order. A build never writes another version's table (production keeps answering
while a new version builds), and rebuilding unchanged content finds its table complete and
writes nothing. Tables of versions you have deleted are yours to drop (docs/scaling.md).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from typing import Any

import numpy as np
from llama_index.core.schema import BaseNode

from rag.config import PgVectorConfig
from rag.errors import AgentFactoryError
from rag.secrets import read_secret

BATCH = 1000  # rows per insert


class VectorStoreError(AgentFactoryError):
    """The pgvector store cannot be reached, or its table does not hold what the index expects."""


def connection_url(config: PgVectorConfig) -> str:
    """The PostgreSQL URL, from the ZenML secret when one is named, else the environment."""
    if config.url_secret:
        return read_secret(config.url_secret, "index.pgvector.url_secret", "index.pgvector.url_env")
    url = os.environ.get(config.url_env)
    if not url:
        raise VectorStoreError(
            f"index.pgvector.url_env: environment variable {config.url_env} is not set "
            "(a URL like postgresql://user:password@host:5432/db)"
        )
    return url


def table_for(config: PgVectorConfig, identity: str, text_hashes: Iterable[str]) -> str:
    """`<table>_<digest>`: the digest of the embedder and the chunks' text hashes, in order."""
    digest = hashlib.sha256(identity.encode())
    for text_hash in text_hashes:
        digest.update(text_hash.encode())
    return f"{config.table}_{digest.hexdigest()[:16]}"


def open_store(config: PgVectorConfig, table: str, dimension: int) -> Any:
    """LlamaIndex's PGVectorStore on `table` (created with its HNSW index when missing)."""
    try:
        from llama_index.vector_stores.postgres import PGVectorStore
    except ImportError as exc:
        raise VectorStoreError(
            "index.type: pgvector needs the pgvector extra: pip install 'agent-factory[pgvector]'"
        ) from exc
    from sqlalchemy.engine import make_url

    url = make_url(connection_url(config))
    try:
        store = PGVectorStore.from_params(
            connection_string=url.set(drivername="postgresql+psycopg2"),
            async_connection_string=url.set(drivername="postgresql+asyncpg"),
            table_name=table, embed_dim=dimension,
            hnsw_kwargs={"hnsw_m": config.hnsw_m, "hnsw_ef_construction": config.hnsw_ef_construction,
                         "hnsw_ef_search": config.hnsw_ef_search, "hnsw_dist_method": "vector_cosine_ops"},
        )  # fmt: skip
        store._initialize()  # connect and create the table; it only logs failures, so:
        row_count(store)  # a wrong URL fails here, naming the setting
        _index_node_ids(store)
    except Exception as exc:
        where = (
            "index.pgvector.url_secret" if config.url_secret else f"index.pgvector.url_env ({config.url_env})"
        )
        raise VectorStoreError(f"{where}: cannot use PostgreSQL at {url.render_as_string()}: "
                               f"{str(exc).splitlines()[0][:200]}") from exc  # fmt: skip
    return store


def _index_node_ids(store: Any) -> None:
    """A B-tree on node_id, which LlamaIndex's table lacks: scoring BM25-only hits and reusing
    vectors look rows up by node id (a sequential scan took ~60 ms at 100k rows)."""
    from sqlalchemy import Index

    table = store._table_class.__table__
    Index(f"{table.name[:50]}_node_id", table.c.node_id).create(bind=store._engine, checkfirst=True)


def row_count(store: Any) -> int:
    from sqlalchemy import func, select

    with store._session() as session:
        return int(session.execute(select(func.count()).select_from(store._table_class)).scalar_one())


def fill(store: Any, expected: int, batches: Iterable[tuple[list[BaseNode], np.ndarray]]) -> bool:
    """Insert every batch unless the table already holds `expected` rows; False when nothing was written.

    A table with another count was cut short by a failed build of this same content: emptied and refilled.
    """
    present = row_count(store)
    if present == expected:
        return False
    if present:
        store.clear()
    for nodes, vectors in batches:
        rows = [n.model_copy(update={"embedding": v.tolist()}) for n, v in zip(nodes, vectors, strict=True)]
        for start in range(0, len(rows), BATCH):
            store.add(rows[start : start + BATCH])
    return True


def vectors_of(store: Any, node_ids: list[str]) -> dict[str, np.ndarray]:
    """The stored vectors of `node_ids` (scoring BM25-only hits; reusing vectors in a rebuild)."""
    from sqlalchemy import select

    table = store._table_class
    with store._session() as session:
        rows = session.execute(select(table.node_id, table.embedding).where(table.node_id.in_(node_ids)))
        return {node_id: np.asarray(vector, dtype=np.float32) for node_id, vector in rows}
