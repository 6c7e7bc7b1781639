"""The index's chunks on disk: a LlamaIndex docstore over SQLite, addressable by vector position.

A ``KVDocumentStore`` over :class:`~rag.index.sqlite_kvstore.SqliteKVStore`, plus one table mapping
each vector's position in FAISS (and in BM25) to its node id, document and text hash. A
search turns positions into node ids and reads just those nodes; loading an index reads
nothing up front. The text hashes let a rebuild reuse vectors of unchanged chunks
(rag/index/embedding_cache.py) without loading the previous index.

>>> import tempfile
>>> from llama_index.core.schema import TextNode
>>> store = NodeStore(tempfile.mkdtemp() + "/nodes.sqlite", read_only=False)
>>> store.append([TextNode(id_="a.md#0", text="Port 7341.", metadata={"doc_id": "a.md"})])
>>> store.node_ids_at([0]), store.doc_ids(), len(store)
(['a.md#0'], {'a.md'}, 1)
>>> store.get_node("a.md#0").text
'Port 7341.'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from llama_index.core.schema import BaseNode
from llama_index.core.storage.docstore.keyval_docstore import KVDocumentStore
from llama_index.core.storage.docstore.utils import json_to_doc

from rag.index.sqlite_kvstore import SqliteKVStore

POSITIONS = """CREATE TABLE IF NOT EXISTS positions (
    position INTEGER PRIMARY KEY, node_id TEXT NOT NULL, doc_id TEXT NOT NULL, text_hash TEXT NOT NULL)"""
LOOKUPS = (
    "CREATE INDEX IF NOT EXISTS positions_by_hash ON positions (text_hash)",
    "CREATE INDEX IF NOT EXISTS positions_by_doc ON positions (doc_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS positions_by_node ON positions (node_id)",  # pgvector answers with ids
)


def text_hash(node: BaseNode) -> str:
    """The hash of the text a chunk's vector was made from (what the embedder saw)."""
    return hashlib.sha256(node.get_content(metadata_mode="embed").encode("utf-8")).hexdigest()


def doc_id_of(node: BaseNode) -> str:
    return str(node.metadata.get("doc_id") or node.ref_doc_id or node.node_id)


class NodeStore(KVDocumentStore):
    """Chunks by node id, and by position: the i-th vector of the index is the i-th appended node."""

    def __init__(self, path: str | Path, read_only: bool = True) -> None:
        self.kv = SqliteKVStore(path, read_only=read_only)
        super().__init__(self.kv)
        if not read_only:
            with self.kv.connection() as db:
                db.execute(POSITIONS)

    def append(self, nodes: Sequence[BaseNode]) -> None:
        """Store `nodes` (without their vectors: those live in the vector index) after the last position."""
        start = len(self)
        bare = [node.model_copy(update={"embedding": None}) for node in nodes]
        self.add_documents(bare, batch_size=len(bare) or 1)
        rows = [(start + i, n.node_id, doc_id_of(n), text_hash(n)) for i, n in enumerate(bare)]
        with self.kv.connection() as db:
            db.executemany("INSERT INTO positions VALUES (?, ?, ?, ?)", rows)

    def finish(self) -> None:
        """Index the lookups (once, after the bulk insert: faster than maintaining them row by row)."""
        with self.kv.connection() as db:
            for statement in LOOKUPS:
                db.execute(statement)

    def __len__(self) -> int:
        return self.kv.connection().execute("SELECT COUNT(*) FROM positions").fetchone()[0]

    def node_ids_at(self, positions: Sequence[int]) -> list[str]:
        """The node ids at `positions`, in that order (unknown positions are left out)."""
        by_position = self._select("SELECT position, node_id FROM positions WHERE position IN", positions)
        return [by_position[p] for p in positions if p in by_position]

    def positions_of(self, node_ids: Sequence[str]) -> dict[str, int]:
        return self._select("SELECT node_id, position FROM positions WHERE node_id IN", node_ids)

    def positions_of_hashes(self, hashes: Sequence[str]) -> dict[str, int]:
        """A position holding each known text hash."""
        return self._select("SELECT text_hash, position FROM positions WHERE text_hash IN", hashes)

    def text_hashes(self) -> Iterator[str]:
        """Every chunk's text hash, in position order (streamed)."""
        for (digest,) in self.kv.connection().execute("SELECT text_hash FROM positions ORDER BY position"):
            yield digest

    def doc_ids(self) -> set[str]:
        return {row[0] for row in self.kv.connection().execute("SELECT DISTINCT doc_id FROM positions")}

    def get_nodes(self, node_ids: list[str], raise_error: bool = True) -> list[BaseNode]:
        """The nodes of `node_ids` in order, in one query (LlamaIndex's default asks one by one)."""
        found = self.kv.get_many(list(node_ids), collection=self._node_collection)
        if raise_error and (missing := [i for i in node_ids if i not in found]):
            raise ValueError(f"node_id {missing[0]} not found in the index's node store")
        return [json_to_doc(found[i]) for i in node_ids if i in found]

    def _select(self, query: str, keys: Sequence) -> dict:
        out: dict = {}
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            rows = self.kv.connection().execute(f"{query} ({','.join('?' * len(part))})", part)
            out.update(rows.fetchall())
        return out
