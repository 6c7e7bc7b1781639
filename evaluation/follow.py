"""Golden references follow their pages: through the model's page lineage into one corpus.

A reference naming a page that moved is rewritten to its successor(s); a question whose every
referenced page was deleted, or has equally good successors, is *stale*: still asked and shown,
but left out of the metrics that need its references (hit rate, MRR, context metrics). A
reference no version ever had is left as written (the early check or the gate names it).

>>> from evaluation.golden import GoldenQuestion, GoldenSet
>>> from rag.ingest.corpus_diff import PageMove
>>> from rag.ingest.lineage import PageLineage
>>> golden = GoldenSet(name="g", content_hash="h", questions=[
...     GoldenQuestion(id="q1", question="How to install?", reference_sources=["install.md"]),
...     GoldenQuestion(id="q2", question="What colours?", reference_sources=["colours.md"])])
>>> lineage = PageLineage(known=["install.md", "colours.md", "guide/install.md"], moves=[
...     PageMove(old="install.md", new=["guide/install.md"], kind="move", confidence=1.0, evidence="")])
>>> followed = follow_references(golden, lineage, {"guide/install.md"})
>>> [(q.reference_sources, q.stale) for q in followed.questions]
[(['guide/install.md'], None), ([], 'its page colours.md was deleted')]
>>> followed.as_written() == golden
True
"""

from __future__ import annotations

from evaluation.golden import GoldenQuestion, GoldenSet
from rag.ingest.lineage import PageLineage


def follow_references(golden: GoldenSet, lineage: PageLineage, doc_ids: set[str]) -> GoldenSet:
    """`golden` with its references resolved in the corpus `doc_ids` (see the module docstring)."""
    golden = golden.as_written()
    questions, original = [], {}
    for q in golden.questions:
        updated = _follow(q, lineage, doc_ids)
        if updated is not q:
            original[q.id] = {
                "reference_sources": q.reference_sources,
                "reference_contexts": q.reference_contexts,
            }
        questions.append(updated)
    return golden.model_copy(update={"questions": questions, "original": original})


def _follow(q: GoldenQuestion, lineage: PageLineage, doc_ids: set[str]) -> GoldenQuestion:
    if not q.reference_sources or all(ref in doc_ids for ref in q.reference_sources):
        return q
    ids: list[str] = []
    reasons: list[str] = []
    for ref in q.reference_sources:
        found = lineage.resolve(ref, doc_ids)
        if found is None:  # never a page of any version: keep it, so it is reported as missing
            ids.append(ref)
        elif found.stale:
            reasons.append(found.stale)
        else:
            ids.extend(found.ids)
    if ids:
        ids = list(dict.fromkeys(ids))
        return q if ids == q.reference_sources else q.model_copy(update={"reference_sources": ids})
    return q.model_copy(
        update={"reference_sources": [], "reference_contexts": [], "stale": "; ".join(reasons)}
    )


def followed_count(golden: GoldenSet) -> int:
    """Questions whose references were followed to moved pages (not stale)."""
    return sum(1 for q in golden.questions if q.id in golden.original and not q.stale)
