"""Golden questions: a JSONL schema, validated line by line.

One JSON object per line::

    {"id": "install-1", "question": "How do I install Agent Factory?",
     "reference_answer": "Create a venv, install torch==2.13.0, then pip install -e '.[dev]'.",
     "reference_sources": ["docs/installation.md"], "must_include": ["torch==2.13.0"],
     "tags": ["install"]}

Optional: ``reference_contexts`` (passages holding the answer), ``expect_refusal``
(an out-of-scope question the agent should decline; no sources then) and
``follow_up_of`` (the id of an earlier question: asked right after it, in one conversation) and
``generated_by`` (how a generated question was made, e.g. ``offline/heading``; written by
``agent-factory golden accept``, evaluation/generation/): the report scores those apart.

>>> golden = load_golden("golden_questions/docs.jsonl")
>>> golden.name, len(golden.questions), golden.questions[0].reference_sources
('docs.jsonl', 49, ['docs/installation.md'])
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rag.errors import AgentFactoryError
from rag.settings_file import error_parts, read_bounded
from rag.writing import write_file

MAX_GOLDEN_BYTES = 20_000_000  # tens of thousands of questions; a golden set is read whole


class GoldenError(AgentFactoryError):
    """A golden file problem; the message names the file, line and field."""


class GoldenQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$")
    question: str = Field(min_length=3)
    reference_answer: str = ""
    reference_sources: list[str] = []
    reference_sections: list[str] = []  # anchors (`#configuring-batch-format`) on the reference pages
    reference_contexts: list[str] = []
    must_include: list[str] = []
    expect_refusal: bool = False
    follow_up_of: str | None = None
    tags: list[str] = []
    generated_by: str | None = Field(None, pattern=r"^[\w.:/@+-]+$")  # None: a person wrote it
    stale: str | None = None  # set by the tool (evaluation/follow.py), never in a file: why its page is gone

    @model_validator(mode="after")
    def _consistent(self) -> GoldenQuestion:
        if self.stale:
            return self
        if self.expect_refusal and (self.reference_sources or self.must_include):
            raise ValueError("an expect_refusal question has no reference_sources or must_include")
        scorable = (self.reference_sources, self.reference_answer, self.must_include, self.reference_contexts)
        if not self.expect_refusal and not any(scorable):
            raise ValueError(
                "an answerable question needs something to score against: reference_sources, "
                "reference_answer, must_include or reference_contexts"
            )
        return self


class GoldenSet(BaseModel):
    """A validated golden set; ``content_hash`` identifies its file across versions.

    ``original`` holds, per question whose references were followed to moved pages or went
    stale (evaluation/follow.py), the fields as its file wrote them; empty for a set as read.
    """

    name: str
    questions: list[GoldenQuestion]
    content_hash: str
    original: dict[str, dict[str, list[str]]] = {}

    def as_written(self) -> GoldenSet:
        """The set with every reference as its file names it."""
        questions = [
            q.model_copy(update={**self.original[q.id], "stale": None})
            if q.id in self.original else q
            for q in self.questions
        ]  # fmt: skip
        return self.model_copy(update={"questions": questions, "original": {}})

    def conversations(self) -> list[list[GoldenQuestion]]:
        """Questions grouped into conversations: a root, then its follow-ups in file order."""
        chains: dict[str, list[GoldenQuestion]] = {}
        root_of: dict[str, str] = {}
        for q in self.questions:
            root = root_of[q.follow_up_of] if q.follow_up_of else q.id
            root_of[q.id] = root
            chains.setdefault(root, []).append(q)
        return list(chains.values())

    def missing_sources(self, doc_ids: set[str]) -> list[str]:
        """Reference sources that are not documents of the corpus, sorted."""
        return sorted({s for q in self.questions for s in q.reference_sources} - doc_ids)

    def check_references(
        self,
        doc_ids: set[str],
        listed: list[str],
        complete: bool,
        earlier: Callable[[], set[str]] | None = None,
    ) -> None:
        """Reference sources must be documents of the corpus, checked before anything is built.

        `doc_ids` come from the sources named in `listed`; when `complete` (every configured source
        could list its ids) every reference is checked, otherwise those naming a listed source.
        A reference to a page an earlier version had (`earlier()`, asked only when needed) is
        followed at build time instead (evaluation/follow.py).
        The error counts them, shows a few, and suggests the prefix change that fixes them.
        """
        refs = sorted({s for q in self.questions for s in q.reference_sources})
        checked = refs if complete else [r for r in refs if r.split("/", 1)[0] in listed]
        missing = [r for r in checked if r not in doc_ids]
        if missing and earlier:
            known = earlier()
            missing = [r for r in missing if r not in known]
        if missing:
            hint = suggest_prefix(missing, doc_ids) or "`agent-factory sources` lists the ids"
            raise GoldenError(
                f"{self.name}: {len(missing)} of {len(refs)} reference sources are not documents of the "
                f"configured sources (e.g. {', '.join(missing[:3])}); {hint}"
            )


def suggest_prefix(missing: list[str], doc_ids: set[str]) -> str | None:
    """The one prefix change that turns the most missing references into document ids, said plainly.

    >>> suggest_prefix(["docs/book/a.md"], {"zenml/docs/book/a.md", "zenml/x.md"})
    "add the prefix 'zenml/' (fixes 1 of 1)"
    >>> suggest_prefix(["site/docs/a.md"], {"docs/a.md"})
    "remove the prefix 'site/' (fixes 1 of 1)"
    """
    fixes: Counter[str] = Counter()
    for ref in missing:
        for doc in doc_ids:
            if doc.endswith("/" + ref):
                fixes[f"add the prefix '{doc[: -len(ref)]}'"] += 1
            elif ref.endswith("/" + doc):
                fixes[f"remove the prefix '{ref[: -len(doc)]}'"] += 1
    if not fixes:
        return None
    best, count = fixes.most_common(1)[0]
    return f"{best} (fixes {count} of {len(missing)})"


def load_golden(path: str | Path) -> GoldenSet:
    """Parse and validate a JSONL golden file; errors name file:line and field."""
    path = Path(path)
    return parse_golden(path, read_bounded(path, MAX_GOLDEN_BYTES, "a golden set", GoldenError))


def write_golden_file(path: Path, text: str) -> Path:
    """Replace (or create) the golden file `path` with `text`, only once all of it validates, atomically
    and keeping its permissions (rag/writing.py); never over a file that is not a golden set."""
    parse_golden(path, text.encode("utf-8"))  # raises GoldenError naming path:line; nothing written
    return write_file(path, text, "golden set", _is_golden)


def _is_golden(path: Path) -> bool:
    try:
        load_golden(path)
    except GoldenError:
        return False
    return True


def parse_golden(path: Path, raw: bytes) -> GoldenSet:
    """The golden set in `raw` (the bytes of `path`). Lines end at "\\n" only: JSON strings may hold
    U+2028, U+2029 or U+0085 raw, which ``str.splitlines`` would split on."""
    questions: list[GoldenQuestion] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(raw.decode("utf-8", errors="replace").split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        question = _parse_line(path, number, line)
        if question.id in seen:
            raise GoldenError(
                f"{path}:{number}: id: duplicate id {question.id!r} (first on line {seen[question.id]})"
            )
        if question.follow_up_of and question.follow_up_of not in seen:
            raise GoldenError(
                f"{path}:{number}: follow_up_of: {question.follow_up_of!r} is not an earlier question id"
            )
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise GoldenError(f"{path}: golden set has no questions")
    return GoldenSet(name=path.name, questions=questions, content_hash=hashlib.sha256(raw).hexdigest())


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if duplicated := sorted({key for key in keys if keys.count(key) > 1}):
        raise GoldenError(f"duplicate field(s) {', '.join(duplicated)}")
    return dict(pairs)


def parse_json(path: Path, number: int, text: str, **options: Any) -> Any:
    """`text`, which starts on line `number` of `path`, as JSON; any failure is a GoldenError at file:line."""
    try:
        return json.loads(text, **options)
    except GoldenError as exc:
        raise GoldenError(f"{path}:{number}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise GoldenError(
            f"{path}:{number + exc.lineno - 1}: invalid JSON: {exc.msg} (column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise GoldenError(f"{path}:{number}: invalid JSON: nested too deeply") from exc
    except ValueError as exc:  # an integer of thousands of digits
        raise GoldenError(f"{path}:{number}: invalid JSON: {exc}") from exc


def _parse_line(path: Path, number: int, line: str) -> GoldenQuestion:
    return question_from(path, number, parse_json(path, number, line, object_pairs_hook=no_duplicate_keys))


def question_from(path: Path, number: int, data: Any) -> GoldenQuestion:
    """Line `number` of `path`, parsed as JSON, validated as a question; errors name file:line and field."""
    if not isinstance(data, dict):
        raise GoldenError(f"{path}:{number}: expected a JSON object")
    if "stale" in data:
        raise GoldenError(f"{path}:{number}: stale: set by the tool when a page is gone, not in a file")
    try:
        return GoldenQuestion.model_validate(data)
    except ValidationError as exc:
        parts = [
            f"{key}: {message}"
            for key, _, message in error_parts(exc, unknown="unknown field", root="<question>")
        ]
        raise GoldenError(f"{path}:{number}: " + "; ".join(parts)) from exc
