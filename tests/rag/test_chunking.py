from llama_index.core.schema import Document, MetadataMode

from rag.chunking import chunk_documents
from rag.config import ChunkingConfig
from rag.sources.base import make_document


def paragraphs(n: int) -> str:
    return "\n\n".join(f"Paragraph {i} says something useful about topic {i}. " * 4 for i in range(n))


def test_chunks_respect_size_and_have_stable_ids():
    doc = make_document("docs", "long.md", "Long", paragraphs(40))
    nodes = chunk_documents([doc], ChunkingConfig())
    assert len(nodes) > 5
    assert all(len(n.text) <= 1000 for n in nodes)
    assert [n.node_id for n in nodes] == [f"docs/long.md#{i}" for i in range(len(nodes))]
    again = chunk_documents([make_document("docs", "long.md", "Long", paragraphs(40))], ChunkingConfig())
    assert [n.text for n in again] == [n.text for n in nodes]


def test_chunks_break_at_paragraphs_when_possible():
    doc = make_document("docs", "p.md", "P", paragraphs(20))
    nodes = chunk_documents([doc], ChunkingConfig(chunk_size=600, chunk_overlap=0))
    # Each paragraph is ~230 chars: a chunk boundary never cuts one in half.
    assert all(n.text.startswith("Paragraph") and n.text.rstrip().endswith(".") for n in nodes)


def test_overlap_repeats_text_between_neighbours():
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    nodes = chunk_documents(
        [make_document("d", "o.md", "O", text)], ChunkingConfig(chunk_size=500, chunk_overlap=100)
    )
    assert any(nodes[i].text[-40:] in nodes[i + 1].text for i in range(len(nodes) - 1))


def test_llm_sees_doc_id_and_title_but_embedding_sees_text_only():
    node = chunk_documents([make_document("docs", "a.md", "Title A", "Body text here.")], ChunkingConfig())[0]
    assert node.get_content(MetadataMode.LLM).startswith("doc_id: docs/a.md\ntitle: Title A\n\nBody")
    assert node.get_content(MetadataMode.EMBED) == "Body text here."


def test_empty_documents_yield_no_chunks():
    assert chunk_documents([Document(id_="x", text="   ", metadata={"doc_id": "x"})], ChunkingConfig()) == []
