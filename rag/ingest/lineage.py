"""PageLineage: every page id a model's versions ever had, and where each one went.

Each build extends the previous version's lineage with its corpus diff (rag/ingest/corpus_diff.py), so
one lookup follows a page through any number of renames, splits and merges:

>>> from rag.ingest.corpus_diff import PageMove
>>> lineage = PageLineage(known=["a.md", "b.md", "guide/a.md"],
...                       moves=[PageMove(old="a.md", new=["guide/a.md"], kind="move", confidence=1.0, evidence="")])
>>> lineage.resolve("a.md", {"guide/a.md"}), lineage.resolve("guide/a.md", {"a.md"})
(Follow(ids=['guide/a.md'], stale=None), Follow(ids=['a.md'], stale=None))
>>> lineage.resolve("b.md", {"guide/a.md"}).stale
'its page b.md was deleted'
>>> lineage.resolve("typo.md", {"guide/a.md"}) is None
True
"""

from __future__ import annotations

from pydantic import BaseModel

from rag.ingest.corpus_diff import CorpusDiff, PageMove

MAX_STEPS = 10_000  # pages visited while following one reference: a bound, never reached in practice


class Follow(BaseModel):
    """Where a reference is in one corpus: its ids there, or why it has none (stale)."""

    ids: list[str] = []
    stale: str | None = None


class PageLineage(BaseModel):
    """Every id any version had (``known``), every move between them, and the unresolved ones."""

    known: list[str] = []
    moves: list[PageMove] = []
    ambiguous: dict[str, list[str]] = {}

    def extend(self, diff: CorpusDiff, current: set[str]) -> PageLineage:
        """This lineage after one more build whose corpus is `current` and diff `diff`."""
        ambiguous = {k: v for k, v in self.ambiguous.items() if k not in current} | diff.ambiguous
        return PageLineage(known=sorted(set(self.known) | current), moves=[*self.moves, *diff.moved],
                           ambiguous=ambiguous)  # fmt: skip

    def resolve(self, ref: str, doc_ids: set[str]) -> Follow | None:
        """`ref` in the corpus `doc_ids`: itself, its successors (forward through moves), else its
        predecessors (an older corpus asked about a newer page). None when no version ever had it."""
        if ref in doc_ids:
            return Follow(ids=[ref])
        if ref not in self.known:
            return None
        forward = self._walk(ref, doc_ids, {m.old: m.new for m in self.moves}, self.ambiguous)
        if forward.ids:
            return forward
        backward: dict[str, list[str]] = {}
        for move in self.moves:
            for new in move.new:
                backward.setdefault(new, []).append(move.old)
        found = self._walk(ref, doc_ids, backward, {})
        return found if found.ids else forward

    @staticmethod
    def _walk(
        ref: str, doc_ids: set[str], edges: dict[str, list[str]], ambiguous: dict[str, list[str]]
    ) -> Follow:
        """Breadth-first along `edges` from `ref`, collecting the pages present in `doc_ids`."""
        seen, frontier, found, reasons = {ref}, [ref], [], []
        while frontier and len(seen) < MAX_STEPS:
            node = frontier.pop(0)
            if node != ref and node in doc_ids:
                found.append(node)
            elif node in ambiguous:
                reasons.append(f"its page {node} has equally good successors ({', '.join(ambiguous[node])})")
            elif node in edges:
                fresh = [n for n in edges[node] if n not in seen]
                seen.update(fresh)
                frontier.extend(fresh)
            else:
                reasons.append(f"its page {node} was deleted")
        if found:
            return Follow(ids=sorted(found))
        return Follow(stale=reasons[0] if reasons else f"its page {ref} has no successor")
