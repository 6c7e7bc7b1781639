import numpy as np
import pytest

from rag.config import RetrievalConfig
from rag.index.docs_index import DocsIndex
from rag.index.lexical import Bm25, tokens
from rag.retrieval.search import retrieve


def test_code_aware_tokens_split_identifiers_and_keep_them_whole():
    assert tokens("BaseArtifactStore") == ["baseartifactstore", "base", "artifact", "store"]
    assert tokens("artifact_store.save()") == ["artifact_store", "artifact", "store", "save"]
    assert "the" not in tokens("What is the stack?")


def _rank(hits, doc_id: str) -> int:
    return [h.node.metadata["doc_id"] for h in hits].index(doc_id)


def test_hybrid_ranks_the_exact_number_higher_and_keeps_cosine_scores(parts_index):
    question = "Where is widget part 123 stored?"
    hybrid = retrieve(parts_index, question, 60)
    dense_hits = retrieve(parts_index, question, 60, RetrievalConfig(hybrid=False))
    best = parts_index.bm25.search(question, 1)[0][0]
    assert parts_index.nodes.node_ids_at([best])[0].startswith("parts/p123.md")
    assert _rank(hybrid, "parts/p123.md") < _rank(dense_hits, "parts/p123.md")
    query = np.asarray(parts_index.embed_model.get_query_embedding(question))
    positions = parts_index.nodes.positions_of([h.node.node_id for h in hybrid[:5]])
    for hit in hybrid[:5]:  # fusion reorders; the score shown is still the chunk's cosine similarity
        stored = parts_index.vectors([positions[hit.node.node_id]])[0]
        assert hit.score == pytest.approx(float(np.dot(stored, query)), abs=1e-5)


def test_distinct_pages_return_one_chunk_per_page(parts_index):
    config = RetrievalConfig(distinct_pages=True)
    pages = [h.node.metadata["doc_id"] for h in retrieve(parts_index, "part 123 gasket bin", 5, config)]
    assert len(pages) == len(set(pages)) == 5
    both = [h.node.metadata["doc_id"] for h in retrieve(parts_index, "part 123 gasket bin", 5)]
    assert both.count("parts/p123.md") == 2  # in chunk order (the default) the page takes two places
    pages = RetrievalConfig(page_weight=0.5)
    ranked = [h.node.metadata["doc_id"] for h in retrieve(parts_index, "part 123 gasket bin", 5, pages)]
    assert ranked[0] == "parts/p123.md" and len(set(ranked)) == 5  # page by page: distinct pages first


def test_bm25_saved_without_pickle_and_loaded_with_the_index(parts_index, tmp_path):
    saved = parts_index.save(tmp_path / "index")
    names = sorted(p.name for p in saved.iterdir() if p.name.startswith("bm25_"))
    assert names and all(n.endswith((".json", ".npy")) for n in names)
    loaded = DocsIndex.load(saved)
    assert loaded.manifest.lexical and loaded.bm25 is not None
    best = loaded.bm25.search("part 123", 1)[0][0]
    assert loaded.nodes.node_ids_at([best]) in (["parts/p123.md#0"], ["parts/p123.md#1"])


def test_index_saved_without_bm25_loads_dense_only(parts_index, tmp_path):
    saved = parts_index.save(tmp_path / "index")
    for path in saved.glob("bm25_*"):
        path.unlink()
    manifest = saved / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"lexical": true', '"lexical": false'))
    old = DocsIndex.load(saved)
    assert old.bm25 is None and retrieve(old, "Where is widget part 123 stored?", 1)


def test_bm25_search_with_no_known_word_finds_nothing():
    assert Bm25.build(["alpha beta"]).search("the of and", 3) == []


def test_an_api_path_is_found_by_its_last_name_and_by_its_words():
    bm25 = Bm25.build(["Use ray.data.Dataset.map_batches for batch inference.", "Ray Serve deployments"])
    assert bm25.search("what does map_batches do", 1)[0][0] == 0
    assert bm25.search("how do I map batches", 1)[0][0] == 0
