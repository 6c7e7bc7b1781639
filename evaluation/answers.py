"""Per-question results as a table: what the agent answered, with what sources, and its scores.

Stored as an artifact (JSON and CSV) next to every evaluation, so a golden set of any size
keeps every answer; metadata keeps only the summaries.

>>> from evaluation.records import AnswerRecord, EvaluationResult, MetricScore
>>> record = AnswerRecord(id="q1", question="Port?", answer="7341", contexts=[], source_ids=["docs/ports.md"],
...                       tool_calls=[], latency_s=0.1234)
>>> result = EvaluationResult(golden_name="g", golden_hash="h", records=[record], latency_p50_s=0,
...     latency_p95_s=0, seconds=0, metrics={"hit_rate": MetricScore(name="hit_rate", tier="offline",
...     values={"q1": 1.0})})
>>> rows = answer_rows(result)
>>> rows[0]["sources"], rows[0]["hit_rate"], to_csv(rows).splitlines()[0].split(",")[:3]
('docs/ports.md', 1.0, ['id', 'question', 'answer'])
"""

from __future__ import annotations

import csv
import io
from typing import Any

from evaluation.records import EvaluationResult


def answer_rows(result: EvaluationResult) -> list[dict[str, Any]]:
    """One flat row per question: answer, sources, latency, LLM usage, error, each metric's score."""
    rows = []
    for r in result.records:
        row: dict[str, Any] = {
            "id": r.id,
            "question": r.question,
            "answer": r.answer,
            "sources": " ".join(r.source_ids),
            "latency_s": round(r.latency_s, 3),
            "llm_calls": r.usage.calls,
            "llm_tokens": r.usage.prompt_tokens + r.usage.completion_tokens,
            "judge_calls": r.judge_usage.calls,
            "error": r.error or "",
        }
        for name, metric in result.metrics.items():
            value = metric.values.get(r.id, "")  # "" where the metric does not score it; None is NaN
            row[name] = (
                round(value, 4) if isinstance(value, float) else value
            )  # 0.3333, not 0.3333333333333333
        rows.append(row)
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["id"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
