"""How far a version's corpus is behind today's docs: the evidence that lets production follow them.

Production was built, and scored, on the docs of its day. Judged on *today's* docs, its pages
may have moved (its answers cite paths that are gone), changed (it answers from text that is
no longer there) or been removed. The gate (rule 3, evaluation/gate.py) promotes a candidate
built from today's docs over such a production when the candidate is not shown worse.

>>> from rag.ingest.signing import signatures
>>> old = signatures({"a.md": "Install the tool with pip today. " * 20, "b.md": "Colours are set in the theme file. " * 9})
>>> new = signatures({"guide/a.md": "Install the tool with pip today. " * 20, "b.md": "Colours live in theme.yaml now. " * 9})
>>> freshness(old, new).describe()
'1 page moved, 1 changed'
"""

from __future__ import annotations

from evaluation.records import EvaluationResult, Freshness
from rag.ingest.corpus_diff import PageSignatures, diff_pages


def freshness(
    old: PageSignatures, new: PageSignatures, answered: EvaluationResult | None = None
) -> Freshness:
    """`old`'s pages that moved, changed or are gone in `new`; with `answered` (the old version's
    evaluation), how many of its answers cite one of them."""
    diff = diff_pages(old, new)
    moved = {m.old for m in diff.moved} | set(diff.ambiguous)
    behind = moved | set(diff.changed) | set(diff.removed)
    records = answered.records if answered is not None else []
    return Freshness(
        moved=len(moved),
        changed=len(diff.changed),
        removed=len(diff.removed),
        stale_answers=sum(1 for r in records if behind.intersection(r.source_ids)),
        answers=len(records),
    )
