"""An answer as Slack shows it well: Block Kit messages in mrkdwn, every text escaped.

Answers are written in Markdown for the web and the API; Slack has its own markup. Here code
fences lose their language line, tables become aligned code blocks, ``[text](url)`` becomes
``<url|text>``, ``**bold**`` and ``# headings`` become ``*bold*``, and a citation ``[1]`` links to
its source when the source is published. Everything else is escaped (``&``, ``<``, ``>``), so no
text from a document or a question can ping a channel, mention a person or make a link. The
heading path of the first source goes above the answer as context; the sources and 👍/👎
buttons go below. Long answers are split within Slack's limits (3,000 characters a section, 50
blocks a message).

>>> mrkdwn_line("See [the guide](https://docs.example.com/a?b=1&c=2) **now** [1] <!channel>",
...             {1: "https://docs.example.com/install"})
'See <https://docs.example.com/a?b=1&amp;c=2|the guide> *now* <https://docs.example.com/install|[1]> &lt;!channel&gt;'
>>> print(mrkdwn("```bash\\npip install x\\n```"))
```
pip install x
```
>>> print(mrkdwn("| key | default |\\n|---|---|\\n| port | 8080 |"))
```
key  | default
port | 8080
```
"""

from __future__ import annotations

import re
from typing import Any

from rag.agent.chat import SourceRef

SECTION_CHARS = 3000  # Slack's limit on a section block's text
BLOCKS_PER_MESSAGE = 50  # Slack's limit on blocks in one message
VOTES = {"vote_up": 1, "vote_down": -1}  # the buttons' action ids and the rating each gives

_FENCE = re.compile(r"^(\s*)(```|~~~)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")
_INLINE = re.compile(
    r"\[(?P<text>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)"  # [text](url)
    r"|\[(?P<cite>\d{1,2})\]"  # [1]
    r"|\*\*(?P<bold>[^*\n]+)\*\*"  # **bold**
    r"|`(?P<code>[^`\n]+)`"  # `code`
)
_CITES_ONLY = re.compile(r"^\s*((<[^>\s]+\|)?\[\d{1,2}\]>?\s*)+$")
_SOURCE_LINE = re.compile(r"^\[(\d{1,2})\]\s+(\S+)(?:\s+<(https?://[^>\s]+)>)?\s*$")


def escape(text: str) -> str:
    """Slack's three control characters escaped: the text is shown, never acted on."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, text: str) -> str:
    """A Slack link made on purpose; only http(s) URLs, its text escaped."""
    if not re.match(r"^https?://[^\s<>|]+$", url):
        return escape(text)
    return f"<{escape(url)}|{escape(text).replace('|', '¦')}>"


def mrkdwn_line(line: str, cited: dict[int, str]) -> str:
    """One line of prose: links, citations, bold and inline code converted, the rest escaped."""
    out, at = [], 0
    for match in _INLINE.finditer(line):
        out.append(escape(line[at : match.start()]))
        at = match.end()
        if match["url"]:
            out.append(link(match["url"], match["text"]))
        elif match["cite"]:
            url = cited.get(int(match["cite"]))
            out.append(link(url, match[0]) if url else match[0])
        elif match["bold"]:
            out.append(f"*{escape(match['bold'])}*")
        else:
            out.append(f"`{escape(match['code'])}`")
    out.append(escape(line[at:]))
    text = "".join(out)
    heading = re.match(r"^#{1,6}\s+(.*)$", text)
    return f"*{heading[1]}*" if heading else text


def _table(rows: list[str]) -> str:
    """A Markdown table as an aligned code block (Slack has no tables; monospace keeps columns)."""
    cells = [[_plain_cell(c) for c in row.strip().strip("|").split("|")] for row in rows]
    cells = [r for r in cells if not all(_RULE_CELL.match(c) for c in r)]
    width = max(len(r) for r in cells)
    cells = [r + [""] * (width - len(r)) for r in cells]
    sizes = [max(len(r[i]) for r in cells) for i in range(width)]
    lines = [" | ".join(c.ljust(sizes[i]) for i, c in enumerate(r)).rstrip() for r in cells]
    return "```\n" + escape("\n".join(lines)) + "\n```"


def _plain_cell(cell: str) -> str:
    """A cell's text as a code block shows it: no inline-code backticks (they would show)."""
    cell = cell.strip()
    return cell[1:-1] if len(cell) > 2 and cell[0] == cell[-1] == "`" else cell


def _segments(markdown: str, cited: dict[int, str]) -> list[str]:
    """The answer as Slack segments: code blocks, tables and paragraphs of prose."""
    segments: list[str] = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:  # the language line is dropped: Slack would show it as code
            end = next(
                (j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(fence[2])), len(lines)
            )
            segments.append("```\n" + escape("\n".join(lines[i + 1 : end])) + "\n```")
            i = end + 1
        elif _TABLE_ROW.match(lines[i]):
            end = next((j for j in range(i, len(lines)) if not _TABLE_ROW.match(lines[j])), len(lines))
            segments.append(_table(lines[i:end]))
            i = end
        else:
            end = next((j for j in range(i, len(lines)) if _FENCE.match(lines[j]) or _TABLE_ROW.match(lines[j])), len(lines))  # fmt: skip
            prose = "\n".join(mrkdwn_line(line, cited) for line in lines[i:end]).strip("\n")
            for paragraph in (p for p in prose.split("\n\n") if p.strip()):
                if segments and _CITES_ONLY.match(paragraph):  # a lone "[1]" belongs to what it cites
                    segments[-1] += "\n" + paragraph
                else:
                    segments.append(paragraph)
            i = end
    return segments


def mrkdwn(markdown: str, cited: dict[int, str] | None = None) -> str:
    """A Markdown answer in Slack's mrkdwn, escaped."""
    return "\n\n".join(_segments(markdown, cited or {}))


def _pieces(segment: str) -> list[str]:
    """A segment cut to fit one section block, at line ends (a cut code block is closed and reopened)."""
    if len(segment) <= SECTION_CHARS:
        return [segment]
    code = segment.startswith("```")
    body = segment[4:-4] if code else segment
    room = SECTION_CHARS - (8 if code else 0)
    pieces, current = [], ""
    for line in body.split("\n"):
        while len(line) > room:  # a line longer than a block: hard cut
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:room])
            line = line[room:]
        if current and len(current) + 1 + len(line) > room:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    pieces.append(current)
    return [f"```\n{p}\n```" if code else p for p in pieces if p]


def answer_parts(answer: str) -> tuple[str, dict[int, tuple[str, str]]]:
    """The answer's text and its ``Sources:`` list as {number: (doc id, url)}."""
    body, _, listed = answer.partition("\n\nSources:\n")
    sources = {}
    for line in listed.split("\n"):
        if found := _SOURCE_LINE.match(line.strip()):
            sources[int(found[1])] = (found[2], found[3] or "")
    return body.strip(), sources


def messages(answer: str, sources: list[SourceRef], answer_id: str) -> list[dict[str, Any]]:
    """The Slack messages for one answer: each ``{"text": fallback, "blocks": [...]}``."""
    body, listed = answer_parts(answer)
    refs = {s.doc_id: s for s in sources}
    urls = {n: url or getattr(refs.get(doc), "url", "") for n, (doc, url) in listed.items()}
    blocks: list[dict[str, Any]] = []
    first = refs.get(listed[min(listed)][0]) if listed else None
    if first is not None and (first.section or first.title):
        blocks.append(_context([escape(first.section or first.title)]))
    for segment in _segments(body, urls):
        blocks.extend({"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in _pieces(segment))
    if listed:
        blocks.append(
            _context([_source(n, doc, urls[n], refs.get(doc)) for n, (doc, _) in sorted(listed.items())])
        )
    blocks.append(_buttons(answer_id))
    chunks = [blocks[i : i + BLOCKS_PER_MESSAGE] for i in range(0, len(blocks), BLOCKS_PER_MESSAGE)]
    fallback = mrkdwn(body, urls)[:SECTION_CHARS]  # what notifications and old clients show
    return [{"text": fallback, "blocks": chunk} for chunk in chunks]


def _source(number: int, doc_id: str, url: str, ref: SourceRef | None) -> str:
    name = f"[{number}] {ref.title if ref is not None and ref.title else doc_id}"
    return link(url, name) if url else escape(name)


def _context(texts: list[str]) -> dict[str, Any]:
    """A context block (grey, small); Slack takes at most 10 elements."""
    joined = [" · ".join(texts[i : i + 5]) for i in range(0, len(texts), 5)][:10]
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t[:SECTION_CHARS]} for t in joined]}


def _buttons(answer_id: str) -> dict[str, Any]:
    """👍/👎 for whoever reads the answer: one vote per person (serving/feedback.py)."""
    return {
        "type": "actions",
        "block_id": "feedback",
        "elements": [
            {"type": "button", "action_id": action, "value": answer_id,
             "text": {"type": "plain_text", "text": "👍 Helpful" if rating > 0 else "👎 Not helpful", "emoji": True}}
            for action, rating in VOTES.items()
        ],
    }  # fmt: skip
