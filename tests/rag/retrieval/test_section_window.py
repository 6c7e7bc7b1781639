"""SectionWindow over a real docstore of structure-chunked nodes."""

from __future__ import annotations

from llama_index.core.schema import Document, NodeWithScore
from llama_index.core.storage.docstore import SimpleDocumentStore

from rag.config import ChunkingConfig
from rag.ingest.chunking import chunk_documents
from rag.retrieval.section_window import SectionWindow

PAGE = (
    "# Guide\n\n## Install\n\n"
    + "\n\n".join(f"Install step {i} explains one thing in some detail. " * 3 for i in range(6))
    + "\n\n```bash\npip install widget\n```\n\n## Other\n\nAn unrelated section about colours."
)


def _store():
    doc = Document(id_="g.md", text=PAGE, metadata={"doc_id": "g.md", "path": "g.md", "title": "Guide"})
    nodes = chunk_documents([doc], ChunkingConfig(chunk_size=300, chunk_overlap=0))
    store = SimpleDocumentStore()
    store.add_documents(nodes)
    return nodes, store


def test_a_hit_grows_to_its_section_within_the_budget_and_keeps_its_id_and_score():
    nodes, store = _store()
    install = [n for n in nodes if n.metadata["section"] == "Guide > Install"]
    assert len(install) >= 3
    hit = NodeWithScore(node=install[1], score=0.7)
    [wide] = SectionWindow(docstore=store, max_chars=10_000).postprocess_nodes([hit])
    assert (wide.node.node_id, wide.score) == (install[1].node_id, 0.7)
    assert wide.node.text == "\n\n".join(n.text for n in install)  # whole section, in order
    assert "colours" not in wide.node.text  # never past the section


def test_the_budget_bounds_the_window_and_absorbed_hits_are_dropped():
    nodes, store = _store()
    install = [n for n in nodes if n.metadata["section"] == "Guide > Install"]
    budget = len(install[1].text) + len(install[2].text) + 2
    hits = [NodeWithScore(node=install[1], score=0.9), NodeWithScore(node=install[2], score=0.8)]
    out = SectionWindow(docstore=store, max_chars=budget).postprocess_nodes(hits)
    assert [h.node.node_id for h in out] == [install[1].node_id]  # the second hit is inside the first window
    assert len(out[0].node.text) <= budget and install[2].text in out[0].node.text


def test_a_code_block_the_chunker_split_is_one_block_again_in_the_window():
    code = "```python\n" + "\n".join(f"step_{i} = run_step({i})" for i in range(40)) + "\n```"
    doc = Document(id_="c.md", text=f"# Code\n\n## Steps\n\nRun these:\n\n{code}\n",
                   metadata={"doc_id": "c.md", "path": "c.md", "title": "Code"})  # fmt: skip
    nodes = chunk_documents([doc], ChunkingConfig(chunk_size=300, chunk_overlap=0))
    assert sum(n.text.count("```python") for n in nodes) > 1  # the chunker did split it
    store = SimpleDocumentStore()
    store.add_documents(nodes)
    [hit] = SectionWindow(docstore=store, max_chars=5000).postprocess_nodes(
        [NodeWithScore(node=nodes[0], score=1.0)]
    )
    assert hit.node.text == f"Run these:\n\n{code}"
