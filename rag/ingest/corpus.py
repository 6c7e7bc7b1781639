"""CorpusFingerprint: what a corpus was, in a few numbers and one hash.

The content hash covers every document id and its content hash, in order, so two
builds share a fingerprint exactly when they indexed the same text.
"""

from __future__ import annotations

import hashlib

from llama_index.core.schema import Document, TextNode
from pydantic import BaseModel


class CorpusFingerprint(BaseModel):
    documents: int
    chunks: int
    characters: int
    sources: list[str]
    content_hash: str


def fingerprint(documents: list[Document], nodes: list[TextNode]) -> CorpusFingerprint:
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.doc_id):
        digest.update(f"{doc.doc_id}\0{doc.metadata.get('content_hash', '')}\n".encode())
    return CorpusFingerprint(
        documents=len(documents),
        chunks=len(nodes),
        characters=sum(len(d.text) for d in documents),
        # A git source is named with the commit it was read at: the fingerprint pins it.
        sources=sorted(
            {
                d.metadata.get("source", "")
                + (f"@{d.metadata['commit']}" if d.metadata.get("commit") else "")
                for d in documents
            }
        ),
        content_hash=digest.hexdigest(),
    )


class Corpus(BaseModel):
    """The documents of one ingest, as one JSON artifact (ZenML content-hashes it for caching)."""

    documents: list[Document]


class Chunks(BaseModel):
    """The nodes of one chunking run, as one JSON artifact."""

    nodes: list[TextNode]
