import pytest

from rag.config import EmbeddingConfig, IndexConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import describe
from rag.index.faiss_store import choose_index_type
from rag.index.manifest import DocsIndexError, IndexMismatchError, read_manifest
from rag.retrieval.search import retrieve
from tests.helpers import refuse_pickle


def describe_local(model):
    return describe(EmbeddingConfig(), model)


QUESTIONS = {
    "How do I install the widget server?": "docs/install.md",
    "What colour is the dashboard theme?": "docs/colors.md",
    "When are database backups made and how long are they kept?": "docs/backups.md",
    "Which TCP port does the server listen on?": "docs/ports.rst",
    "Who started the widget project?": "docs/about.html",
}


@pytest.fixture()
def no_pickle(monkeypatch):
    refuse_pickle(monkeypatch)


def test_build_save_load_retrieve_finds_the_one_right_document(docs_index, tmp_path, no_pickle):
    saved = docs_index.save(tmp_path / "index")
    loaded = DocsIndex.load(saved, embedding_config=EmbeddingConfig())
    assert loaded.manifest == docs_index.manifest
    for question, doc_id in QUESTIONS.items():
        assert retrieve(loaded, question, top_k=1)[0].node.metadata["doc_id"] == doc_id, question


def test_saved_files_are_faiss_sqlite_and_json(docs_index, tmp_path):
    saved = docs_index.save(tmp_path / "index")
    names = {p.name for p in saved.iterdir()}
    assert {"manifest.json", "nodes.sqlite", "vectors.faiss", "bm25_vocab.json"} <= names
    assert (saved / "vectors.faiss").read_bytes()[:4] == b"IxFI"  # faiss IndexFlatIP header
    assert (saved / "nodes.sqlite").read_bytes()[:15] == b"SQLite format 3"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.")]  # no temp left


def test_loading_reads_no_chunk_until_a_question_needs_it(docs_index, tmp_path, monkeypatch):
    """The node store is read per question: loading parses no node, a question parses only its hits."""
    import rag.index.node_store

    parsed = []
    real = rag.index.node_store.json_to_doc
    monkeypatch.setattr(rag.index.node_store, "json_to_doc", lambda data: parsed.append(data) or real(data))
    loaded = DocsIndex.load(docs_index.save(tmp_path / "index"))
    assert parsed == []
    hits = retrieve(loaded, "Which TCP port does the server listen on?", top_k=2)
    assert len(hits) == 2 and len(parsed) <= 4 < docs_index.manifest.vectors


def test_loaded_index_files_are_never_written(docs_index, tmp_path):
    """Artifacts are immutable: opening and querying leaves every byte and no journal files."""
    saved = docs_index.save(tmp_path / "index")
    saved.chmod(0o555)
    for path in saved.iterdir():
        path.chmod(0o444)
    try:
        snapshot = {p.name: p.read_bytes() for p in saved.iterdir()}
        retrieve(DocsIndex.load(saved), "How do I install the widget server?", top_k=3)
        assert {p.name: p.read_bytes() for p in saved.iterdir()} == snapshot
    finally:
        saved.chmod(0o755)


def test_an_index_of_the_old_format_asks_for_a_rebuild(docs_index, tmp_path):
    import json

    saved = docs_index.save(tmp_path / "index")
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "format_version": 1}))
    with pytest.raises(DocsIndexError, match="older agent-factory .* rebuild it"):
        DocsIndex.load(saved)


def test_manifest_records_embedder_and_counts(docs_index):
    manifest = docs_index.manifest
    assert (manifest.embedding.provider, manifest.embedding.model, manifest.embedding.dimension) == (
        "local",
        "all-MiniLM-L6-v2",
        384,
    )
    assert manifest.index_type == "flat" and manifest.vectors >= 5 and manifest.documents == 5


def test_loading_with_another_embedder_is_refused(docs_index, tmp_path):
    saved = docs_index.save(tmp_path / "index")
    with pytest.raises(
        IndexMismatchError,
        match="built with embedding local/all-MiniLM-L6-v2 .* asks for openai/text-embedding-3-small",
    ):
        DocsIndex.load(
            saved, embedding_config=EmbeddingConfig(provider="openai", model="text-embedding-3-small")
        )


def test_not_an_index_folder(tmp_path):
    with pytest.raises(DocsIndexError, match="not a saved index"):
        read_manifest(tmp_path)


def test_hnsw_index_round_trips(agent_config, docs_index, embed_model, tmp_path):
    nodes = list(docs_index.docstore.docs.values())
    for node in nodes:
        node.embedding = None
    index = DocsIndex.build(
        nodes, embed_model, agent_config.embedding, docs_index.manifest.embedding, IndexConfig(type="hnsw")
    )
    loaded = DocsIndex.load(index.save(tmp_path / "hnsw"))
    assert loaded.manifest.index_type == "hnsw"
    assert (
        retrieve(loaded, "Which TCP port does the server listen on?", 1)[0].node.metadata["doc_id"]
        == "docs/ports.rst"
    )


def test_auto_index_type_switches_on_size():
    config = IndexConfig(auto_approximate_above=1000)
    assert (choose_index_type(config, 1000), choose_index_type(config, 1001)) == ("flat", "ivf")
    assert choose_index_type(IndexConfig(type="hnsw"), 3) == "hnsw"


def test_ivf_index_round_trips_and_feeds_the_embedding_cache(agent_config, embed_model, tmp_path):
    from rag.config import ChunkingConfig
    from rag.index.embedding_cache import EmbeddingCache
    from rag.ingest.chunking import chunk_documents
    from rag.ingest.sources.base import make_document

    facts = [f"Widget part {i} is stored in aisle {i % 17} on shelf {i % 5}, bin {i}." for i in range(200)]
    nodes = chunk_documents(
        [make_document("docs", f"p{i}.md", f"P{i}", t) for i, t in enumerate(facts)], ChunkingConfig()
    )
    info = describe_local(embed_model)
    index = DocsIndex.build(
        nodes, embed_model, EmbeddingConfig(), info, IndexConfig(type="ivf", ivf_nprobe=4)
    )
    loaded = DocsIndex.load(index.save(tmp_path / "ivf"))
    assert (loaded.manifest.index_type, loaded.manifest.ivf_nprobe) == ("ivf", 4)
    assert (
        retrieve(loaded, "Where is widget part 123 stored?", 1)[0].node.metadata["doc_id"] == "docs/p123.md"
    )
    fresh = chunk_documents(
        [make_document("docs", f"p{i}.md", f"P{i}", t) for i, t in enumerate(facts)], ChunkingConfig()
    )
    assert EmbeddingCache.from_index(loaded).fill(fresh, EmbeddingConfig()) == 200


def test_zero_chunks_is_an_error(agent_config, docs_index, embed_model):
    with pytest.raises(DocsIndexError, match="zero chunks"):
        DocsIndex.build([], embed_model, agent_config.embedding, docs_index.manifest.embedding, IndexConfig())


def test_an_index_whose_model_file_changed_is_refused(docs_index, tmp_path, embed_model):
    from rag.index.embeddings import describe
    from rag.providers import EMBEDDINGS
    from rag.registry import Provider
    from tests.helpers import registered

    model_file = tmp_path / "model.bin"
    model_file.write_bytes(b"weights v1")
    with registered(EMBEDDINGS, "file_backed", Provider(factory=lambda c: embed_model)):
        config = EmbeddingConfig(provider="file_backed", model="m", model_path=model_file)
        nodes = [n.model_copy() for n in docs_index.docstore.docs.values()]
        built = DocsIndex.build(nodes, embed_model, config, describe(config, embed_model), IndexConfig())
        saved = built.save(tmp_path / "index")
        assert DocsIndex.load(saved, config).manifest.vectors == len(nodes)
        model_file.write_bytes(b"weights v2")  # same path, other vectors
        with pytest.raises(IndexMismatchError, match="the embedding model changed since the index was built"):
            DocsIndex.load(saved)


def test_damaged_index_files_are_a_clear_error(docs_index, tmp_path):
    saved = docs_index.save(tmp_path / "index")
    (saved / "vectors.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(DocsIndexError, match="the index files are damaged"):
        DocsIndex.load(saved)
    saved = docs_index.save(tmp_path / "index")
    (saved / "nodes.sqlite").write_text("{broken")
    with pytest.raises(DocsIndexError, match=f"{saved}: the index files are damaged"):
        DocsIndex.load(saved)
    saved = docs_index.save(tmp_path / "index")
    next(saved.glob("bm25_*.npy")).write_bytes(b"")  # an empty array file (EOFError inside numpy)
    with pytest.raises(DocsIndexError, match="the index files are damaged"):
        DocsIndex.load(saved)
    for damage in ("{broken", "[]", '{"format_version": 2, "vectors": "many"}', "[" * 100_000):
        saved = docs_index.save(tmp_path / "index")
        (saved / "manifest.json").write_text(damage)
        with pytest.raises(DocsIndexError, match="manifest.json: (damaged|unsupported)"):
            DocsIndex.load(saved)


def test_saving_never_replaces_a_folder_it_did_not_write(docs_index, tmp_path, monkeypatch):
    from rag.index.manifest import MARKER

    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.md").write_text("my files")
    with pytest.raises(DocsIndexError, match="was not written by agent-factory"):
        docs_index.save(user)
    assert (user / "notes.md").read_text() == "my files"
    monkeypatch.chdir(user)
    with pytest.raises(DocsIndexError, match="is the working directory"):
        docs_index.save(".")
    saved = docs_index.save(tmp_path / "index")
    assert (saved / MARKER).is_file()
    assert docs_index.save(saved) == saved  # its own folder is replaced
