"""Documents -> nodes of about ``chunk_size`` characters.

Two strategies (``chunking.strategy``):

- ``structure`` (default): sections first (rag/ingest/sections.py), then their blocks packed into
  chunks; a code block or table is never cut unless it alone exceeds the size. Each chunk
  carries its heading path (``section``: "Page > Section > Subsection"), embedded and shown
  to the LLM with the text.
- ``plain``: the raw text split at paragraph and sentence boundaries.

Node ids are stable (``<doc_id>#<n>``) so the same corpus gives the same nodes,
which keeps ZenML caching and incremental rebuilds honest.

>>> from llama_index.core.schema import Document
>>> from rag.config import ChunkingConfig
>>> doc = Document(id_="docs/a.md", text="# A\\n## Setup\\n" + "One. " * 300,
...                metadata={"doc_id": "docs/a.md", "path": "a.md", "title": "A"})
>>> nodes = chunk_documents([doc], ChunkingConfig())
>>> max(len(n.text) for n in nodes) <= 1000, nodes[0].node_id, nodes[0].metadata["section"]
(True, 'docs/a.md#0', 'A > Setup')
>>> nodes[0].get_content(metadata_mode="embed").splitlines()[0]
'section: A > Setup'
"""

from __future__ import annotations

import re

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, Document, NodeRelationship, TextNode

from rag.config import ChunkingConfig
from rag.ingest.sections import FENCES, TABLE_RULE, Section, parse
from rag.progress import tick

# What the LLM sees above each chunk (so it can cite); nothing else leaks into prompts.
LLM_VISIBLE_METADATA = ("doc_id", "title", "section", "url")
EMBEDDED_METADATA = ("section",)
# SentenceSplitter (nltk punkt) grows faster than linearly, and can raise, on a paragraph of
# megabytes; a block this many chunks long is split at sentence ends in one linear pass instead.
HUGE_BLOCK_CHUNKS = 20
SENTENCE_END = re.compile(r"(?<=[.!?])[ \t]+|\n+")


def _characters(text: str) -> list[str]:
    # SentenceSplitter measures length by len(tokenizer(text)): characters, not tokens.
    return list(text)


def _splitter(config: ChunkingConfig) -> SentenceSplitter:
    return SentenceSplitter(
        chunk_size=config.chunk_size,
        chunk_overlap=config.chunk_overlap,
        paragraph_separator="\n\n",
        tokenizer=_characters,
        include_prev_next_rel=False,
        id_func=lambda i, doc: f"{doc.doc_id}#{i}",
    )


def chunk_documents(documents: list[Document], config: ChunkingConfig) -> list[TextNode]:
    """Split documents into nodes; the text (and `section`) is embedded, doc_id and title shown to the LLM."""
    for doc in documents:
        # Metadata excluded while splitting, so chunk_size bounds the text itself.
        doc.excluded_embed_metadata_keys = list(doc.metadata)
        doc.excluded_llm_metadata_keys = list(doc.metadata)
    if config.strategy == "plain":
        nodes: list[BaseNode] = _splitter(config).get_nodes_from_documents(documents)
    else:
        nodes = []
        tick("chunked", "documents", 0, len(documents))
        for done, doc in enumerate(documents, start=1):
            nodes += _structured(doc, config)
            tick("chunked", "documents", done, len(documents))
    for node in nodes:
        node.excluded_llm_metadata_keys = [k for k in node.metadata if k not in LLM_VISIBLE_METADATA]
        node.excluded_embed_metadata_keys = [k for k in node.metadata if k not in EMBEDDED_METADATA]
    return [n for n in nodes if isinstance(n, TextNode) and n.text.strip()]


def _structured(doc: Document, config: ChunkingConfig) -> list[TextNode]:
    meta, sections = parse(doc.text, doc.metadata.get("path", doc.doc_id), doc.metadata.get("title"))
    texts = [(s, text) for s in sections for text in _pack(s.blocks, config)]
    source = doc.as_related_node_info()  # hashes the whole document: once, not once per chunk
    nodes = []
    for i, (section, text) in enumerate(texts):
        metadata = {
            **{f"meta_{k}": v for k, v in meta.items()},
            **doc.metadata,
            **_where(section, doc.metadata),
        }
        node = TextNode(id_=f"{doc.doc_id}#{i}", text=text, metadata=metadata)
        node.relationships[NodeRelationship.SOURCE] = source
        nodes.append(node)
    return nodes


def _where(section: Section, page: dict) -> dict[str, str]:
    """The chunk's heading path, its anchors (section-level hits) and its deep link (``url#anchor``)."""
    where = {"section": " > ".join(section.path)} if section.path else {}
    if section.anchors:
        where["anchors"] = " ".join(section.anchors)
        if page.get("url"):
            where["url"] = f"{page['url'].split('#', 1)[0]}#{section.anchor}"
    return where


def _pack(blocks: list[str], config: ChunkingConfig) -> list[str]:
    """Consecutive blocks joined up to chunk_size; a block too big alone is split on its own."""
    chunks: list[str] = []
    current = ""
    for block in (piece for b in blocks for piece in _fit(b, config)):
        if current and len(current) + 2 + len(block) > config.chunk_size:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{block}" if current else block
    return [*chunks, current] if current else chunks


def _fit(block: str, config: ChunkingConfig) -> list[str]:
    """`block` whole when it fits; code by lines (each piece re-fenced), tables by rows, prose by sentences."""
    if len(block) <= config.chunk_size:
        return [block]
    lines = block.splitlines()
    if block.startswith(FENCES):
        fence, body = lines[0], [line for line in lines[1:] if line.strip() not in FENCES]
        budget = config.chunk_size - len(fence) - 8
        return [f"{fence}\n{piece}\n{fence[:3]}" for piece in _by_lines(body, budget)]
    if block.count("|") >= 2 * len(lines):  # a table: whole rows, each piece under the header
        return _table_pieces(lines, config.chunk_size)
    if len(block) > HUGE_BLOCK_CHUNKS * config.chunk_size:
        return _by_lines(SENTENCE_END.split(block), config.chunk_size, joiner=" ")
    return _splitter(config).split_text(block)


def _table_pieces(lines: list[str], budget: int) -> list[str]:
    """Rows packed up to `budget`; every piece repeats the header, so each chunk reads as a table."""
    head = lines[:2] if len(lines) > 2 and TABLE_RULE.match(lines[1]) else []
    room = budget - sum(len(line) + 1 for line in head)
    if not head or room < budget // 2:  # a header that big would crowd out the rows
        return _by_lines(lines, budget)
    return ["\n".join([*head, piece]) for piece in _by_lines(lines[2:], room)]


def _by_lines(lines: list[str], budget: int, joiner: str = "\n") -> list[str]:
    """Whole lines packed up to `budget`; a longer line is split (at a space when it has one), never cut."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in (part for whole in lines for part in _split_line(whole, budget)):
        if current and size + len(line) > budget:
            pieces.append(joiner.join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    return [*pieces, joiner.join(current)] if current else pieces


def _split_line(line: str, budget: int) -> list[str]:
    """`line` in pieces of at most `budget`, cut at a space where one is near; one pass, no re-slicing."""
    parts, start = [], 0
    while len(line) - start > budget:
        cut = line.rfind(" ", start + budget // 2, start + budget)
        cut = cut if cut > start else start + budget
        parts.append(line[start:cut])
        start = cut
        while start < len(line) and line[start] == " ":
            start += 1
    return [*parts, line[start:]]
