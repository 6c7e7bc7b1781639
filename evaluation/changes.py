"""What changed against production, question by question: both answers side by side.

Rows come from the answers tables (evaluation/answers.py) of the candidate and of production;
a question is listed when a gated metric's score moved on it.

>>> cand = [{"id": "q1", "question": "Port?", "answer": "7341", "sources": "a.md", "hit_rate": 1.0},
...         {"id": "q2", "question": "Host?", "answer": "x", "sources": "b.md", "hit_rate": 1.0}]
>>> prod = [{"id": "q1", "question": "Port?", "answer": "?", "sources": "c.md", "hit_rate": 0.0},
...         {"id": "q2", "question": "Host?", "answer": "x", "sources": "b.md", "hit_rate": 1.0}]
>>> [(r["id"], r["direction"], r["changes"]) for r in changed_questions(cand, prod, ["hit_rate"])]
[('q1', 'better', 'hit_rate +1.00')]
"""

from __future__ import annotations

from html import escape
from typing import Any


def changed_questions(
    candidate: list[dict], production: list[dict], metrics: list[str]
) -> list[dict[str, Any]]:
    """Questions whose score on any of `metrics` moved: worse first, then better."""
    before = {row["id"]: row for row in production}
    changed = []
    for row in candidate:
        old = before.get(row["id"])
        if old is None:
            continue
        moved = {
            m: row[m] - old[m]
            for m in metrics
            if _number(row.get(m)) and _number(old.get(m)) and row[m] != old[m]
        }
        if not moved:
            continue
        changed.append({
            "id": row["id"], "question": row["question"],
            "direction": "better" if sum(moved.values()) > 0 else "worse",
            "changes": "; ".join(f"{m} {d:+.2f}" for m, d in moved.items()),
            "answer": row["answer"], "sources": row["sources"], "pages": row.get("pages", ""),
            "production_answer": old["answer"], "production_sources": old["sources"],
        })  # fmt: skip
    return sorted(changed, key=lambda r: r["direction"] != "worse")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def changes_html(rows: list[dict[str, Any]], production_version: str) -> str:
    """The report's section: each changed question, this version's answer beside production's."""
    if not rows:
        return f"<h2>What changed against production v{escape(production_version)}</h2><p>No question's score moved.</p>"
    worse = sum(r["direction"] == "worse" for r in rows)
    head = ("<tr><th>id</th><th>question</th><th>change</th><th>its pages</th><th>this version</th><th>sources</th>"
            f"<th>production v{escape(production_version)}</th><th>sources</th></tr>")  # fmt: skip
    body = "".join(
        f"<tr><td>{escape(r['id'])}</td><td>{escape(r['question'])}</td>"
        f"<td class='{'pass' if r['direction'] == 'better' else 'fail'}'>{escape(r['changes'])}</td>"
        f"<td class='muted'>{escape(r.get('pages', ''))}</td>"
        f"<td class='answer'>{escape(r['answer'])}</td><td>{escape(r['sources'])}</td>"
        f"<td class='answer'>{escape(r['production_answer'])}</td><td>{escape(r['production_sources'])}</td></tr>"
        for r in rows
    )
    return (f"<h2>What changed against production v{escape(production_version)}</h2>"
            f"<p>{len(rows) - worse} questions better, {worse} worse.</p><table>{head}{body}</table>")  # fmt: skip
