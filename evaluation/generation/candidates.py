"""The candidates file: generated questions, each marked ``pending``, ``accepted`` or ``rejected``.

One JSON object a line, a golden question with a ``review`` mark beside it, so a person can
review in a text editor as well as with ``agent-factory golden review``. Only ``accepted``
lines ever reach the golden set (:func:`accept`), after the whole resulting set validates.

>>> import tempfile
>>> from evaluation.golden import GoldenQuestion
>>> folder = Path(tempfile.mkdtemp())
>>> q = GoldenQuestion(id="gen-1", question="What is a Dataset?", reference_sources=["d/a.md"],
...                    generated_by="offline/definition")
>>> _ = write_candidates(folder / "c.jsonl", [Candidate(question=q, review="accepted")])
>>> accept(folder / "c.jsonl", folder / "golden.jsonl").added
1
>>> accept(folder / "c.jsonl", folder / "golden.jsonl").already  # a second run adds nothing twice
1
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from evaluation.generation.spread import normalized
from evaluation.golden import (
    GoldenError,
    GoldenQuestion,
    load_golden,
    no_duplicate_keys,
    parse_json,
    question_from,
    write_golden_file,
)
from rag.settings_file import read_bounded
from rag.writing import write_file

MAX_CANDIDATES_BYTES = 50_000_000
Mark = Literal["pending", "accepted", "rejected"]
MARKS = ("pending", "accepted", "rejected")


class Candidate(BaseModel):
    """A generated question and a person's decision on it."""

    model_config = ConfigDict(frozen=True)

    question: GoldenQuestion
    review: Mark = "pending"

    def line(self) -> str:
        return json.dumps(
            {"review": self.review, **self.question.model_dump(exclude_defaults=True)}, ensure_ascii=False
        )


class Accepted(BaseModel):
    """What :func:`accept` did: questions added, and those it left out and why."""

    added: int = 0
    already: int = 0  # the same question (in other words, or by id) is in the golden set
    pending: int = 0
    rejected: int = 0


def write_candidates(path: Path, candidates: list[Candidate]) -> Path:
    """Write (or replace) a candidates file; never over a file that is not one."""
    return write_file(path, "".join(c.line() + "\n" for c in candidates), "candidates file", _is_candidates)


def read_candidates(path: Path) -> list[Candidate]:
    """Every candidate of `path`; errors name file:line and the field."""
    raw = read_bounded(path, MAX_CANDIDATES_BYTES, "a candidates file", GoldenError)
    candidates = []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").split("\n"), start=1):
        if not line.strip():
            continue
        data = parse_json(path, number, line, object_pairs_hook=no_duplicate_keys)
        mark = data.pop("review", None) if isinstance(data, dict) else None
        if mark not in MARKS:
            raise GoldenError(f"{path}:{number}: review: {mark!r} is not one of {', '.join(MARKS)}")
        candidates.append(Candidate(question=question_from(path, number, data), review=mark))
    if not candidates:
        raise GoldenError(f"{path}: no candidates")
    return candidates


def accept(candidates_path: Path, golden_path: Path, doc_ids: set[str] | None = None) -> Accepted:
    """Append the accepted candidates to the golden set (made if absent), skipping questions it
    already has; with `doc_ids`, every reference must name one of them. All or nothing."""
    candidates = read_candidates(candidates_path)
    existing = load_golden(golden_path).questions if golden_path.exists() else []
    known = {normalized(q.question) for q in existing} | {q.id for q in existing}
    result = Accepted(pending=sum(c.review == "pending" for c in candidates),
                      rejected=sum(c.review == "rejected" for c in candidates))  # fmt: skip
    new: list[GoldenQuestion] = []
    for candidate in (c for c in candidates if c.review == "accepted"):
        q = candidate.question
        if normalized(q.question) in known or q.id in known:
            result.already += 1
            continue
        known |= {normalized(q.question), q.id}
        new.append(q)
    missing = sorted({s for q in new for s in q.reference_sources} - doc_ids) if doc_ids is not None else []
    if missing:
        raise GoldenError(f"{candidates_path}: accepted questions name pages that are not documents of the "
                          f"configured sources: {', '.join(missing[:3])}; nothing was added")  # fmt: skip
    if new:
        text = golden_path.read_text(encoding="utf-8") if golden_path.exists() else ""
        text += ("" if not text or text.endswith("\n") else "\n") + "".join(
            json.dumps(q.model_dump(exclude_defaults=True), ensure_ascii=False) + "\n" for q in new
        )
        write_golden_file(golden_path, text)
    result.added = len(new)
    return result


def _is_candidates(path: Path) -> bool:
    try:
        read_candidates(path)
    except GoldenError:
        return False
    return True
