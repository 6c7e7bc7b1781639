from hypothesis import given, settings
from hypothesis import strategies as st
from llama_index.core.schema import Document, MetadataMode

from rag.config import ChunkingConfig
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources.base import make_document


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
        [make_document("d", "o.md", "O", text)],
        ChunkingConfig(strategy="plain", chunk_size=500, chunk_overlap=100),
    )
    assert any(nodes[i].text[-40:] in nodes[i + 1].text for i in range(len(nodes) - 1))


def test_llm_sees_doc_id_title_and_section_embedding_sees_section_and_text():
    doc = make_document("docs", "a.md", "Title A", "# Title A\n## Setup\nBody text here.")
    node = chunk_documents([doc], ChunkingConfig())[0]
    assert node.get_content(MetadataMode.LLM) == (
        "doc_id: docs/a.md\ntitle: Title A\nsection: Title A > Setup\n\nBody text here."
    )
    assert node.get_content(MetadataMode.EMBED) == "section: Title A > Setup\n\nBody text here."
    plain = chunk_documents([doc], ChunkingConfig(strategy="plain"))[0]
    assert plain.get_content(MetadataMode.EMBED) == doc.text  # the raw text, nothing else


PAGE = """---
description: How to serve.
---
# Serve

{% hint style="info" %}
Read [the install guide](../install.md) first.
{% endhint %}

<!-- editors: keep this short -->

## Start the server

```shell
agent-factory serve --port 7341

# the port can change
agent-factory serve --port 8000
```

| flag | meaning |
| --- | --- |
| --port | where it listens |

### Stop it

Press Ctrl-C.
"""


def test_structure_splits_on_headings_keeps_code_and_tables_and_drops_markup():
    nodes = chunk_documents([make_document("docs", "serve.md", "Serve", PAGE)], ChunkingConfig())
    by_section = {n.metadata["section"]: n.text for n in nodes}
    assert list(by_section) == ["Serve", "Serve > Start the server", "Serve > Start the server > Stop it"]
    assert by_section["Serve"] == "Read the install guide first."  # no GitBook tags, link target, comment
    code = PAGE[PAGE.index("```shell") : PAGE.index("```\n\n|") + 3]
    assert code in by_section["Serve > Start the server"]  # the code block whole, blank line included
    assert "--port | where it listens" in by_section["Serve > Start the server"]
    assert (
        "| flag | meaning |\n| --- | --- |\n| --port | where it listens |"
        in by_section["Serve > Start the server"]
    )
    assert nodes[0].metadata["meta_description"] == "How to serve."  # front matter as metadata


def test_structure_never_cuts_a_code_block_that_fits_and_refences_one_that_does_not():
    code = "```python\n" + "\n".join(f"x_{i} = {i}" for i in range(30)) + "\n```"
    text = "# T\n\n" + "Intro sentence here. " * 20 + "\n\n" + code
    nodes = chunk_documents([make_document("d", "c.md", "T", text)], ChunkingConfig(chunk_size=400))
    assert any(n.text == code for n in nodes) or any(code in n.text for n in nodes)
    long_code = "```python\n" + "\n".join(f"value_{i} = {i}" for i in range(200)) + "\n```"
    pieces = chunk_documents([make_document("d", "l.md", "L", long_code)], ChunkingConfig(chunk_size=400))
    assert len(pieces) > 1 and all(len(p.text) <= 400 for p in pieces)
    assert all(p.text.startswith("```python\n") and p.text.endswith("\n```") for p in pieces)


def test_rst_headings_make_sections():
    text = "Guide\n=====\n\nIntro.\n\nInstall\n-------\n\nRun pip.\n"
    nodes = chunk_documents([make_document("d", "g.rst", "Guide", text)], ChunkingConfig())
    assert [(n.metadata["section"], n.text) for n in nodes] == [
        ("Guide", "Intro."),
        ("Guide > Install", "Run pip."),
    ]


def test_empty_documents_yield_no_chunks():
    assert chunk_documents([Document(id_="x", text="   ", metadata={"doc_id": "x"})], ChunkingConfig()) == []


def test_html_pages_chunk_by_their_headings_with_code_kept():
    from rag.ingest.html_page import html_to_markdown

    html = (
        "<title>Guide</title><h1>Guide</h1><p>Intro.</p><h2>Install</h2><pre>pip install x\n\n  --pre</pre>"
    )
    text, title = html_to_markdown(html)
    doc = make_document("site", "https://docs.example.com/guide", title, text)  # a crawled page: no suffix
    nodes = chunk_documents([doc], ChunkingConfig())
    assert [(n.metadata["section"], n.text) for n in nodes] == [
        ("Guide", "Intro."),
        ("Guide > Install", "```\npip install x\n\n  --pre\n```"),
    ]


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
LINE = st.lists(WORD, min_size=1, max_size=400).map(" ".join)  # up to ~5,000 characters: longer than a chunk
BLOCK = st.one_of(
    LINE,  # a paragraph
    st.lists(LINE, min_size=1, max_size=4).map(lambda lines: "```shell\n" + "\n".join(lines) + "\n```"),
    st.lists(st.tuples(LINE, LINE), min_size=1, max_size=4).map(
        lambda rows: "| name | value |\n| --- | --- |\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(BLOCK, min_size=1, max_size=6), st.sampled_from([200, 1000]))
def test_every_word_of_a_document_lands_in_some_chunk(blocks, size):
    """No content is silently lost: long code lines and table cells are split, never cut."""
    text = "# Page\n\n" + "\n\n".join(blocks)
    nodes = chunk_documents([make_document("docs", "page.md", "Page", text)], ChunkingConfig(chunk_size=size))
    chunked = {word for node in nodes for word in node.text.split()}
    assert set(text.split()) - {"#", "```shell", "```", "|", "---", "Page"} <= chunked


def test_megabyte_paragraphs_split_at_sentences_without_losing_a_word():
    """A paragraph of hundreds of chunks (a generated changelog, a minified page) is split in one
    linear pass: nltk's sentence tokenizer raised on 'A. ' x 333k and took seconds on one long line."""
    cases = {
        "sentences": " ".join(f"S{i}." for i in range(60_000)),
        "one long word": "x" * 50_000,
        "words": " ".join(f"w{i}" for i in range(20_000)),
    }
    for name, paragraph in cases.items():
        nodes = chunk_documents(
            [make_document("docs", "p.md", "P", paragraph)], ChunkingConfig(chunk_size=500)
        )
        assert all(len(n.text) <= 500 for n in nodes), name
        assert "".join("".join(n.text.split()) for n in nodes) == "".join(paragraph.split()), name
    sentence_ends = [
        n.text
        for n in chunk_documents([make_document("d", "p.md", "P", cases["sentences"])], ChunkingConfig())
    ]
    assert all(text.endswith(".") for text in sentence_ends)


def test_a_table_longer_than_a_chunk_repeats_its_header_in_every_chunk():
    rows = "\n".join(f"| `setting_{i}` | {i} | what setting {i} changes |" for i in range(60))
    text = f"# Settings\n\n| setting | default | meaning |\n| --- | --- | --- |\n{rows}"
    nodes = chunk_documents([make_document("docs", "s.md", "Settings", text)], ChunkingConfig(chunk_size=500))
    assert len(nodes) > 3 and all(len(n.text) <= 500 for n in nodes)
    assert all(
        n.text.startswith("| setting | default | meaning |\n| --- | --- | --- |\n| `setting_") for n in nodes
    )
    assert sum(n.text.count("| what setting") for n in nodes) == 60  # every row once
