"""A small index where dense search and BM25 disagree, shared read-only by the retrieval tests."""

import pytest
from llama_index.core.schema import NodeRelationship, TextNode

from rag.config import EmbeddingConfig, IndexConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe
from tests.rag.retrieval.rerank.conftest import cross_encoder  # noqa: F401  (the tiny cross-encoder)


def _node(doc_id: str, text: str, i: int = 0) -> TextNode:
    node = TextNode(id_=f"{doc_id}#{i}", text=text, metadata={"doc_id": doc_id, "content_hash": doc_id})
    node.relationships[NodeRelationship.SOURCE] = TextNode(id_=doc_id).as_related_node_info()
    return node


@pytest.fixture(scope="module")
def parts_index():
    # Dense search blurs part numbers; BM25 matches them exactly. fp32: the steps' tests need its order.
    config = EmbeddingConfig(backend="onnx")
    embed_model = build_embedding(config)
    nodes = [
        _node(f"parts/p{n}.md", f"Widget part {n} is stored in warehouse bin {n * 7 % 50}.")
        for n in range(100, 160)
    ]
    nodes += [_node("parts/p123.md", "Part 123 ships with a spare gasket.", 1)]
    return DocsIndex.build(nodes, embed_model, config, describe(config, embed_model), IndexConfig())
