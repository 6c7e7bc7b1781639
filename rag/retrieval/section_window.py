"""SectionWindow: each retrieved chunk widened to the neighbouring chunks of its section.

Search works best on small chunks; a reader (or an LLM) wants the whole section they come
from. Structure chunking (rag/ingest/chunking.py) numbers a page's chunks in reading order
(``<doc_id>#<n>``), so a chunk's section is the run of neighbours with the same ``doc_id``
and ``section``. The window grows after the chunk first (the code after "run this:"), then
before it, up to ``max_chars``; a later hit already inside an earlier window is dropped.
Node ids and scores are kept, so citations and evaluation still name the retrieved chunk.

>>> from llama_index.core.schema import NodeWithScore, TextNode
>>> from llama_index.core.storage.docstore import SimpleDocumentStore
>>> meta = {"doc_id": "a.md", "section": "A > Setup"}
>>> store = SimpleDocumentStore()
>>> store.add_documents([TextNode(id_=f"a.md#{i}", text=t, metadata=meta) for i, t in
...                      enumerate(["Install it:", "```\\npip install a\\n```", "Done."])])
>>> hit = NodeWithScore(node=store.get_node("a.md#0"), score=0.9)
>>> [(h.node.node_id, h.node.text) for h in SectionWindow(docstore=store, max_chars=100).postprocess_nodes([hit])]
[('a.md#0', 'Install it:\\n\\n```\\npip install a\\n```\\n\\nDone.')]
"""

from __future__ import annotations

from typing import Any

from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import BaseNode, NodeWithScore, QueryBundle, TextNode
from pydantic import Field

from rag.ingest.sections import FENCES


class SectionWindow(BaseNodePostprocessor):
    """Widens each hit to its section (see the module docstring); ``max_chars`` bounds each window."""

    docstore: Any = Field(exclude=True)  # any LlamaIndex docstore: get_node(id, raise_error=False)
    max_chars: int = Field(1500, ge=1)

    @classmethod
    def class_name(cls) -> str:
        return "SectionWindow"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        shown: set[str] = set()
        out = []
        for hit in nodes:
            if hit.node.node_id in shown:
                continue
            window = self._window(hit.node)
            shown.update(node.node_id for node in window)
            text = join_chunks([node.get_content() for node in window])
            out.append(NodeWithScore(node=_with_text(hit.node, text), score=hit.score))
        return out

    def _window(self, node: BaseNode) -> list[BaseNode]:
        """The node and its same-section neighbours in reading order, within the budget."""
        doc, sep, number = node.node_id.rpartition("#")
        if not sep or not number.isdigit():
            return [node]
        window, size = [node], len(node.get_content())
        step = {1: int(number), -1: int(number)}  # the last index taken on each side
        open_sides = [1, -1]
        while open_sides:
            side = open_sides.pop(0)
            neighbour = self.docstore.get_node(f"{doc}#{step[side] + side}", raise_error=False)
            if neighbour is None or not _same_section(node, neighbour):
                continue
            if size + 2 + len(neighbour.get_content()) > self.max_chars:
                continue
            size += 2 + len(neighbour.get_content())
            step[side] += side
            window = [*window, neighbour] if side == 1 else [neighbour, *window]
            open_sides.append(side)
        return window


def join_chunks(texts: list[str]) -> str:
    """Neighbouring chunks as one text; a code block the chunker split (each piece re-fenced with
    the same opening line) is one block again.

    >>> join_chunks(["Run:\\n\\n```python\\na = 1\\n```", "```python\\nb = 2\\n```", "Done."])
    'Run:\\n\\n```python\\na = 1\\nb = 2\\n```\\n\\nDone.'
    """
    out = texts[0] if texts else ""
    for text in texts[1:]:
        opening = _closing_block_opener(out)
        if opening and text.startswith(opening + "\n"):
            out = out[: out.rfind("\n")] + text[len(opening) :]  # drop the closing and the reopening fence
        else:
            out = f"{out}\n\n{text}"
    return out


def _closing_block_opener(text: str) -> str | None:
    """The opening fence line of the code block `text` ends with, or None."""
    fences = [line for line in text.splitlines() if line.startswith(FENCES)]
    ends_closed = len(fences) >= 2 and len(fences) % 2 == 0 and text.endswith("\n" + fences[-1])
    return fences[-2] if ends_closed else None


def _same_section(a: BaseNode, b: BaseNode) -> bool:
    keys = ("doc_id", "section")
    return all(a.metadata.get(k) == b.metadata.get(k) for k in keys) and "section" in a.metadata


def _with_text(node: BaseNode, text: str) -> BaseNode:
    if not isinstance(node, TextNode) or text == node.get_content():
        return node
    return node.model_copy(update={"text": text})
