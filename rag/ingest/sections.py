"""A document's structure: sections under their heading path, each a list of blocks.

A block is a paragraph, a whole fenced code block or a whole table, so chunking can keep
code and tables intact. Markup that is not content (GitBook ``{% ... %}`` tags, ``<figure>``
wrappers, HTML comments, link targets) is dropped from prose; code is kept verbatim. Front
matter becomes metadata. Markdown and reStructuredText have headings; other text is one section.

>>> meta, sections = parse("---\\ndescription: Ports.\\n---\\n# Server\\nIntro.\\n## Ports\\n"
...                        "Uses [port](p.md) 7341.\\n\\n```shell\\nserve --port 7341\\n\\nok\\n```\\n", "a.md", "Server")
>>> meta
{'description': 'Ports.'}
>>> [(s.path, s.blocks) for s in sections]
[(['Server'], ['Intro.']), (['Server', 'Ports'], ['Uses port 7341.', '```shell\\nserve --port 7341\\n\\nok\\n```'])]
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from rag.ingest.text import plain_markdown

_FENCE = re.compile(r"^\s*(```|~~~)")  # any indent: GitBook nests fences in list items
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_ANCHOR = re.compile(r"\s*\{#([^}\s]+)\}$")  # `## Ports {#ports}`: rag/ingest/html_page.py, MkDocs, Pandoc
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
TABLE_RULE = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
FENCES = ("```", "~~~")  # how a code block opens and closes; a block starting so is code
MARKDOWN = {".md", ".markdown", ".mdx"}
HTML = {".html", ".htm", ""}  # "": a crawled page's URL path has no suffix


@dataclass
class Section:
    """Blocks under one heading path (page title first) and the anchors of that path's headings."""

    path: list[str]
    blocks: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The fragment a link to this section ends with ("" for a page's text before any heading)."""
        return self.anchors[-1] if self.anchors else ""


def slug(heading: str) -> str:
    """The anchor GitHub, GitBook and MkDocs give a heading without an explicit one.

    >>> slug("Configuring batch format (advanced)!"), slug("Über `serve()`")
    ('configuring-batch-format-advanced', 'über-serve')
    """
    return re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", heading.lower()).strip())


def parse(text: str, path: str, title: str | None) -> tuple[dict[str, str], list[Section]]:
    """Front matter (strings only) and the sections of `text`, read by `path`'s suffix."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in MARKDOWN or suffix in HTML:  # HTML arrives as Markdown (rag.ingest.html_page)
        meta, body = front_matter(text)
        return meta, _sections(_markdown_lines(_COMMENT.sub("", body)), title)
    if suffix == ".rst":
        return {}, _sections(_rst_lines(text), title)
    return {}, [Section([title] if title else [], blocks(text.splitlines()))]


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML front matter as metadata (scalar values only) and the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text  # not front matter after all: keep it as text
    meta = {str(k): str(v).strip() for k, v in data.items() if isinstance(v, str | int | float)} if isinstance(
        data, dict) else {}  # fmt: skip
    return meta, text[match.end() :]


def _markdown_lines(text: str) -> list[tuple[int, str, str] | str]:
    """Lines, with headings outside code fences replaced by (level, heading text)."""
    out: list[tuple[int, str] | str] = []
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        out.append(_heading(len(heading.group(1)), heading.group(2)) if heading else line)
    return out


def _heading(level: int, raw: str) -> tuple[int, str, str]:
    """(level, text, anchor): an explicit ``{#anchor}`` wins over the heading's slug."""
    explicit = _ANCHOR.search(raw)
    text = plain_markdown(raw[: explicit.start()] if explicit else raw)
    return level, text, explicit.group(1) if explicit else slug(text)


def _rst_lines(text: str) -> list[tuple[int, str, str] | str]:
    """Lines, with underlined titles replaced by (level, title); levels in order of first use."""
    lines, out, levels = text.splitlines(), [], []
    skip = False
    for line, below in itertools.zip_longest(lines, lines[1:], fillvalue=""):
        if skip:
            skip = False
            continue
        if line.strip() and not _RST_UNDERLINE.match(line) and _RST_UNDERLINE.match(below):
            levels += [below[0]] if below[0] not in levels else []
            out.append((levels.index(below[0]) + 1, line.strip(), slug(line.strip())))
            skip = True
        elif not _RST_UNDERLINE.match(line):
            out.append(line)
    return out


def _sections(lines: list[tuple[int, str, str] | str], title: str | None) -> list[Section]:
    stack: list[tuple[int, str, str]] = []  # (level, heading, anchor) of the current path
    sections = [Section([title] if title else [])]
    body: list[str] = []
    for line in [*lines, (0, "", "")]:  # a level-0 sentinel flushes the last section
        if isinstance(line, str):
            body.append(line)
            continue
        sections[-1].blocks += blocks(body)
        body = []
        stack = [entry for entry in stack if entry[0] < line[0]] + [line]
        headings = [h for _, h, _ in stack]
        if title and headings and headings[0] == title:
            headings = headings[1:]  # the page's H1 is its title
        sections.append(Section(([title] if title else []) + headings, anchors=[a for _, _, a in stack if a]))
    return [s for s in sections if s.blocks]


def is_table(block: str) -> bool:
    """Whether a block (of :func:`blocks`) is a table: a header, a rule, at least one row.

    >>> is_table("| a | b |\\n| --- | --- |\\n| 1 | 2 |"), is_table("| a | b |")
    (True, False)
    """
    lines = block.splitlines()
    return len(lines) > 2 and bool(TABLE_RULE.match(lines[1].strip()))


def table(lines: list[str]) -> str | None:
    """A Markdown table kept a table (header, rule, rows), each cell's markup cleaned; None if not one.

    >>> print(table(["| setting | **default** |", "|---|:-:|", "| [port](p.md) | `7341` |"]))
    | setting | default |
    | --- | --- |
    | port | `7341` |
    """
    rows = [line.strip() for line in lines]
    if len(rows) < 2 or not all(row.startswith("|") for row in rows) or not TABLE_RULE.match(rows[1]):
        return None
    cells = [[plain_markdown(cell) for cell in row.strip("|").split("|")] for row in rows]
    cells[1] = ["---"] * len(cells[1])
    return "\n".join("| " + " | ".join(row) + " |" for row in cells)


def blocks(lines: list[str]) -> list[str]:
    """Blocks: paragraphs (cleaned), whole fenced code blocks and whole tables (verbatim rows)."""
    blocks: list[str] = []
    current: list[str] = []
    fenced = False
    indent = 0  # of the opening fence: the code's lines lose as much (a fence inside a list item)

    def flush() -> None:
        if current and (text := "\n".join(current).strip()):
            blocks.append(text if text.startswith(FENCES) else table(current) or plain_markdown(text))
        current.clear()

    for line in lines:
        if _FENCE.match(line):
            if not fenced:
                flush()
                indent = len(line) - len(line.lstrip())
            current.append(line.strip())
            fenced = not fenced
            if not fenced:
                flush()
        elif fenced:
            current.append(line[min(indent, len(line) - len(line.lstrip())) :])
        elif not line.strip():
            flush()
        else:
            current.append(line)
    flush()
    return [b for b in blocks if b.strip()]
