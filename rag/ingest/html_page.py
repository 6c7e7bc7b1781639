r"""A published HTML page read as a person reads it: its main content as Markdown.

Sites made by Sphinx, MkDocs (Material), Docusaurus and GitBook wrap every page in the same
chrome: navigation sidebars, theme toggles, breadcrumbs, "edit this page", permalinks. Only
the page's main element is kept (``[role=main]``, ``main``, ``article``; the first that
exists), with the generators' own chrome inside it removed by class. markdownify (chosen by
measurement, benchmarks/RESULTS.md "Published HTML") writes the rest as Markdown: headings
become ``#`` lines carrying their anchor (``## Ports {#ports}``, the attribute-list syntax
MkDocs and Pandoc read), ``<pre>`` fenced code with its language, tables Markdown tables,
inline code in backticks, links their text.

>>> text, title = html_to_markdown(
...     '<title>Ports - Site 1.0</title><nav>Toggle navigation</nav><main><section id="ports">'
...     '<h1>Ports<a class="headerlink" href="#ports">#</a></h1><p>Call\n<code>serve()</code> then:</p>'
...     '<div class="highlight-python"><pre>serve(port=7341)</pre></div>'
...     '<table><tr><th>name</th><th>port</th></tr><tr><td>api</td><td>7341</td></tr></table></section></main>')
>>> title
'Ports'
>>> print(text)
# Ports {#ports}
<BLANKLINE>
Call `serve()` then:
<BLANKLINE>
```python
serve(port=7341)
```
<BLANKLINE>
| name | port |
| --- | --- |
| api | 7341 |
"""

from __future__ import annotations

import logging
import re

import lxml.html
from bs4 import BeautifulSoup, Tag
from lxml import etree
from markdownify import MarkdownConverter

# The main element, most specific first (XPath, so lxml finds it before BeautifulSoup sees the page).
MAIN = ("//*[@role='main']", "//main", "//article", "//*[contains(concat(' ', @class, ' '), ' md-content ')]")
# Chrome inside the main element: by tag, by the generators' class names, by ARIA attributes.
CHROME_TAGS = frozenset({
    "head", "title", "script", "style", "noscript", "template", "nav", "footer", "button", "form", "input", "svg",
})  # fmt: skip
CHROME_CLASSES = frozenset({
    "visually-hidden", "sr-only", "headerlink", "hash-link", "anchorjs-link",  # permalinks
    "toctree-wrapper", "bd-toc", "prev-next-area", "prev-next-footer", "header-article",  # Sphinx themes
    "md-source-file", "md-content__button", "md-feedback", "md-footer",  # MkDocs Material
    "theme-doc-breadcrumbs", "theme-doc-toc-mobile", "theme-doc-toc-desktop", "theme-doc-footer",  # Docusaurus
    "pagination-nav", "table-of-contents",
    "theme-edit-this-page", "theme-last-updated", "edit-this-page", "breadcrumbs",
})  # fmt: skip
CHROME_ATTRS = {"role": {"navigation", "search"}, "aria-hidden": {"true"},
                "data-testid": {"page.footer", "page.navigation"}}  # GitBook  # fmt: skip
_PERMALINK = re.compile(r"\s*[#¶§🔗\u200b]+\s*$")
_LANGUAGE = re.compile(r"(?:highlight|language|lang)-([\w+-]+)")
_TITLE_SUFFIX = re.compile(r"\s+(?:[—–|·-])\s+[^—–|·]+$")  # "Page — Site 3.0" -> "Page"
_BLANKS = re.compile(r"\n{3,}")
_HEADINGS = re.compile(r"^h[1-6]$")
# huge_tree lifts libxml2's nesting limit from 256 levels (past it, everything is dropped) to 2048.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
DEEP = 200  # levels: deeper fragments are re-read by Python's parser (bs4's lxml builder stops at 256)
log = logging.getLogger(__name__)


def html_to_markdown(html: str, name: str = "<html>") -> tuple[str, str | None]:
    """The page's main content as Markdown and its title (its ``h1``, else ``<title>`` minus the site).

    Nothing is dropped silently: a page nested deeper than the parsers can follow is read as plain
    text, with a warning naming `name` (the file or URL).
    """
    page_title, main = _main(html, name)
    for heading in main.find_all(_HEADINGS):
        heading["data-anchor"] = anchor_of(heading) or ""  # before the permalinks go
    for br in main.select("pre br"):  # Docusaurus ends each code line with <br>
        br.replace_with("\n")
    for element in [e for e in main.find_all(True) if _is_chrome(e)]:
        if not element.decomposed:
            element.decompose()
    h1 = main.find("h1")
    title = _clean_heading(h1.get_text(" ")) if h1 else _TITLE_SUFFIX.sub("", page_title).strip()
    try:
        text = _Converter().convert_soup(main)
    except RecursionError:  # markdownify recurses once per level of nesting
        log.warning("%s: nested too deeply for Markdown; its main content is read as plain text", name)
        text = main.get_text("\n")
    return _BLANKS.sub("\n\n", text).strip(), title or None


def _main(html: str, name: str = "<html>") -> tuple[str, Tag]:
    """The page's ``<title>`` and its main element (the first of MAIN, else the body).

    lxml cuts the main element out; only that fragment becomes a BeautifulSoup tree: a site's
    navigation is often most of its page (about 4x faster on Sphinx pages).
    """
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
    except etree.ParserError:  # nothing but whitespace or comments
        return "", BeautifulSoup("", "lxml")
    if any("Excessive depth" in str(e) for e in _PARSER.error_log):  # past 2048 levels: lxml dropped text
        log.warning("%s: nested deeper than 2048 levels; the page is read as plain text", name)
        soup = BeautifulSoup(html, "html.parser")
        return " ".join((soup.title.get_text() if soup.title else "").split()), soup
    title = " ".join((tree.findtext(".//title") or "").split())
    main = next((found[0] for xpath in MAIN if (found := tree.xpath(xpath))), tree.find("body"))
    main = tree if main is None else main
    builder = "html.parser" if _depth(main) > DEEP else "lxml"
    soup = BeautifulSoup(lxml.html.tostring(main, encoding="unicode"), builder)
    return title, soup.find(main.tag) or soup  # the fragment's root: its first element of that name


def _depth(root: etree._Element) -> int:
    """How deep the element tree under `root` goes (one pass, no recursion)."""
    depths = {root: 0}
    for element in root.iterdescendants():
        depths[element] = depths[element.getparent()] + 1
    return max(depths.values())


def _is_chrome(element: Tag) -> bool:
    if element.name in CHROME_TAGS or not CHROME_CLASSES.isdisjoint(element.get("class") or ()):
        return True
    if element.name == "a" and str(element.get("href", "")).startswith(
        "#"
    ):  # a permalink: "#", "¶" or an icon
        return not _PERMALINK.sub("", element.get_text()).strip()
    return any(element.get(name) in values for name, values in CHROME_ATTRS.items())


def anchor_of(heading: Tag) -> str | None:
    """A heading's fragment: its permalink's target (what readers copy), its ``id``, or its section's."""
    link = heading.find("a", href=re.compile("#."))
    if link is not None:
        return str(link["href"]).split("#", 1)[1]
    if heading.get("id"):
        return str(heading["id"])
    parent = heading.parent
    if parent is not None and parent.get("id") and parent.find(_HEADINGS) is heading:
        return str(parent["id"])
    return None


def _clean_heading(text: str) -> str:
    return _PERMALINK.sub("", " ".join(text.split()))


class _Converter(MarkdownConverter):
    """markdownify with anchored headings, fenced code with its language, links as their text."""

    def __init__(self) -> None:
        super().__init__(heading_style="ATX", bullets="*", escape_asterisks=False, escape_underscores=False,
                         strip_document="strip", code_language_callback=_language)  # fmt: skip

    def convert_hN(self, n: int, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "_inline" in parent_tags:
            return text
        heading = _clean_heading(text)
        if not heading:
            return ""
        anchor = el.get("data-anchor")
        return f"\n\n{'#' * max(1, min(n, 6))} {heading}{f' {{#{anchor}}}' if anchor else ''}\n\n"

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return text  # the target is noise to a reader of the text; the page's own URL is kept

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return str(el.get("alt") or "")


def _language(pre: Tag) -> str:
    for node in (pre, pre.parent, pre.parent.parent if pre.parent else None):
        if isinstance(node, Tag):
            for cls in node.get("class") or []:
                if match := _LANGUAGE.fullmatch(cls):
                    return match.group(1).removesuffix("3") if match.group(1) == "python3" else match.group(1)
        code = pre.find("code") if node is pre else None
        if isinstance(code, Tag):
            for cls in code.get("class") or []:
                if match := _LANGUAGE.fullmatch(cls):
                    return match.group(1)
    return ""
