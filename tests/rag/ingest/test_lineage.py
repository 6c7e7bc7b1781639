"""The lineage follows a page through several builds, both ways, and knows what never existed."""

from __future__ import annotations

from rag.ingest.corpus_diff import diff_pages
from rag.ingest.lineage import PageLineage
from rag.ingest.signing import signatures
from tests.history import FOLLOWS, NIGHTS


def lineage_through(nights: list[dict[str, str]]) -> PageLineage:
    lineage, previous = PageLineage(), None
    for pages in nights:
        current = signatures(pages)
        diff = diff_pages(previous, current) if previous else diff_pages(signatures({}), current)
        lineage, previous = lineage.extend(diff, current.ids()), current
    return lineage


def test_references_follow_through_every_night():
    lineage = lineage_through(NIGHTS)
    now = set(NIGHTS[-1])
    for old, new in FOLLOWS.items():
        found = lineage.resolve(old, now)
        if new is None:
            assert found.stale == f"its page {old} was deleted" and not found.ids
        else:
            assert found.ids == sorted(new) and found.stale is None


def test_an_older_corpus_resolves_a_newer_reference_backwards():
    lineage = lineage_through(NIGHTS)
    assert lineage.resolve("install/requirements.md", set(NIGHTS[0])).ids == ["install.md"]
    assert lineage.resolve("guide/troubleshooting.md", set(NIGHTS[0])).stale  # it did not exist then


def test_a_page_no_version_had_is_unknown():
    assert lineage_through(NIGHTS).resolve("instal.md", set(NIGHTS[-1])) is None
