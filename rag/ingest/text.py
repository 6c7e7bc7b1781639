"""Turning file formats into clean text and a title."""

from __future__ import annotations

import html
import itertools
import logging
import re
from pathlib import PurePosixPath

from rag.ingest.html_page import html_to_markdown
from rag.ingest.sources.base import SourceError

log = logging.getLogger(__name__)

_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_BLANKS = re.compile(r"\n{3,}")
BINARY_PROBE_BYTES = 8192


def markdown_title(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def rst_title(text: str) -> str | None:
    lines = text.splitlines()
    for first, second in itertools.pairwise(lines):
        if first.strip() and _RST_UNDERLINE.match(second) and not _RST_UNDERLINE.match(first):
            return first.strip()
    return None


# Inline HTML a docs page uses for layout; only these names, so prose placeholders such as
# `<your project ID>` survive.
_HTML_ELEMENTS = (
    "a", "b", "br", "center", "code", "details", "div", "em", "figcaption", "figure", "h[1-6]", "i",
    "iframe", "img", "kbd", "li", "mark", "ol", "p", "picture", "pre", "section", "small", "source",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
)  # fmt: skip
_MARKUP = [
    (re.compile(r"<!--.*?-->", re.S), ""),  # HTML comments
    (re.compile(r"\{%.*?%\}", re.S), ""),  # GitBook tags: {% hint style="info" %}, {% endhint %}
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: their alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: their text, not the target
    (re.compile(r'<a\b[^>]*href="([^"]*)"[^>]*>\s*\1\s*</a>', re.I), ""),  # a card's target shown as text
    (re.compile(r"</(?:tr|p|li|div|h[1-6])>", re.I), "\n\n"),  # HTML block ends: paragraph breaks
    (re.compile(r"</t[dh]>", re.I), " "),  # table cells: words apart
    (re.compile(rf"</?(?:{'|'.join(_HTML_ELEMENTS)})\b[^>]*>", re.I), ""),
    (re.compile(r"\*\*([^*]+)\*\*"), r"\1"),  # bold
    (re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M), ""),  # table rules
]


# A character every pattern of plain_markdown needs before it can change a text.
_MAY_HAVE_MARKUP = re.compile(r"[<{\[*|&\n\r]|---")
# A line break inside a paragraph: not before a list item, a table row or a quote.
_HARD_WRAP = re.compile(r"(?<=\S)[ \t]*\n[ \t]*(?!([-*+]|\d+[.)])\s|\||>|\n)(?=\S)")


def plain_markdown(text: str) -> str:
    """Prose without Markdown and GitBook markup a reader should not see; `inline code` stays.

    >>> plain_markdown('{% hint style="info" %}See [the guide](../guide.md) and **run** `zenml up`.{% endhint %}')
    'See the guide and run `zenml up`.'
    >>> plain_markdown("How to&#x20;deploy\\nwrapped here:\\n* one\\n* two")
    'How to deploy wrapped here:\\n* one\\n* two'
    """
    if not _MAY_HAVE_MARKUP.search(text):  # most headings: skip the dozen passes below
        return text.strip()
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    text = html.unescape(text)  # GitBook writes &#x20; and friends into headings and prose
    text = _HARD_WRAP.sub(" ", text)  # a paragraph wrapped at 80 columns reads as one line
    text = re.sub(r"[ \t]*\n\s*\n\s*", "\n\n", text)  # what removed tags left: one blank line
    text = re.sub(r"^\s*\|\s*|\s*\|\s*$", "", text, flags=re.M)  # a table row's outer bars
    return re.sub(r"\s*\|\s*", " | ", text).strip() if text.count("|") >= 2 else text.strip()


def normalize(text: str) -> str:
    """Unix newlines, no trailing spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def looks_binary(head: bytes) -> bool:
    """A NUL byte in the first 8 KB: how every source tells a binary file from text."""
    return b"\x00" in head[:BINARY_PROBE_BYTES]


def file_to_text(raw: bytes, name: str, where: str) -> tuple[str, str | None] | None:
    """Clean text and title of one file's bytes; None (with a warning) for binaries.

    `name` gives the format by its suffix; `where` names the file in messages. Invalid UTF-8
    is an error naming the line, so no document is ever silently lost.
    """
    if looks_binary(raw):
        log.warning("%s: skipped, looks binary", where)
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(f"{where}:{line}: not valid UTF-8 (byte {exc.start})") from exc
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in {".html", ".htm"}:
        text, title = html_to_markdown(text, where)
    else:
        title = rst_title(text) if suffix == ".rst" else markdown_title(text)
    return normalize(text), title
