"""Importing a question list into a golden set, with every reference resolved to a doc id.

Teams start with a plain list: a question and where its answer lives. This reads JSONL or
CSV (one row a question), or a RAGAS test set export, and writes the golden format:

- the question: ``question`` (or ``user_input``, ``query``);
- where the answer lives, resolved to a doc id of a configured source: ``doc_id`` /
  ``reference_sources`` (ids as they are), ``file`` / ``path`` (a path inside a source),
  ``url`` (a published page, matched to a file by its path), or, with none of these,
  the text of ``reference_contexts`` found in a document (RAGAS exports have no location);
- optional: ``reference_answer`` (or ``answer``, ``reference``, ``ground_truth``),
  ``must_include`` (or ``facts``), ``reference_contexts`` (or ``passage``, ``context``), ``id``.

Every row that cannot be resolved is reported as ``file:line`` with the reason.

>>> resolver = Resolver(["docs/guide/setup.md", "docs/index.md"])
>>> resolver.resolve("guide/setup.md"), resolver.resolve("https://example.com/v/2/guide/setup")
('docs/guide/setup.md', 'docs/guide/setup.md')
>>> resolver.resolve("install.md")
Traceback (most recent call last):
...
evaluation.golden_import.Unresolved: no document has the path or URL 'install.md'
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from evaluation.golden import GoldenError, GoldenQuestion, load_golden, parse_json, write_golden_file
from rag.config import SourceConfig
from rag.ingest.sources import list_ids, load_documents
from rag.settings_file import error_parts, read_bounded

MAX_FILE_BYTES = 50_000_000
ALIASES = {
    "question": ("question", "user_input", "query"),
    "answer": ("reference_answer", "answer", "reference", "ground_truth"),
    "facts": ("must_include", "facts"),
    "contexts": ("reference_contexts", "passage", "context", "contexts"),
    "ids": ("reference_sources", "doc_id", "doc_ids"),
    "path": ("file", "path"),
    "url": ("url", "source"),  # eval sets in the wild name the page's address `source`
    "id": ("id",),
    "refusal": ("expect_refusal", "unanswerable", "out_of_scope"),
}


class Unresolved(GoldenError):
    """A row whose answer location matches no document (or more than one)."""


class Resolver:
    """Finds the doc id for a doc id, a path inside a source, a URL, or a passage of text."""

    def __init__(self, doc_ids: Iterable[str], texts: Callable[[], dict[str, str]] | None = None) -> None:
        """`texts` (doc id -> text) is called only when a row has no location but passages."""
        self.documents = set(doc_ids)
        self._texts = texts
        self._squashed: dict[str, str] | None = None
        self.by_suffix: dict[str, set[str]] = defaultdict(set)  # the page's path, published form
        self.by_path: dict[str, set[str]] = defaultdict(set)  # the file's path as it is
        for doc_id in self.documents:
            for index, parts in (
                (self.by_suffix, _page(doc_id)),
                (self.by_path, PurePosixPath(doc_id).parts),
            ):
                for start in range(len(parts)):
                    index["/".join(parts[start:])].add(doc_id)

    def resolve(self, location: str) -> str:
        if location in self.documents:
            return location
        path = urlsplit(location).path if "://" in location else location
        exact = PurePosixPath(path.strip("/")).parts
        generic = bool(exact) and PurePosixPath(exact[-1]).stem.lower() in (
            "index",
            "readme",
        )  # names no page alone
        for start in range(len(exact) - generic):  # an exact path (serve/index.html) beats a page-form match
            found = self.by_path.get("/".join(exact[start:]), set())
            if len(found) == 1:
                return next(iter(found))
        parts = _page(path)
        for start in range(len(parts)):  # the longest path suffix that names exactly one document
            found = self.by_suffix.get("/".join(parts[start:]), set())
            if len(found) == 1:
                return next(iter(found))
            if len(found) > 1 and start == len(parts) - 1:
                raise Unresolved(
                    f"{location!r} matches {len(found)} documents: {', '.join(sorted(found)[:3])}"
                )
        raise Unresolved(f"no document has the path or URL {location!r}")

    def resolve_text(self, passages: list[str]) -> str:
        """The document holding the most pieces of the passages (markup and spacing ignored).

        Pieces are 60-character windows of the passage's words, so a passage scraped from the
        published page still finds its Markdown source.
        """
        if self._squashed is None:
            self._squashed = {
                doc: _squash(text) for doc, text in (self._texts() if self._texts else {}).items()
            }
        votes: Counter[str] = Counter()
        for passage in passages:
            words = _squash(passage)
            for start in range(0, max(len(words) - 60, 1), 97):
                piece = words[start : start + 60]
                found = [doc for doc, text in self._squashed.items() if len(piece) >= 30 and piece in text]
                votes.update(found if len(found) == 1 else [])
        if not votes:
            raise Unresolved("no location given, and no document contains its reference_contexts")
        return votes.most_common(1)[0][0]


def _page(path: str) -> tuple[str, ...]:
    """A path's page: no extension, and a folder's index/README is the folder (as sites publish it)."""
    parts = PurePosixPath(path.strip("/")).with_suffix("").parts
    return parts[:-1] if parts and parts[-1].lower() in ("index", "readme") else parts


def _squash(text: str) -> str:
    """Lowercase words only: markup, punctuation and spacing differ between a page and its source."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) of a JSONL, JSON (a list) or CSV file; bounded in size, every failure a GoldenError."""
    raw = read_bounded(path, MAX_FILE_BYTES, "a question file", GoldenError)
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet's CSV starts with a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GoldenError(f"{path}:{line}: not UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    if path.suffix.lower() == ".csv":
        try:
            return [(number, row) for number, row in enumerate(csv.DictReader(text.splitlines()), start=2)]
        except csv.Error as exc:
            raise GoldenError(f"{path}: invalid CSV: {exc}") from exc
    if path.suffix.lower() == ".json":
        data = parse_json(path, 1, text)
        if not isinstance(data, list):
            raise GoldenError(f"{path}: expected a JSON list of questions, got a {type(data).__name__}")
        return list(enumerate(data, start=1))
    return [
        (number, parse_json(path, number, line))
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def _field(row: dict[str, Any], name: str) -> Any:
    return next((row[key] for key in ALIASES[name] if row.get(key) not in (None, "", [])), None)


def _texts(value: Any) -> list[str]:
    """A list of strings from a list, a JSON-encoded list (CSV exports), or one string."""
    if isinstance(value, str) and value.startswith("["):
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def import_rows(
    path: Path, rows: list[tuple[int, dict[str, Any]]], resolver: Resolver, taken: set[str]
) -> tuple[list[GoldenQuestion], list[str]]:
    """Golden questions for the rows that resolve, and a ``file:line: reason`` for each that does not."""
    questions, problems = [], []
    for number, row in rows:
        where = f"{path}:{number}"
        try:
            question = _question(row, resolver, f"{path.stem}-{number}")
        except (Unresolved, GoldenError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        except ValidationError as exc:
            problems.append(
                f"{where}: " + "; ".join(f"{k}: {m}" for k, _, m in error_parts(exc, root="<row>"))
            )
            continue
        if question.id in taken:
            problems.append(f"{where}: duplicate id {question.id!r}")
            continue
        taken.add(question.id)
        questions.append(question)
    return questions, problems


def _question(row: dict[str, Any], resolver: Resolver, fallback_id: str) -> GoldenQuestion:
    if not isinstance(row, dict):
        raise GoldenError("expected an object with a question")
    contexts = _texts(_field(row, "contexts"))
    locations = _texts(_field(row, "ids")) or _texts(_field(row, "path") or _field(row, "url"))
    raw_id = str(_field(row, "id") or fallback_id)
    if _field(row, "refusal") is True and not locations and not contexts:  # a question to decline: no page
        return GoldenQuestion(id=re.sub(r"[^A-Za-z0-9_.:-]", "-", raw_id), question=str(_field(row, "question") or ""),
                              expect_refusal=True, tags=_texts(row.get("tags")))  # fmt: skip
    # `page.html#section`: the page is the reference, the fragment its section (section_hit)
    sources = [resolver.resolve(where.partition("#")[0]) for where in locations]
    linked = [*locations, *_texts(_field(row, "url"))]  # a row naming its file may link the section
    sections = list(dict.fromkeys(anchor for where in linked if (anchor := where.partition("#")[2])))
    if not locations:
        sources = [resolver.resolve_text(contexts)]
    return GoldenQuestion(
        id=re.sub(r"[^A-Za-z0-9_.:-]", "-", raw_id),
        question=str(_field(row, "question") or ""),
        reference_answer=str(_field(row, "answer") or ""),
        reference_sources=sources,
        reference_sections=sections,
        reference_contexts=contexts,
        must_include=_texts(_field(row, "facts")),
    )


def import_golden(files: list[Path], sources: list[SourceConfig]) -> tuple[list[GoldenQuestion], list[str]]:
    """The golden questions of `files` resolved against `sources`' documents, and the rows that did not resolve.

    Sources that list their ids (directories, git) are read only for rows giving passages, not
    locations; a crawl or an export is read once.
    """
    listed = list_ids(sources)

    def texts() -> dict[str, str]:
        return {d.doc_id: d.text for d in load_documents(sources)}

    if any(ids is None for ids in listed.values()):
        documents = texts()
        resolver = Resolver(documents, lambda: documents)
    else:
        resolver = Resolver([doc for ids in listed.values() for doc, _ in ids or []], texts)
    taken: set[str] = set()
    questions, problems = [], []
    for path in files:
        found, failed = import_rows(path, read_rows(path), resolver, taken)
        questions += found
        problems += failed
    return questions, problems


def write_golden(questions: list[GoldenQuestion], out: Path, inputs: list[Path]) -> None:
    """Write `questions` as a golden JSONL file; never over an input or a file that is not a golden set."""
    if out.exists():
        if out.resolve() in {f.resolve() for f in inputs}:
            raise GoldenError(f"{out}: is one of the input files; choose another --out")
        try:
            load_golden(out)
        except GoldenError:  # a config, a CSV, anything else: not this tool's to overwrite
            raise GoldenError(f"{out}: exists and is not a golden set; choose another --out") from None
    write_golden_file(out, "".join(q.model_dump_json(exclude_defaults=True) + "\n" for q in questions))
