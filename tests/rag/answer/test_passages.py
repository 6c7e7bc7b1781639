from rag.answer.passages import parse_observation, split_sentences

OBSERVATION = (
    "doc_id: docs/ports.rst\ntitle: Network ports\n\nThe widget server listens on TCP port 7341.\n\n"
    "doc_id: docs/colors.md\ntitle: Colors\nsection: Colors > Theme\n\nThe theme colour is blue."
)


def test_parse_observation_splits_passages():
    passages = parse_observation(OBSERVATION)
    assert [(p.doc_id, p.title, p.section) for p in passages] == [
        ("docs/ports.rst", "Network ports", ""),
        ("docs/colors.md", "Colors", "Colors > Theme"),
    ]
    assert passages[1].text == "The theme colour is blue."


def test_split_sentences_drops_headings_and_fragments():
    text = "# Title\n\n- First item is long enough to keep.\nShort.\nOne sentence is here. Another sentence is there!"
    assert split_sentences(text) == [
        "First item is long enough to keep.",
        "One sentence is here.",
        "Another sentence is there!",
    ]
