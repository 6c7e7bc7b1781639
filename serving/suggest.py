"""Golden-question candidates from disliked answers, for a person to accept, edit or drop.

Two steps, never automatic:

1. ``agent-factory golden suggest --out review.yaml`` writes one candidate per disliked
   question not already in the golden set: the question, the answer that was disliked and
   the comment, an empty ``reference_answer`` and ``decision: pending``.
2. A person fills in the reference (answer, sources or must_include), sets ``decision:
   accept`` or ``drop``, and ``agent-factory golden suggest --apply review.yaml`` appends the
   accepted ones to the golden file, each checked as a golden question first (an error names
   the candidate and field; nothing is written unless all accepted ones are valid).

>>> from serving.feedback import FeedbackRow
>>> row = FeedbackRow(id="ab12cd34ef", created=0, question="How do I rotate the key?", answer="I don't know",
...                   model="m", version="2", channel="web", rating=-1, comment="it is in security.md")
>>> candidates([row], known=set())[0]["id"]
'feedback-ab12cd34'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from evaluation.golden import GoldenError, GoldenQuestion, load_golden, write_golden_file
from rag.errors import AgentFactoryError
from rag.settings_file import read_bounded
from rag.writing import starts_with, write_file
from serving.feedback import FeedbackRow


class SuggestError(AgentFactoryError):
    """A review file that cannot be applied: a candidate that is not a valid golden question."""


MAX_REVIEW_BYTES = 20_000_000
_REVIEW_ONLY = ("decision", "disliked_answer", "comment", "version", "trace_id")


def _key(question: str) -> str:
    return " ".join(question.lower().split())


def candidates(disliked: list[FeedbackRow], known: set[str]) -> list[dict[str, Any]]:
    """One review entry per disliked question that the golden set (`known` questions) lacks."""
    seen = {_key(q) for q in known}
    out = []
    for row in disliked:
        if _key(row.question) in seen:
            continue
        seen.add(_key(row.question))
        out.append({
            "id": f"feedback-{row.id[:8]}", "question": row.question, "reference_answer": "",
            "reference_sources": [], "must_include": [], "tags": ["from-feedback"],
            "decision": "pending", "disliked_answer": row.answer, "comment": row.comment, "version": row.version,
        } | ({"trace_id": row.trace_id} if row.trace_id else {}))  # fmt: skip
    return out


REVIEW_HEADER = "# Golden candidates from disliked answers. Fill a reference, set decision: accept | drop,\n"


def write_review(entries: list[dict[str, Any]], path: Path) -> Path:
    header = REVIEW_HEADER + "# then: agent-factory golden suggest --apply THIS_FILE\n"
    text = header + yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100)
    return write_file(path, text, "review file", starts_with(REVIEW_HEADER.encode()))


def apply_review(path: Path, golden: Path) -> int:
    """Append the accepted candidates to `golden` (JSONL); returns how many were added."""
    try:
        entries = yaml.safe_load(read_bounded(path, MAX_REVIEW_BYTES, "a review file", SuggestError)) or []
    except yaml.YAMLError as exc:
        raise SuggestError(f"{path}: not YAML: {exc}") from None
    if not isinstance(entries, list):
        raise SuggestError(f"{path}: expected a list of candidates")
    accepted = []
    for n, entry in enumerate(entries, start=1):
        decision = entry.get("decision") if isinstance(entry, dict) else None
        if decision not in ("accept", "drop", "pending"):
            raise SuggestError(
                f"{path}: candidate {n}: decision must be accept, drop or pending, not {decision!r}"
            )
        if decision != "accept":
            continue
        row = {k: v for k, v in entry.items() if k not in _REVIEW_ONLY}
        try:
            accepted.append(GoldenQuestion.model_validate(row))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "candidate"
            raise SuggestError(
                f"{path}: candidate {n} ({entry.get('id')}): {where}: {first['msg']}"
            ) from None
    existing = load_golden(golden).questions
    if clash := {q.id for q in existing} & {q.id for q in accepted}:
        raise SuggestError(f"{path}: ids already in {golden}: {', '.join(sorted(clash))}")
    text = golden.read_text(encoding="utf-8")
    text += ("\n" if text and not text.endswith("\n") else "") + "".join(
        json.dumps(q.model_dump(exclude_defaults=True)) + "\n" for q in accepted
    )
    # The whole resulting file is validated before it replaces the golden set: a review with two
    # candidates of one id, or a follow-up of a missing question, never breaks the next build.
    try:
        write_golden_file(golden, text)
    except GoldenError as exc:
        raise SuggestError(f"{path}: the golden set would not be valid: {exc}") from None
    return len(accepted)
