"""`golden generate`'s library: offline questions from real docs sets nobody here wrote, spread,
deduplicated, pointing only at pages that exist; and from a small corpus, the rules one by one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evaluation.generation.generate import GenerateSettings, generate
from evaluation.generation.offline import offline_drafts
from evaluation.generation.passages import SectionPassage
from evaluation.generation.refusals import FOREIGN
from evaluation.generation.spread import normalized
from factory.config import AgentConfig
from rag.ingest.sources import list_ids
from tests.helpers import DATASETS, needs_datasets, write_corpus, write_golden


def _top_folders(doc_ids: set[str]) -> set[str]:
    return {SectionPassage(doc, "", (), "", "").folder for doc in doc_ids}


RAY_FOLDERS = ["ray-references", "ray-overview", "ray-contribute", "workflows", "ray-more-libs",
               "ray-observability", "serve", "cluster", "ray-core"]  # fmt: skip


@needs_datasets
@pytest.mark.slow
@pytest.mark.parametrize("folder", ["zenml-docs", "ray-docs"])
def test_offline_candidates_cover_the_tree_with_no_duplicates_and_real_pages(folder):
    source = {"type": "directory", "name": "site", "path": str(DATASETS / folder)}
    if folder == "ray-docs":  # 10 of its 14 folders (438 of 2,851 pages): reading them all took minutes
        source["include"] = ["*.html", *(f"{d}/**/*.html" for d in RAY_FOLDERS)]
    config = AgentConfig(name="shared", sources=[source])
    made = generate(config, GenerateSettings(max_questions=80, per_page=2))
    questions = [c.question for c in made.candidates]
    doc_ids = {doc for ids in list_ids(config.sources).values() for doc, _ in ids}

    assert len(questions) == 80 and all(c.review == "pending" for c in made.candidates)
    assert _top_folders({s for q in questions for s in q.reference_sources}) == _top_folders(doc_ids)
    assert len({normalized(q.question) for q in questions}) == len(questions)  # no duplicates, in other words
    assert {s for q in questions for s in q.reference_sources} <= doc_ids  # every page exists
    pages = [s for q in questions for s in q.reference_sources]
    assert max(pages.count(p) for p in pages) <= 2  # no page over its share
    refusals = [q for q in questions if q.expect_refusal]
    assert len(refusals) == 8 and all(
        q.generated_by == "offline/refusal" and not q.reference_sources for q in refusals
    )
    assert all(q.generated_by.startswith("offline/") for q in questions)
    answerable = [q for q in questions if not q.expect_refusal]
    assert all(q.reference_contexts and q.reference_contexts[0].strip() for q in answerable)
    assert len({q.generated_by for q in answerable}) >= 3  # headings, API names, definitions or tables


def test_rules_on_a_small_corpus(tmp_path: Path):
    corpus = write_corpus(tmp_path / "corpus", {
        "guide/install.md": "# Installing\n\nRun `widgetctl setup` inside an empty folder; it needs Python 3.11.\n\n"
                            "## Configuring the port\n\nSet `widget.server.port` in widget.yaml to change the port "
                            "the server listens on (7341 by default).\n",
        "guide/themes.md": "# Themes\n\nA theme is a set of colours and fonts applied to every dashboard page.\n",
        "api/server.md": "# widget.server.start\n\nStarts the widget server in the background and returns its handle.\n",
    })  # fmt: skip
    golden = write_golden(tmp_path / "golden.jsonl", [
        {"id": "t", "question": "What is a theme?", "reference_sources": ["docs/guide/themes.md"]}])  # fmt: skip
    config = AgentConfig(name="small", sources=[{"type": "directory", "name": "docs", "path": str(corpus)}],
                         evaluation={"golden_set": str(golden)})  # fmt: skip
    made = generate(config, GenerateSettings(max_questions=6, per_page=3, refusal_share=0.2))
    by_text = {c.question.question: c.question for c in made.candidates}

    assert "What is a theme?" not in by_text  # already in the golden set
    port = by_text["How do I configure the port in Installing?"]
    assert port.reference_sources == ["docs/guide/install.md"] and port.reference_sections == [
        "configuring-the-port"
    ]
    assert "7341" in port.reference_contexts[0] and port.generated_by == "offline/heading"
    assert by_text["What does `widget.server.start` do?"].generated_by == "offline/identifier"
    assert set(made.folders) == {"docs/guide", "docs/api"}
    refusal = next(q for q in by_text.values() if q.expect_refusal)
    term = next(f for f in FOREIGN if f in refusal.question)
    assert not re.search(
        re.escape(term.lower()), "".join(p.read_text().lower() for p in corpus.rglob("*.md"))
    )


def _asked(
    title: str, heading: str, prose: str = "Everything about it is on this page, with examples."
) -> list[str]:
    path = (title,) if heading == title else (title, heading)
    return [d.question for d in offline_drafts([SectionPassage("docs/x.md", title, path, "a", prose)])]


def test_headings_read_as_questions_a_person_would_ask():
    assert _asked("Local Docker Orchestrator", "How to use it?") == [
        "How do I use Local Docker Orchestrator?"
    ]
    assert _asked("FAQ", "Which license does ZenML use?") == ["Which license does ZenML use?"]
    assert _asked("Guide", "Debug and solve issues") == ["How do I debug and solve issues in Guide?"]
    assert _asked("Guide", "Debugging and Monitoring") == ["What is Debugging and Monitoring in Guide?"]
    assert _asked(
        "CI/CD", "Set up CI/CD", "While this is a simple setup, real projects add more steps to it."
    ) == [
        "How do I set up CI/CD?"  # and no "What is While this?"
    ]
    assert _asked("Table of contents", "How-To") == []  # a contents page's headings are other pages' titles
