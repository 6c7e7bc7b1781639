"""Page identity across versions: what changed between two corpora, and where pages went.

Each build records its pages' *signatures* (content hash, size, a MinHash of 5-word shingles)
and compares them with the previous version's. Pages keep their id or are:

- **moved** to one new id: identical content (confidence 1.0), or a MinHash Jaccard of at
  least ``MOVE_JACCARD`` with the best new page, clearly ahead of the second best;
- **split** into several new pages, each mostly made of the old page's text (``PART``), together
  covering at least ``SPLIT_COVER`` of it, none alone ``WHOLE`` of it, and not repeating each other
  (``DISJOINT``: pages that each copy its boilerplate are no split);
- **merged** into a page (new, or an old one that grew) holding at least ``MERGE_CONTAINED``
  of the old page's text;
- **ambiguous**: two successors within ``AMBIGUITY_MARGIN`` of each other (or identical copies),
  unless exactly one of them keeps the old path's end (a folder moved whole). Never guessed;
- otherwise **removed**.

Similarity counts only a page's *distinctive* text: shingles no other page of its own corpus has
(:func:`sign_pages`). Boilerplate (templates, licence blocks, navigation, release notes written
from one form) is shared, so it is no evidence of identity: a deleted release note is never
"moved" to the next one because both repeat the template. A page with fewer than
``MIN_DISTINCT`` distinctive shingles can only be followed by identical content. Signatures
made before this (no ``distinct_minhash``) compare whole texts, as they did.

Thresholds were measured on real renames (docs/living-docs.md): renamed pages with edits keep
a Jaccard above 0.6, unrelated pages of one docs site stay below 0.25.

>>> from rag.ingest.signing import signatures
>>> old = signatures({"a.md": "Install the tool with pip. " * 20, "b.md": "Old page about colours. " * 9})
>>> new = signatures({"guide/a.md": "Install the tool with pip. " * 20, "c.md": "Brand new text here. " * 9})
>>> diff = diff_pages(old, new)
>>> [(m.old, m.new, m.kind, m.confidence) for m in diff.moved], diff.removed, diff.added
([('a.md', ['guide/a.md'], 'move', 1.0)], ['b.md'], ['c.md'])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import BaseModel

PERMUTATIONS = 64
MOVE_JACCARD = 0.5  # a renamed page with edits; unrelated pages of one site stay below 0.25
AMBIGUITY_MARGIN = 0.1  # successors closer than this are equally good: never guessed
PART = 0.5  # a split part: at least half of it comes from the old page
SPLIT_COVER = 0.6  # the parts together hold at least this share of the old page
PART_SHARE = 0.15  # a split part holds at least this share of the old page (a stub page is no part)
DISJOINT = 1.3  # ...and together hold at most this much of it (more: they repeat each other)
WHOLE = 0.8  # ...and none of them holds this much alone (that is a move that kept a fragment)
MERGE_CONTAINED = 0.7  # a merge target holds at least this share of the old page
MIN_DISTINCT = 8  # distinctive shingles (about one sentence) a page needs to be followed by similarity
CANDIDATES = 16  # most similar pages examined per vanished page (splits and merges among them)
BLOCK = 64  # old pages compared per numpy block: memory ~ BLOCK x new pages x PERMUTATIONS bytes

_NOTHING = 2**32 - 1  # the MinHash of no shingles: matches only itself, and _jaccard_rows zeroes that


class PageSignature(BaseModel):
    """What a page was, compactly: enough to recognise it after a rename or an edit."""

    doc_id: str
    content_hash: str
    shingles: int
    minhash: list[int]
    distinct: int | None = None  # shingles no other page of its corpus has (None: signed one page alone)
    distinct_minhash: list[int] | None = None  # their MinHash ([] when there are none)

    def distinctive(self) -> PageSignature:
        """This page as seen through its distinctive text alone (itself when that is unknown)."""
        if self.distinct is None or self.distinct_minhash is None:
            return self
        minhash = self.distinct_minhash or [_NOTHING] * PERMUTATIONS
        return self.model_copy(update={"shingles": self.distinct, "minhash": minhash})


class PageSignatures(BaseModel):
    """The signatures of one corpus, sorted by id (one artifact per build)."""

    pages: list[PageSignature]

    def ids(self) -> set[str]:
        return {p.doc_id for p in self.pages}


class PageMove(BaseModel):
    """An old id and the page(s) that carry its content now."""

    old: str
    new: list[str]
    kind: Literal["move", "split", "merge"]
    confidence: float
    evidence: str


class CorpusDiff(BaseModel):
    """Pages added, removed, changed and moved between two corpora (ids sorted)."""

    previous_version: str | None = None  # the version compared with; None: the first build
    added: list[str] = []
    removed: list[str] = []
    changed: list[str] = []
    unchanged: int = 0
    moved: list[PageMove] = []
    ambiguous: dict[str, list[str]] = {}  # old id -> its equally good successors

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed, "
            f"{len(self.moved)} moved, {len(self.ambiguous)} ambiguous, {self.unchanged} unchanged"
        )

    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved or self.ambiguous)


def diff_pages(old: PageSignatures, new: PageSignatures) -> CorpusDiff:
    """Compare two corpora page by page; see the module docstring for the rules."""
    before = {p.doc_id: p for p in old.pages}
    after = {p.doc_id: p for p in new.pages}
    kept = before.keys() & after.keys()
    changed = sorted(i for i in kept if before[i].content_hash != after[i].content_hash)
    gone = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    view = _distinctive if _all_distinct(old, new) else (lambda p: p)
    moved, ambiguous, removed = _follow([view(before[i]) for i in gone], [view(after[i]) for i in added],
                                        [view(after[i]) for i in changed])  # fmt: skip
    successors = {i for m in moved for i in m.new}
    return CorpusDiff(added=[i for i in added if i not in successors], removed=removed, changed=changed, unchanged=len(kept) - len(changed),
                      moved=moved, ambiguous=ambiguous)  # fmt: skip


def _all_distinct(*corpora: PageSignatures) -> bool:
    return all(p.distinct_minhash is not None for c in corpora for p in c.pages)


def _distinctive(page: PageSignature) -> PageSignature:
    return page.distinctive()


def _follow(
    gone: list[PageSignature], added: list[PageSignature], grown: list[PageSignature]
) -> tuple[list[PageMove], dict[str, list[str]], list[str]]:
    """Successors of each page that disappeared: moves, splits, merges, ambiguous, or removed."""
    targets = added + grown
    by_hash: dict[str, list[str]] = {}
    for page in added:
        by_hash.setdefault(page.content_hash, []).append(page.doc_id)
    moves: list[PageMove] = []
    ambiguous: dict[str, list[str]] = {}
    removed: list[str] = []
    for page, row in zip(gone, _jaccard_rows(gone, targets), strict=True):
        same = by_hash.get(page.content_hash, [])
        if len(same) == 1:
            moves.append(PageMove(old=page.doc_id, new=same, kind="move", confidence=1.0,
                                  evidence="identical content"))  # fmt: skip
            continue
        if len(same) > 1:
            if (kept := _path_kept(page.doc_id, same)) is not None:
                moves.append(PageMove(old=page.doc_id, new=[kept], kind="move", confidence=1.0,
                                      evidence="identical content; the only copy that keeps its path"))  # fmt: skip
            else:
                ambiguous[page.doc_id] = sorted(same)
            continue
        outcome = _judge(page, targets, row, n_added=len(added))
        if isinstance(outcome, PageMove):
            moves.append(outcome)
        elif outcome:
            ambiguous[page.doc_id] = outcome
        else:
            removed.append(page.doc_id)
    return moves, ambiguous, removed


def _judge(page: PageSignature, targets: list[PageSignature], row: np.ndarray, n_added: int) -> PageMove | list[str] | None:  # fmt: skip
    """One vanished page against every candidate successor (row: Jaccard per target)."""
    if not len(row) or (
        page.distinct is not None and page.shingles < MIN_DISTINCT
    ):  # too little of its own text
        return None
    top = np.argpartition(-row, CANDIDATES - 1)[:CANDIDATES] if len(row) > CANDIDATES else np.arange(len(row))
    order = top[np.argsort(-row[top], kind="stable")]
    shared = [(int(i), _intersection(page, targets[int(i)], float(row[i]))) for i in order if row[i] > 0]
    parts = [(i, inter) for i, inter in shared  # mostly from this page, and a real share of it (not a stub)
             if _is_new(i, n_added) and inter >= PART * targets[i].shingles and inter >= PART_SHARE * page.shingles]  # fmt: skip
    total = sum(inter for _, inter in parts) / max(page.shingles, 1)
    cover = min(total, 1.0)
    largest = max((inter for _, inter in parts), default=0.0) / max(page.shingles, 1)
    # the parts of a split are different pieces of the page; pages that each repeat it are copies
    if len(parts) >= 2 and SPLIT_COVER <= total <= DISJOINT and largest < WHOLE:
        return PageMove(old=page.doc_id, new=sorted(targets[i].doc_id for i, _ in parts), kind="split",
                        confidence=round(cover, 3), evidence=f"{len(parts)} new pages hold {cover:.0%} of its text")  # fmt: skip
    best = int(order[0])
    if row[best] >= MOVE_JACCARD and _is_new(best, n_added):  # only a new id can be a rename
        close = [
            targets[int(i)].doc_id
            for i in order
            if row[i] > row[best] - AMBIGUITY_MARGIN and _is_new(int(i), n_added)
        ]
        if len(close) > 1:
            kept = _path_kept(page.doc_id, close)
            if kept is None:
                return sorted(close)
            return PageMove(old=page.doc_id, new=[kept], kind="move", confidence=round(float(row[best]), 3),
                            evidence=f"text similarity {row[best]:.2f}; the only near copy that keeps its path")  # fmt: skip
        return PageMove(old=page.doc_id, new=[targets[best].doc_id], kind="move",
                        confidence=round(float(row[best]), 3),
                        evidence=f"text similarity {row[best]:.2f} (MinHash Jaccard)")  # fmt: skip
    holders = [(i, inter / max(page.shingles, 1)) for i, inter in shared
               if inter >= MERGE_CONTAINED * page.shingles]  # fmt: skip
    if len(holders) > 1 and holders[1][1] > holders[0][1] - AMBIGUITY_MARGIN:
        return sorted(targets[i].doc_id for i, _ in holders[:2])
    if holders:
        i, share = holders[0]
        return PageMove(old=page.doc_id, new=[targets[i].doc_id], kind="merge", confidence=round(min(share, 1.0), 3),
                        evidence=f"{min(share, 1.0):.0%} of its text is in {targets[i].doc_id}")  # fmt: skip
    return None


def _path_kept(old: str, candidates: list[str]) -> str | None:
    """The one candidate whose path ends like `old`'s (file name and folders), if exactly one does best.

    Equally good content is told apart only by this evidence: a folder moved as a whole keeps its
    pages' paths under a new prefix. Ties, or no shared file name, stay ambiguous.

    >>> _path_kept("rag-with-zenml/ingest.md", ["book/rag/ingest.md", "book/rag-with-zenml/ingest.md"])
    'book/rag-with-zenml/ingest.md'
    >>> _path_kept("a/x.md", ["b/y.md", "c/z.md"]) is None
    True
    """

    def shared(candidate: str) -> int:
        left, right = old.split("/")[::-1], candidate.split("/")[::-1]
        return next(
            (n for n, (a, b) in enumerate(zip(left, right, strict=False)) if a != b),
            min(len(left), len(right)),
        )

    scores = sorted(((shared(c), c) for c in candidates), reverse=True)
    if scores[0][0] >= 1 and (len(scores) == 1 or scores[0][0] > scores[1][0]):
        return scores[0][1]
    return None


def _is_new(index: int, n_added: int) -> bool:
    return index < n_added


def _intersection(a: PageSignature, b: PageSignature, jaccard: float) -> float:
    """Shared shingles estimated from the Jaccard and the two sizes: |A∩B| = J(|A|+|B|)/(1+J)."""
    return jaccard * (a.shingles + b.shingles) / (1 + jaccard)


def _jaccard_rows(rows: list[PageSignature], cols: list[PageSignature]) -> Iterator[np.ndarray]:
    """MinHash Jaccard estimates of each row against every column, a block of rows at a time
    (memory stays at BLOCK x columns x PERMUTATIONS bytes, whatever the corpus size)."""
    right = np.asarray([c.minhash for c in cols], dtype=np.uint32).reshape(len(cols), PERMUTATIONS)
    empty = (right == _NOTHING).all(axis=1)
    for start in range(0, len(rows), BLOCK):
        left = np.asarray([r.minhash for r in rows[start : start + BLOCK]], dtype=np.uint32)
        block = (left[:, None, :] == right[None, :, :]).mean(axis=2, dtype=np.float32)
        block[:, empty] = 0.0  # a page with no text of its own resembles nothing
        yield from block
