"""Reviewing candidates in a terminal: each pending question with its page and passage; a person
accepts, edits, rejects or skips it. The file is rewritten after every decision, so quitting (or a
closed terminal) loses nothing; a later run starts at the first question still pending.

tests/evaluation/generation/test_review.py drives it in a real pseudo-terminal.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import click
from pydantic import BaseModel, ValidationError

from evaluation.generation.candidates import Candidate, read_candidates, write_candidates
from evaluation.golden import GoldenQuestion
from rag.settings_file import error_parts

PASSAGE_LINES = 12
CHOICES = {"a": "accept", "e": "edit", "r": "reject", "s": "skip", "q": "quit"}


class Reviewed(BaseModel):
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    skipped: int = 0
    pending: int = 0  # still pending when the session ended


def review(path: Path) -> Reviewed:
    """The review loop over `path`'s pending candidates (prompts on the terminal)."""
    candidates = read_candidates(path)
    todo = [i for i, c in enumerate(candidates) if c.review == "pending"]
    done = Reviewed()
    for n, i in enumerate(todo, start=1):
        click.echo(show(candidates[i], n, len(todo)))
        choice = click.prompt(
            "  [a]ccept [e]dit [r]eject [s]kip [q]uit", type=click.Choice(list(CHOICES)), show_choices=False
        )
        if choice == "q":
            break
        if choice == "s":
            done.skipped += 1
            continue
        candidates[i] = _decide(candidates[i], choice)
        counter = {"a": "accepted", "e": "edited", "r": "rejected"}[choice]
        setattr(done, counter, getattr(done, counter) + 1)
        write_candidates(path, candidates)
    done.pending = sum(c.review == "pending" for c in candidates)
    return done


def _decide(candidate: Candidate, choice: str) -> Candidate:
    if choice == "r":
        return candidate.model_copy(update={"review": "rejected"})
    question = candidate.question
    if choice == "e":
        question = _edited(question)
    return Candidate(question=question, review="accepted")


def _edited(question: GoldenQuestion) -> GoldenQuestion:
    """The question as the person rewrites it (Enter keeps it), validated like a golden line."""
    while True:
        text = click.prompt("  question", default=question.question)
        try:
            return GoldenQuestion.model_validate({**question.model_dump(), "question": text.strip()})
        except ValidationError as exc:
            click.secho(
                "  " + "; ".join(f"{key}: {message}" for key, _, message in error_parts(exc)), fg="red"
            )


def show(candidate: Candidate, n: int, total: int) -> str:
    """What a reviewer reads: the question, how it was made, its page and the passage that answers it."""
    q = candidate.question
    where = (
        "expects a refusal: no page should answer it"
        if q.expect_refusal
        else ", ".join(q.reference_sources) + "".join(f"#{s}" for s in q.reference_sections[:1])
    )
    lines = [f"\n[{n}/{total}] {q.generated_by or 'written'}  {where}", f"  Q: {q.question}"]
    if q.reference_answer:
        lines.append(f"  A: {q.reference_answer}")
    for context in q.reference_contexts[:1]:
        wrapped = [w for para in context.splitlines() for w in textwrap.wrap(para, 96) or [""]]
        lines += ["  passage:"] + [f"  | {w}" for w in wrapped[:PASSAGE_LINES]]
        lines += ["  | …"] if len(wrapped) > PASSAGE_LINES else []
    return "\n".join(lines)
