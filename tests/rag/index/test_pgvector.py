"""index.type pgvector: vectors in a real PostgreSQL (pgvector) on 127.0.0.1, chunks and BM25 in the index."""

from __future__ import annotations

import pytest

from rag.config import IndexConfig, PgVectorConfig
from rag.index.docs_index import DocsIndex
from rag.index.pgvector import VectorStoreError, open_store, row_count
from rag.retrieval.search import retrieve
from tests.rag.index.test_docs_index import QUESTIONS

pytestmark = pytest.mark.slow


@pytest.fixture()
def pg_env(postgres_url, monkeypatch):
    monkeypatch.setenv("TEST_PGVECTOR_URL", postgres_url)
    return PgVectorConfig(url_env="TEST_PGVECTOR_URL", table="test_chunks")


def _build(docs_index, embed_model, agent_config, config: PgVectorConfig, nodes=None) -> DocsIndex:
    nodes = nodes or [n.model_copy() for n in docs_index.docstore.docs.values()]
    return DocsIndex.build(nodes, embed_model, agent_config.embedding, docs_index.manifest.embedding,
                           IndexConfig(type="pgvector", pgvector=config))  # fmt: skip


def test_pgvector_index_answers_like_faiss_and_records_its_table(
    docs_index, embed_model, agent_config, pg_env, tmp_path
):
    built = _build(docs_index, embed_model, agent_config, pg_env)
    manifest = built.manifest
    assert manifest.index_type == "pgvector" and manifest.vector_table.startswith("test_chunks_")
    assert manifest.pgvector == pg_env and "postgresql://" not in manifest.model_dump_json()  # no URL kept
    saved = built.save(tmp_path / "index")
    assert not (saved / "vectors.faiss").exists()
    loaded = DocsIndex.load(saved)
    for question, doc_id in QUESTIONS.items():
        hit = retrieve(loaded, question, top_k=1)[0]
        assert hit.node.metadata["doc_id"] == doc_id, question
        faiss_hit = retrieve(docs_index, question, top_k=1)[0]
        assert hit.score == pytest.approx(faiss_hit.score, abs=1e-4)  # the same cosine similarity


def test_rebuilding_the_same_content_writes_nothing_and_other_content_gets_its_own_table(
    docs_index, embed_model, agent_config, pg_env, tmp_path
):
    first = _build(docs_index, embed_model, agent_config, pg_env)
    store = open_store(pg_env, first.manifest.vector_table, 384)
    rows = row_count(store)
    again = _build(docs_index, embed_model, agent_config, pg_env)
    assert again.manifest.vector_table == first.manifest.vector_table and row_count(store) == rows
    nodes = [n.model_copy() for n in docs_index.docstore.docs.values()][:-1]  # a document deleted
    other = _build(docs_index, embed_model, agent_config, pg_env, nodes)
    assert other.manifest.vector_table != first.manifest.vector_table
    assert (
        DocsIndex.load(first.save(tmp_path / "first")).manifest.vectors == rows
    )  # the old version still loads


def test_a_missing_or_wrong_database_url_names_the_setting(
    docs_index, embed_model, agent_config, monkeypatch, postgres_url
):
    monkeypatch.delenv("NO_SUCH_PG_URL", raising=False)
    with pytest.raises(VectorStoreError, match="index.pgvector.url_env: environment variable NO_SUCH_PG_URL"):
        _build(docs_index, embed_model, agent_config, PgVectorConfig(url_env="NO_SUCH_PG_URL"))
    dead = postgres_url.rsplit(":", 1)[0] + ":1/postgres"
    monkeypatch.setenv("DEAD_PG_URL", dead)
    with pytest.raises(
        VectorStoreError, match=r"index.pgvector.url_env \(DEAD_PG_URL\): cannot use PostgreSQL"
    ):
        _build(docs_index, embed_model, agent_config, PgVectorConfig(url_env="DEAD_PG_URL"))


def test_the_table_is_indexed_by_node_id_so_hybrid_hits_are_looked_up_not_scanned(
    docs_index, embed_model, agent_config, pg_env
):
    from sqlalchemy import text

    built = _build(docs_index, embed_model, agent_config, pg_env)
    store = open_store(pg_env, built.manifest.vector_table, 384)
    query = f"SET enable_seqscan = off; EXPLAIN SELECT embedding FROM {store._table_class.__table__.name} "
    with store._session() as session:
        plan = session.execute(text(query + "WHERE node_id IN ('a', 'b')")).scalars().all()
    assert any("node_id" in line and "Index" in line for line in plan), plan
