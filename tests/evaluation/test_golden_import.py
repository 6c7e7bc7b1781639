"""Importing other people's question lists: ZenML's docs and 81 questions nobody here wrote."""

from __future__ import annotations

import csv
import json

import pytest

from evaluation.golden import load_golden
from evaluation.golden_import import Resolver, Unresolved, import_rows, read_rows
from tests.helpers import DATASETS, needs_datasets

QUESTIONS = DATASETS / "zenml-questions-dev.jsonl"
pytestmark = needs_datasets


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    from rag.ingest.sources import load_documents
    from rag.ingest.sources.directory import DirectorySourceConfig

    docs = {
        d.doc_id: d.text
        for d in load_documents([DirectorySourceConfig(name="zenml", path=DATASETS / "zenml-docs")])
    }
    return Resolver(docs, lambda: docs)


def rows() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text().splitlines()]


def test_the_dev_questions_import_as_they_are(resolver, tmp_path):
    questions, problems = import_rows(QUESTIONS, read_rows(QUESTIONS), resolver, set())
    assert problems == [] and len(questions) == 81
    assert [q.reference_sources for q in questions] == [[f"zenml/{r['file']}"] for r in rows()]
    assert all(q.reference_contexts and not q.reference_answer for q in questions)
    out = tmp_path / "golden.jsonl"
    out.write_text("".join(q.model_dump_json(exclude_defaults=True) + "\n" for q in questions))
    assert len(load_golden(out).questions) == 81  # a valid golden set


def test_urls_alone_resolve_to_the_same_pages(resolver):
    assert [resolver.resolve(r["url"]) for r in rows()] == [f"zenml/{r['file']}" for r in rows()]


def test_a_ragas_export_resolves_by_its_contexts_never_wrongly(resolver, tmp_path):
    export = tmp_path / "testset.csv"
    with export.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["user_input", "reference", "reference_contexts", "synthesizer_name"])
        writer.writeheader()
        for r in rows():
            writer.writerow({"user_input": r["question"], "reference": "An answer.",
                             "reference_contexts": json.dumps([r["passage"]]), "synthesizer_name": "x"})  # fmt: skip
    questions, problems = import_rows(export, read_rows(export), resolver, set())
    right = [q for q, r in zip(questions, [r for r in rows()], strict=False) if q.reference_sources]
    assert len(questions) + len(problems) == 81 and len(questions) >= 70
    expected = {r["question"]: f"zenml/{r['file']}" for r in rows()}
    assert all(
        q.reference_sources == [expected[q.question]] for q in right
    )  # scraped text, never a wrong page
    assert all(p.startswith(f"{export}:") for p in problems)  # each names file:line


def test_unresolvable_rows_are_reported_by_line(resolver, tmp_path):
    listing = tmp_path / "mine.jsonl"
    listing.write_text(
        json.dumps({"question": "How do I deploy?", "file": "how-to/nowhere.md"}) + "\n"
        + json.dumps({"question": "What is a stack?", "url": "https://docs.zenml.io/getting-started/core-concepts"}) + "\n"
    )  # fmt: skip
    questions, problems = import_rows(listing, read_rows(listing), resolver, set())
    assert [q.id for q in questions] == ["mine-2"]
    assert problems == [f"{listing}:1: no document has the path or URL 'how-to/nowhere.md'"]
    with pytest.raises(Unresolved, match="matches 2 documents"):
        Resolver(["a/x.md", "b/x.md"]).resolve("x.md")
