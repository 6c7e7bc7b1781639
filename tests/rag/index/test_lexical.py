"""BM25 over chunk texts: identifiers split into their parts, rare words rank, saved indexes load."""

from rag.index.lexical import Bm25, tokens

TEXTS = [
    "Set WIDGET_PORT to change the port the widget server listens on.",
    "The dashboard colour is ultramarine blue.",
    "Call getArtifactStore() to read the stack's artifact store.",
]


def test_identifiers_are_also_split_into_their_parts_and_stopwords_dropped():
    assert tokens("The getArtifactStore call") == ["getartifactstore", "get", "artifact", "store", "call"]
    assert tokens("WIDGET_PORT") == ["widget_port", "widget", "port"]


def test_the_text_sharing_the_rarest_words_ranks_first_and_no_shared_word_finds_nothing():
    index = Bm25.build(TEXTS)
    assert index.search("which colour is the dashboard", 3)[0][0] == 1
    assert index.search("artifact store", 3)[0][0] == 2
    assert index.search("zebra", 3) == []


def test_a_saved_index_loads_and_answers_the_same(tmp_path):
    index = Bm25.build(TEXTS)
    index.save(tmp_path)
    loaded = Bm25.load(tmp_path)
    assert loaded.size == 3
    assert loaded.search("widget port", 2) == index.search("widget port", 2)
