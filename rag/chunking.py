"""Documents -> nodes of at most ``chunk_size`` characters, split at paragraph and
sentence boundaries where possible.

Node ids are stable (``<doc_id>#<n>``) so the same corpus gives the same nodes,
which keeps ZenML caching and incremental rebuilds honest.

>>> from llama_index.core.schema import Document
>>> from rag.chunking import chunk_documents
>>> from rag.config import ChunkingConfig
>>> doc = Document(id_="docs/a.md", text="One. " * 500, metadata={"doc_id": "docs/a.md", "title": "A"})
>>> nodes = chunk_documents([doc], ChunkingConfig())
>>> max(len(n.text) for n in nodes) <= 1000, nodes[0].node_id
(True, 'docs/a.md#0')
"""

from __future__ import annotations

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, Document, TextNode

from rag.config import ChunkingConfig

# What the LLM sees above each chunk (so it can cite); nothing else leaks into prompts.
LLM_VISIBLE_METADATA = ("doc_id", "title")


def _characters(text: str) -> list[str]:
    # SentenceSplitter measures length by len(tokenizer(text)): characters, not tokens.
    return list(text)


def chunk_documents(documents: list[Document], config: ChunkingConfig) -> list[TextNode]:
    """Split documents into nodes; chunk text only is embedded, doc_id and title are shown to the LLM."""
    splitter = SentenceSplitter(
        chunk_size=config.chunk_size,
        chunk_overlap=config.chunk_overlap,
        paragraph_separator="\n\n",
        tokenizer=_characters,
        include_prev_next_rel=False,
        id_func=lambda i, doc: f"{doc.doc_id}#{i}",
    )
    for doc in documents:
        # Metadata excluded while splitting, so chunk_size bounds the text itself.
        doc.excluded_embed_metadata_keys = list(doc.metadata)
        doc.excluded_llm_metadata_keys = list(doc.metadata)
    nodes: list[BaseNode] = splitter.get_nodes_from_documents(documents)
    for node in nodes:
        node.excluded_llm_metadata_keys = [k for k in node.metadata if k not in LLM_VISIBLE_METADATA]
    return [n for n in nodes if isinstance(n, TextNode) and n.text.strip()]
