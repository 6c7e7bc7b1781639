"""Page identity: the scripted restructure is recognised exactly; ambiguity is never guessed."""

from __future__ import annotations

import tracemalloc

from rag.ingest.corpus_diff import PageSignatures, diff_pages
from rag.ingest.signing import signature, signatures
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
    # both copies share the old text, so none of it is distinctive of either: the question goes stale
    assert not near.moved and "a.md" in {*near.ambiguous, *near.removed}


TEMPLATE = (
    "## Upgrading\n\nRead the upgrade guide before you install this release. Back up the database, stop "
    "the workers, install the new wheel, run the migrations and start the workers again. The release is "
    "signed; verify the signature with the project's public key before installing it anywhere.\n\n"
    "## Support\n\nEach release is supported for twelve months after its date. Security fixes are "
    "backported to every supported release; report a vulnerability to the security team, never in a "
    "public issue. Questions go to the forum, bugs to the issue tracker with the output of `doctor`.\n\n"
)


def _release(version: str, quota: int, feature: str) -> str:
    """A release note from one template (~75% shared text), its own facts in one paragraph."""
    return (f"# Release {version}\n\nRelease {version} raises the default storage quota to {quota} GB per "
            f"team and adds {feature}. Teams that set their own quota keep it unchanged after the upgrade.\n\n"
            + TEMPLATE)  # fmt: skip


FAMILY = {
    "rel/1.0.md": _release("1.0", 50, "single sign-on through any OpenID Connect provider"),
    "rel/1.1.md": _release("1.1", 80, "scheduled exports of every dashboard to object storage"),
    "rel/1.2.md": _release("1.2", 120, "audit logs that record who changed which setting and when"),
}


def test_a_deleted_template_page_is_never_followed_to_a_new_sibling():
    night = {k: v for k, v in FAMILY.items() if k != "rel/1.0.md"}
    night["rel/2.0.md"] = _release("2.0", 200, "a command palette for every action of the web console")
    diff = diff_pages(signatures(FAMILY), signatures(night))
    assert diff.removed == ["rel/1.0.md"] and not diff.moved and diff.added == ["rel/2.0.md"]


def test_a_deleted_template_page_is_never_merged_into_an_edited_sibling():
    night = {k: v for k, v in FAMILY.items() if k != "rel/1.0.md"}
    night["rel/1.1.md"] += "Exports can now be encrypted with a customer-managed key.\n"
    diff = diff_pages(signatures(FAMILY), signatures(night))
    assert diff.removed == ["rel/1.0.md"] and not diff.moved and diff.changed == ["rel/1.1.md"]


def test_a_renamed_template_page_is_still_followed_by_its_own_text():
    night = {k: v for k, v in FAMILY.items() if k != "rel/1.0.md"}
    night["releases/v1.0.md"] = FAMILY["rel/1.0.md"] + "Fixed: exports of empty dashboards.\n"
    diff = diff_pages(signatures(FAMILY), signatures(night))
    assert [(m.old, m.new, m.kind) for m in diff.moved] == [("rel/1.0.md", ["releases/v1.0.md"], "move")]


def test_signatures_made_before_distinctive_text_compare_whole_texts():
    old = PageSignatures(pages=[signature(k, v) for k, v in FAMILY.items()])
    night = {k: v for k, v in FAMILY.items() if k != "rel/1.0.md"}
    night["rel/2.0.md"] = _release("2.0", 200, "a command palette for every action of the web console")
    diff = diff_pages(old, signatures(night))  # the old artifact has no distinctive MinHash: whole texts
    assert [m.old for m in diff.moved] == ["rel/1.0.md"]  # the wrong follow distinctive text prevents


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
