from rag.config import ChunkingConfig, EmbeddingConfig
from rag.index.embedding_cache import EmbeddingCache, embed_text, text_hash
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources import load_documents


def test_cache_from_an_index_fills_only_identical_text_under_the_same_model(agent_config, docs_index):
    cache = EmbeddingCache.from_index(docs_index)
    nodes = chunk_documents(load_documents(agent_config.sources), ChunkingConfig())
    nodes[0].text = nodes[0].text + " Changed."
    assert cache.fill(nodes, EmbeddingConfig()) == len(nodes) - 1
    assert nodes[0].embedding is None and all(n.embedding is not None for n in nodes[1:])
    fresh = chunk_documents(load_documents(agent_config.sources), ChunkingConfig())
    assert cache.fill(fresh, EmbeddingConfig(provider="openai", model="text-embedding-3-small")) == 0


def test_cached_vectors_equal_the_model_output(agent_config, docs_index, embed_model):
    cache = EmbeddingCache.from_index(docs_index)
    nodes = chunk_documents(load_documents(agent_config.sources), ChunkingConfig())[:1]
    cache.fill(nodes, EmbeddingConfig())
    fresh = embed_model.get_text_embedding(nodes[0].get_content(metadata_mode="embed"))
    assert max(abs(a - b) for a, b in zip(nodes[0].embedding, fresh, strict=True)) < 1e-4


def test_vectors_are_never_shared_across_endpoints_or_model_files(tmp_path):
    """Two configs that differ only where the vectors come from share nothing."""
    from llama_index.core.schema import TextNode

    a = EmbeddingConfig(provider="openai_like", model="m", api_base="http://a.example/v1")
    b = EmbeddingConfig(provider="openai_like", model="m", api_base="http://b.example/v1")
    node = TextNode(text="same text")
    cache = EmbeddingCache.from_vectors(EmbeddingCache.key(a), {text_hash(embed_text(node)): [1.0]})
    assert cache.fill([node], b) == 0 and cache.fill([node], a) == 1
    first, second = tmp_path / "one.gguf", tmp_path / "two.gguf"
    first.write_bytes(b"GGUF one")
    second.write_bytes(b"GGUF two")
    gguf = [EmbeddingConfig(provider="llama_cpp", model="m", model_path=p) for p in (first, second)]
    assert EmbeddingCache.key(gguf[0]) != EmbeddingCache.key(gguf[1])
