"""What the docs tool returned, as the extractive answerer reads it: passages and their sentences.

The tool prints each retrieved chunk headed by ``doc_id:``, ``title:`` and ``section:`` lines
(rag/ingest/chunking.py ``LLM_VISIBLE_METADATA``), then a blank line and the text.

>>> [p] = parse_observation("doc_id: docs/a.md\\ntitle: A\\nsection: A > Setup\\n\\nInstall the package first. Then run the whole test suite.")
>>> p.doc_id, p.section, split_sentences(p.text)
('docs/a.md', 'A > Setup', ['Install the package first.', 'Then run the whole test suite.'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(\[])")


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk as the tool printed it: ``doc_id``, ``title``, ``section``, text and link."""

    doc_id: str
    title: str
    text: str
    section: str = ""
    url: str = ""  # the published page, with the section's #anchor when it has one

    @property
    def cited(self) -> str:
        """How an answer's Sources list names it: the doc id, then its link when there is one."""
        return f"{self.doc_id} <{self.url}>" if self.url else self.doc_id


def parse_observation(observation: str) -> list[Passage]:
    """Split the docs tool's output (chunks headed ``doc_id: ...`` / ``title: ...``)."""
    passages: list[Passage] = []
    for block in re.split(r"^(?=doc_id: )", observation, flags=re.MULTILINE):
        head, _, body = block.partition("\n\n")
        fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        if "doc_id" in fields and body.strip():
            passages.append(
                Passage(
                    fields["doc_id"],
                    fields.get("title", ""),
                    body.strip(),
                    fields.get("section", ""),
                    fields.get("url", ""),
                )
            )
    return passages


def split_sentences(text: str) -> list[str]:
    """Sentences and list items long enough to stand alone as an answer.

    Hard-wrapped lines of one paragraph are joined first; a sentence that ends with ":"
    right before a code block keeps the block (install commands, config snippets).
    """
    out: list[str] = []
    for unit, code in _paragraphs(text):
        sentences = [s.strip() for s in _SENTENCE_END.split(unit) if len(s.strip()) >= 20]
        if sentences and code and sentences[-1].endswith(":"):
            sentences[-1] += "\n" + code
        out.extend(sentences)
    return out


def _paragraphs(text: str) -> list[tuple[str, str]]:
    """(paragraph or list item joined into one line, code block that follows it or "")."""
    units: list[tuple[str, str]] = []
    current: list[str] = []
    lines = iter(text.splitlines())
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("```"):
            code = "\n".join(_until_fence(lines))
            if current:
                units.append((" ".join(current), code))
                current = []
            elif units and not units[-1][1]:
                units[-1] = (units[-1][0], code)
            continue
        is_item = bool(re.match(r"([-*+]|\d+\.)\s", stripped))
        if not stripped or stripped.startswith(("#", "|", "---", "===")) or is_item:
            if current:
                units.append((" ".join(current), ""))
            current = [re.sub(r"^([-*+]|\d+\.)\s+", "", stripped)] if is_item else []
            continue
        current.append(stripped.lstrip("> "))
    if current:
        units.append((" ".join(current), ""))
    return units


def _until_fence(lines) -> list[str]:
    block = []
    for line in lines:
        if line.strip().startswith("```"):
            break
        block.append(line)
    return block


def words(text: str) -> str:
    """Lower-cased words joined by single spaces: text compared regardless of markup."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))
