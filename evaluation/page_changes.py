"""What changed in the corpus, for people: the corpus diff and the golden questions it touches.

>>> from evaluation.golden import GoldenQuestion, GoldenSet
>>> from rag.ingest.corpus_diff import CorpusDiff, PageMove
>>> diff = CorpusDiff(previous_version="3", changed=["docs/b.md"], moved=[
...     PageMove(old="docs/a.md", new=["docs/guide/a.md"], kind="move", confidence=1.0, evidence="identical content")])
>>> golden = GoldenSet(name="g", content_hash="h", original={"q1": {"reference_sources": ["docs/a.md"]}}, questions=[
...     GoldenQuestion(id="q1", question="Install?", reference_sources=["docs/guide/a.md"]),
...     GoldenQuestion(id="q2", question="Colours?", reference_sources=["docs/b.md"])])
>>> touched_questions(diff, golden)
{'q1': 'page moved', 'q2': 'page changed'}
>>> print("\\n".join(diff_lines(diff, golden)))
corpus against v3: 0 added, 0 removed, 1 changed, 1 moved, 0 ambiguous, 0 unchanged
  moved    docs/a.md -> docs/guide/a.md  (identical content)
  changed  docs/b.md
golden questions on pages that moved or changed: q1 (page moved), q2 (page changed)
"""

from __future__ import annotations

from html import escape

from evaluation.golden import GoldenSet
from rag.ingest.corpus_diff import CorpusDiff

SHOWN = 200  # pages listed per kind; the counts are always complete


def touched_questions(diff: CorpusDiff, golden: GoldenSet | None) -> dict[str, str]:
    """Golden question id -> how its pages changed ("page moved", "page changed", or stale's reason)."""
    if golden is None:
        return {}
    moved = {m.old for m in diff.moved} | {n for m in diff.moved for n in m.new}
    changed = set(diff.changed)
    touched = {}
    for q in golden.questions:
        refs = set(q.reference_sources) | set(golden.original.get(q.id, {}).get("reference_sources", []))
        if q.stale:
            touched[q.id] = f"stale: {q.stale}"
        elif refs & moved:
            touched[q.id] = "page moved"
        elif refs & changed:
            touched[q.id] = "page changed"
    return touched


def _entries(diff: CorpusDiff) -> list[tuple[str, str, str]]:
    """(kind, page, detail) rows, moves first."""
    rows = [
        (m.kind if m.kind != "move" else "moved", m.old, f"{', '.join(m.new)}|{m.evidence}")
        for m in diff.moved
    ]
    rows += [
        ("ambiguous", old, f"{', '.join(new)}|equally good successors: not followed")
        for old, new in diff.ambiguous.items()
    ]
    for kind in ("added", "removed", "changed"):
        rows += [(kind, page, "") for page in getattr(diff, kind)[:SHOWN]]
    return rows


def diff_lines(diff: CorpusDiff, golden: GoldenSet | None = None) -> list[str]:
    """The corpus diff as lines of plain text."""
    against = f"v{diff.previous_version}" if diff.previous_version else "nothing (first version)"
    lines = [f"corpus against {against}: {diff.summary()}"]
    for kind, page, detail in _entries(diff):
        target, _, evidence = detail.partition("|")
        lines.append(f"  {kind:8s} {page}" + (f" -> {target}  ({evidence})" if target else ""))
    if touched := touched_questions(diff, golden):
        lines.append("golden questions on pages that moved or changed: "
                     + ", ".join(f"{qid} ({how})" for qid, how in touched.items()))  # fmt: skip
    return lines


def diff_html(diff: CorpusDiff, golden: GoldenSet | None = None) -> str:
    """The report's section: what changed in the corpus and which golden questions it touches."""
    against = f"v{escape(diff.previous_version)}" if diff.previous_version else "the first version"
    if diff.empty():
        return f"<h2>Corpus</h2><p>No page changed since {against}.</p>"
    entries = [(kind, page, *detail.partition("|")[::2]) for kind, page, detail in _entries(diff)]
    filled = [any(e[i] for e in entries) for i in range(4)]  # a column nobody fills is left out
    names = [n for n, keep in zip(("what", "page", "now", "evidence"), filled, strict=True) if keep]
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(v)}</td>" for v, keep in zip(e, filled, strict=True) if keep) + "</tr>"
        for e in entries
    )
    touched = touched_questions(diff, golden)
    questions = "".join(f"<li>{escape(qid)}: {escape(how)}</li>" for qid, how in touched.items())
    return (f"<h2>Corpus since {against}</h2><p>{escape(diff.summary())}</p>"
            "<table><tr>" + "".join(f"<th>{n}</th>" for n in names) + f"</tr>{body}</table>"
            + (f"<p>Golden questions on pages that moved or changed:</p><ul>{questions}</ul>" if questions else ""))  # fmt: skip
