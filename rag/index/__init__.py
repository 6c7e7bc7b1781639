"""The index: chunks embedded and stored, searched by vector and by word.

``embeddings`` (the providers, the packaged MiniLM) and ``onnx_encoder`` (its ONNX export) turn
text into vectors, ``embedding_cache`` reuses them across builds; ``writer`` writes a folder:
``faiss_store`` (vectors) or ``pgvector`` (vectors in PostgreSQL), ``node_store`` on
``sqlite_kvstore`` (chunks), ``lexical`` (BM25); ``manifest`` records what built it, and
``docs_index`` opens a saved folder. Searching it is ``rag.retrieval``'s job, one layer up.
"""

# Versions stored before the role folders recorded these classes as ``rag.index.<name>``.
from rag.index.docs_index import DocsIndex
from rag.index.manifest import DocsIndexError, IndexManifest

__all__ = ["DocsIndex", "DocsIndexError", "IndexManifest"]
