import numpy as np
import pytest

from rag.config import EmbeddingConfig
from rag.errors import AgentFactoryError
from rag.index.embeddings import EmbeddingInfo, build_embedding, describe
from rag.providers import EMBEDDINGS
from rag.registry import Provider
from tests.helpers import registered


def test_local_model_is_offline_384d_and_normalised(embed_model):
    vectors = np.array(embed_model.get_text_embedding_batch(["install the server", "the sky is blue"]))
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_local_model_ranks_paraphrase_above_unrelated(embed_model):
    q = np.array(embed_model.get_query_embedding("How do I set up the software?"))
    near, far = np.array(
        embed_model.get_text_embedding_batch(["Installation steps for the program", "Bananas are yellow"])
    )
    assert q @ near > q @ far + 0.2


def test_describe_records_provider_model_and_dimension(embed_model):
    assert describe(EmbeddingConfig(), embed_model) == EmbeddingInfo(
        provider="local", model="all-MiniLM-L6-v2", dimension=384, identity="local|all-MiniLM-L6-v2|||int8"
    )


def test_unknown_local_model_is_a_clear_error():
    with pytest.raises(AgentFactoryError, match="embedding.model: local model 'nope'"):
        build_embedding(EmbeddingConfig(model="nope"))


def test_openai_without_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(AgentFactoryError, match="environment variable MY_KEY is not set"):
        build_embedding(
            EmbeddingConfig(provider="openai", model="text-embedding-3-small", api_key_env="MY_KEY")
        )


def test_openai_like_needs_api_base():
    with pytest.raises(AgentFactoryError, match="embedding.api_base: required"):
        build_embedding(EmbeddingConfig(provider="openai_like", model="m"))


def test_openai_like_builds_without_network():
    model = build_embedding(
        EmbeddingConfig(provider="openai_like", model="nomic", api_base="http://127.0.0.1:9/v1")
    )
    assert model.model_name == "nomic"


def test_registry_accepts_custom_provider(embed_model):
    with registered(EMBEDDINGS, "test_fixed", Provider(factory=lambda config: embed_model)):
        assert build_embedding(EmbeddingConfig(provider="test_fixed")) is embed_model


def test_a_repeated_text_is_embedded_once_and_every_chunk_gets_its_vector(embed_model, monkeypatch):
    from llama_index.core.schema import TextNode

    from rag.index.embeddings import embed_nodes

    notice = "This page describes a deprecated API."  # the same notice on every page of a section
    nodes = [TextNode(text=notice), TextNode(text="Port 7341."), TextNode(text=notice)]
    embedded: list[str] = []
    real = type(embed_model).get_text_embedding_batch
    monkeypatch.setattr(type(embed_model), "get_text_embedding_batch",
                        lambda self, texts, **kw: embedded.extend(texts) or real(self, texts, **kw))  # fmt: skip
    embed_nodes(nodes, embed_model)
    assert sorted(embedded) == sorted([notice, "Port 7341."])
    assert nodes[0].embedding == nodes[2].embedding and nodes[0].embedding is not nodes[2].embedding
    assert nodes[0].embedding != nodes[1].embedding
