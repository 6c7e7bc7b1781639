"""Questions that changed against production, for the report: worse first, text escaped."""

from evaluation.changes import changed_questions, changes_html


def _row(qid: str, hit: float, answer: str = "a") -> dict:
    return {
        "id": qid,
        "question": f"<b>{qid}</b>?",
        "answer": answer,
        "sources": "s",
        "hit_rate": hit,
        "mrr": hit,
    }


def test_worse_questions_come_first_and_unscored_metrics_are_not_changes():
    candidate = [
        _row("up", 1.0),
        _row("down", 0.0),
        _row("same", 1.0),
        {**_row("nan", 0.0), "hit_rate": None},
    ]
    production = [_row("up", 0.0), _row("down", 1.0), _row("same", 1.0), _row("nan", 1.0), _row("gone", 1.0)]
    rows = changed_questions(candidate, production, ["hit_rate"])
    assert [(r["id"], r["direction"]) for r in rows] == [("down", "worse"), ("up", "better")]


def test_the_section_escapes_questions_and_answers():
    rows = changed_questions([_row("q", 0.0, "<script>x()</script>")], [_row("q", 1.0)], ["hit_rate", "mrr"])
    html = changes_html(rows, "3")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;q&lt;/b&gt;" in html
    assert "hit_rate -1.00; mrr -1.00" in html and "0 questions better, 1 worse" in html
    assert "No question's score moved" in changes_html([], "3")
