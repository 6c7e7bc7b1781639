"""Per-question rows: every answer, its sources and each metric's score; CSV for people."""

import csv
import io

from evaluation.answers import answer_rows, to_csv
from evaluation.records import AnswerRecord, EvaluationResult, MetricScore


def _result() -> EvaluationResult:
    records = [AnswerRecord(id=q, question=f"{q}?", answer=f"answer, with \"quotes\"\nand a line ({q})", contexts=[],
                            source_ids=["docs/a.md", "docs/b.md"], tool_calls=[], latency_s=0.12345) for q in ("q1", "q2")]  # fmt: skip
    scores = {"hit_rate": MetricScore(name="hit_rate", tier="offline", values={"q1": 1.0, "q2": None}),
              "refusal_accuracy": MetricScore(name="refusal_accuracy", tier="offline", values={"q2": 0.0})}  # fmt: skip
    return EvaluationResult(golden_name="g", golden_hash="h", records=records, metrics=scores, latency_p50_s=0.1,
                            latency_p95_s=0.1, seconds=1.0)  # fmt: skip


def test_rows_keep_nan_apart_from_not_scored():
    rows = answer_rows(_result())
    assert rows[0]["sources"] == "docs/a.md docs/b.md" and rows[0]["latency_s"] == 0.123
    assert rows[0]["hit_rate"] == 1.0 and rows[0]["refusal_accuracy"] == ""  # not scored there
    assert rows[1]["hit_rate"] is None  # the metric failed (NaN)


def test_csv_round_trips_answers_with_commas_quotes_and_newlines():
    rows = answer_rows(_result())
    back = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert [r["answer"] for r in back] == [r["answer"] for r in rows]
    assert to_csv([]) == "id\r\n"
