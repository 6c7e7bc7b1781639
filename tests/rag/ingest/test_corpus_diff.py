"""Page identity: the scripted restructure is recognised exactly; ambiguity is never guessed."""

from __future__ import annotations

import tracemalloc

from rag.ingest.corpus_diff import diff_pages, signatures
from tests.history import FOLLOWS, NIGHTS, _filler


def test_the_scripted_restructure_is_recognised_exactly():
    diff = diff_pages(signatures(NIGHTS[0]), signatures(NIGHTS[2]))
    found = {m.old: sorted(m.new) for m in diff.moved}
    assert found == {old: sorted(new) for old, new in FOLLOWS.items() if new}
    assert diff.removed == [old for old, new in FOLLOWS.items() if new is None]
    assert diff.added == ["guide/troubleshooting.md"] and not diff.ambiguous
    kinds = {m.old: m.kind for m in diff.moved}
    assert kinds["install.md"] == "split" and kinds["colors.md"] == "move"
    assert next(m for m in diff.moved if m.old == "colors.md").evidence == "identical content"


def test_an_unchanged_night_and_an_edit():
    assert diff_pages(signatures(NIGHTS[2]), signatures(NIGHTS[3])).empty()
    edited = diff_pages(signatures(NIGHTS[3]), signatures(NIGHTS[4]))
    assert edited.changed == ["guide/troubleshooting.md"] and edited.unchanged == len(NIGHTS[4]) - 1


def test_two_equally_good_successors_are_never_guessed():
    page = _filler("page")
    copies = diff_pages(signatures({"a.md": page}), signatures({"x/a.md": page, "y/a.md": page}))
    assert copies.ambiguous == {"a.md": ["x/a.md", "y/a.md"]} and not copies.moved
    near = diff_pages(
        signatures({"a.md": page}), signatures({"x/a.md": page + " One.", "y/a.md": page + " Two."})
    )
    assert near.ambiguous == {"a.md": ["x/a.md", "y/a.md"]} and not near.moved


def test_a_merge_into_a_page_that_grew():
    a, b = _filler("a", 12), _filler("b", 12)
    diff = diff_pages(signatures({"a.md": a, "b.md": b}), signatures({"a.md": a + "\n\n" + b}))
    assert [(m.old, m.new, m.kind) for m in diff.moved] == [("b.md", ["a.md"], "merge")]
    assert diff.changed == ["a.md"]


def test_unrelated_pages_are_not_followed():
    diff = diff_pages(signatures({"a.md": _filler("a")}), signatures({"b.md": _filler("b")}))
    assert diff.removed == ["a.md"] and diff.added == ["b.md"] and not diff.moved


def test_memory_stays_bounded_for_a_large_restructure():
    """1,000 pages all renamed: the comparison works a block at a time (no pages x pages matrix)."""
    old = signatures({f"p{i}.md": _filler(f"p{i}", 3) for i in range(1000)})
    new = signatures({f"new/p{i}.md": _filler(f"p{i}", 3) for i in range(1000)})
    tracemalloc.start()
    diff = diff_pages(old, new)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(diff.moved) == 1000 and peak < 60 * 2**20


def test_identical_copies_moved_as_a_folder_follow_their_paths():
    """Docs sites keep duplicate pages; a folder moved whole keeps each copy's path: no ambiguity."""
    page = _filler("page")
    old = signatures({"rag/ingest.md": page, "rag-with-zenml/ingest.md": page})
    new = signatures({"book/rag/ingest.md": page, "book/rag-with-zenml/ingest.md": page})
    diff = diff_pages(old, new)
    assert {m.old: m.new for m in diff.moved} == {
        "rag/ingest.md": ["book/rag/ingest.md"],
        "rag-with-zenml/ingest.md": ["book/rag-with-zenml/ingest.md"],
    }
    assert not diff.ambiguous


def test_pages_that_repeat_a_deleted_pages_boilerplate_are_no_split():
    """Template pages (a 'custom flavor' page per component) share most words: a deleted one is never
    followed to the others (it is ambiguous or removed, so its questions go stale)."""
    template = _filler("template", 12)
    old = signatures(
        {f"{c}/custom.md": template + _filler(c, 2) for c in ("orchestrators", "trackers", "registries")}
    )
    new = signatures(
        {f"book/{c}/renamed-custom.md": template + _filler(c, 2) for c in ("trackers", "registries")}
    )
    diff = diff_pages(old, new)
    assert "orchestrators/custom.md" in diff.removed or "orchestrators/custom.md" in diff.ambiguous
    assert {m.old: m.kind for m in diff.moved} == {
        "trackers/custom.md": "move",
        "registries/custom.md": "move",
    }
