"""A corpus's sections as passages: the unit a generated question is written from and refers to.

>>> from llama_index.core import Document
>>> doc = Document(text="# Serve\\nIntro text.\\n## Scaling replicas\\nSet `num_replicas` to scale a "
...                "deployment out.\\n", doc_id="docs/serve.md", metadata={"path": "serve.md", "title": "Serve"})
>>> [(p.heading, p.anchor, p.prose) for p in section_passages([doc])]
[('Serve', 'serve', 'Intro text.'), ('Scaling replicas', 'scaling-replicas', 'Set `num_replicas` to scale a deployment out.')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from llama_index.core import Document

from rag.ingest.sections import FENCES, is_table, parse

PASSAGE_CHARS = 700  # what a reviewer reads and the reference keeps: a paragraph or two


@dataclass(frozen=True)
class SectionPassage:
    """One section of one page: where a question points, and the text that answers it."""

    doc_id: str
    title: str
    path: tuple[str, ...]  # heading path, page title first
    anchor: str  # "" before any heading
    prose: str  # the section's paragraphs, cut to PASSAGE_CHARS at a paragraph
    tables: tuple[str, ...] = field(default=())
    code: tuple[str, ...] = field(default=())

    @property
    def heading(self) -> str:
        return self.path[-1] if self.path else self.title

    @property
    def folder(self) -> str:
        """The top-level folder of its page (the source's name, then the first folder under it)."""
        parts = self.doc_id.split("/")
        return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def section_passages(documents: list[Document]) -> list[SectionPassage]:
    """Every section with text, in document order."""
    passages = []
    for doc in documents:
        title = doc.metadata.get("title") or doc.doc_id.rsplit("/", 1)[-1]
        _, sections = parse(doc.text, doc.metadata.get("path", doc.doc_id), title)
        for section in sections:
            prose = [b for b in section.blocks if not b.startswith(FENCES) and not is_table(b)]
            passages.append(
                SectionPassage(
                    doc_id=doc.doc_id,
                    title=title,
                    path=tuple(section.path),
                    anchor=section.anchor,
                    prose=_cut(prose),
                    tables=tuple(b for b in section.blocks if is_table(b)),
                    code=tuple(b for b in section.blocks if b.startswith(FENCES)),
                )
            )
    return passages


def _cut(paragraphs: list[str]) -> str:
    """Whole paragraphs up to PASSAGE_CHARS (the first one cut at a word if it alone is longer)."""
    kept: list[str] = []
    for paragraph in paragraphs:
        if kept and sum(len(p) + 2 for p in kept) + len(paragraph) > PASSAGE_CHARS:
            break
        kept.append(paragraph)
    text = "\n\n".join(kept)
    return text if len(text) <= PASSAGE_CHARS else text[:PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"


@dataclass(frozen=True)
class Draft:
    """A generated question before selection: the passage it refers to and how it was made."""

    question: str
    passage: SectionPassage | None  # None: a refusal, answered by no page
    generated_by: str  # "offline/heading", "llm/openai:gpt-4o-mini", "offline/refusal"...
    evidence: str = ""  # the text that answers it: a sentence, a table row, the passage
    answer: str = ""  # a reference answer, when the maker wrote one
