"""Sitemaps read safely: the page URLs of a ``sitemap.xml``, and the sitemaps a sitemap index names.

XML is parsed with defusedxml (no entity expansion, no external entities); anything that is
not a well-formed sitemap is a :class:`SourceError` naming the file.

>>> read_sitemap(b'<urlset><url><loc> https://d.example/a </loc></url></urlset>', "s.xml")
(['https://d.example/a'], [])
>>> read_sitemap(b'<sitemapindex><sitemap><loc>https://d.example/s1.xml</loc></sitemap></sitemapindex>', "i.xml")
([], ['https://d.example/s1.xml'])
>>> read_sitemap(b'<!DOCTYPE x [<!ENTITY e "boom">]><urlset>&e;</urlset>', "evil.xml")
Traceback (most recent call last):
...
rag.ingest.sources.base.SourceError: sitemap evil.xml is not a valid sitemap: ...
"""

from __future__ import annotations

from defusedxml import DefusedXmlException, ElementTree

from rag.ingest.sources.base import SourceError

MAX_SITEMAPS = 50  # sitemap files read for one source (an index and the sitemaps it names)
MAX_SITEMAP_DEPTH = 2  # an index of indexes at most


def _tag(element) -> str:  # type: ignore[no-untyped-def]
    return element.tag.rsplit("}", 1)[-1]


def read_sitemap(content: bytes, where: str, max_bytes: int = 50_000_000) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs): a ``urlset`` gives pages, a ``sitemapindex`` sitemaps."""
    if len(content) > max_bytes:
        raise SourceError(f"sitemap {where} is larger than max_page_bytes ({max_bytes} bytes)")
    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise SourceError(f"sitemap {where} is not a valid sitemap: {type(exc).__name__}: {exc}") from None
    locations = [el.text.strip() for el in root.iter() if _tag(el) == "loc" and el.text and el.text.strip()]
    return ([], locations) if _tag(root) == "sitemapindex" else (locations, [])
