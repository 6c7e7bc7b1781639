import json
from pathlib import Path

import pytest

from evaluation.golden import GoldenError, load_golden
from tests.helpers import GOLDEN, write_golden

ROOT = Path(__file__).resolve().parents[2]


def write_lines(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "g.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps(GOLDEN[0])


def test_loads_and_groups_follow_ups_into_conversations(tmp_path):
    golden = load_golden(write_golden(tmp_path / "g.jsonl"))
    assert len(golden.questions) == len(GOLDEN)
    conversations = golden.conversations()
    assert [q.id for q in conversations[0]] == ["port", "port-change"]
    assert len(golden.content_hash) == 64


def test_bad_json_names_the_line(tmp_path):
    with pytest.raises(GoldenError, match=r"g.jsonl:2: invalid JSON"):
        load_golden(write_lines(tmp_path, [GOOD, '{"id": "x", "question": ']))


def test_missing_field_names_line_and_field(tmp_path):
    bad = json.dumps({"id": "q2", "question": "Where?"})  # nothing to score an answer against
    with pytest.raises(GoldenError, match=r"g.jsonl:2: .*needs something to score against"):
        load_golden(write_lines(tmp_path, [GOOD, bad]))


def test_a_reference_answer_is_optional(tmp_path):
    plain = json.dumps({"id": "q2", "question": "Where?", "reference_sources": ["docs/a.md"]})
    assert load_golden(write_lines(tmp_path, [GOOD, plain])).questions[1].reference_answer == ""


def test_unknown_field_is_an_error(tmp_path):
    bad = json.dumps(GOLDEN[0] | {"id": "q9", "refs": []})
    with pytest.raises(GoldenError, match=r"g.jsonl:2: refs: unknown field"):
        load_golden(write_lines(tmp_path, [GOOD, bad]))


def test_duplicate_ids_are_an_error(tmp_path):
    with pytest.raises(GoldenError, match=r"g.jsonl:3: id: duplicate id 'port' \(first on line 1\)"):
        load_golden(write_lines(tmp_path, [GOOD, "", GOOD]))


def test_follow_up_must_point_to_an_earlier_question(tmp_path):
    bad = json.dumps(GOLDEN[1] | {"follow_up_of": "later"})
    with pytest.raises(GoldenError, match=r"g.jsonl:1: follow_up_of: 'later' is not an earlier question id"):
        load_golden(write_lines(tmp_path, [bad]))


def test_refusal_question_cannot_have_sources(tmp_path):
    bad = json.dumps(
        {"id": "r", "question": "Weather?", "expect_refusal": True, "reference_sources": ["docs/a.md"]}
    )
    with pytest.raises(GoldenError, match="expect_refusal question has no reference_sources"):
        load_golden(write_lines(tmp_path, [bad]))


def test_zero_questions_is_an_error(tmp_path):
    with pytest.raises(GoldenError, match="has no questions"):
        load_golden(write_lines(tmp_path, ["", "// just a comment"]))


def test_unknown_reference_source_is_an_error(tmp_path):
    golden = load_golden(write_golden(tmp_path / "g.jsonl"))
    with pytest.raises(GoldenError, match=r"4 of 5 reference sources are not documents .*docs/about.html"):
        golden.check_references({"docs/colors.md"}, ["docs"], complete=True)


def test_shipped_golden_set_covers_the_default_corpus():
    from factory.config import load_config
    from rag.ingest.sources import load_documents

    golden = load_golden(ROOT / "golden_questions" / "docs.jsonl")
    questions = golden.questions
    assert len(questions) >= 40
    assert sum(q.expect_refusal for q in questions) >= 6
    assert sum(q.follow_up_of is not None for q in questions) >= 6
    golden.check_references(
        {d.doc_id for d in load_documents(load_config(ROOT / "configs" / "default.yaml").sources)},
        ["docs"],
        complete=True,
    )


def test_shipped_golden_contexts_and_facts_are_in_the_docs():
    """Editing docs/ must not silently break the golden set: every reference context and
    must-include fact still appears in its reference sources."""

    def norm(text: str) -> str:
        return " ".join(text.split()).lower()

    for q in load_golden(ROOT / "golden_questions" / "docs.jsonl").questions:
        text = norm(" ".join((ROOT / s).read_text(encoding="utf-8") for s in q.reference_sources))
        for snippet in [*q.reference_contexts, *q.must_include]:
            assert norm(snippet) in text, f"{q.id}: {snippet!r} not in {q.reference_sources}"


def test_the_projects_own_golden_set_imports_refusal_questions_included():
    """Rows for questions the agent must decline have no page: imported as refusal questions."""
    from evaluation.golden_import import import_golden
    from factory.config import load_config

    shipped = load_golden(ROOT / "golden_questions" / "docs.jsonl")
    questions, problems = import_golden([ROOT / "golden_questions" / "docs.jsonl"],
                                        load_config(ROOT / "configs" / "default.yaml").sources)  # fmt: skip
    assert problems == [] and len(questions) == len(shipped.questions)
    refusals = [q.id for q in questions if q.expect_refusal]
    assert refusals == [q.id for q in shipped.questions if q.expect_refusal] and len(refusals) >= 5


def test_generated_by_is_kept_and_checked(tmp_path):
    made = {
        "id": "g",
        "question": "What is a theme?",
        "reference_sources": ["docs/a.md"],
        "generated_by": "offline/heading",
    }
    assert (
        load_golden(write_golden(tmp_path / "ok.jsonl", [made])).questions[0].generated_by
        == "offline/heading"
    )
    with pytest.raises(GoldenError, match=r"bad.jsonl:1: generated_by: String should match pattern"):
        load_golden(write_golden(tmp_path / "bad.jsonl", [made | {"generated_by": "a person <script>"}]))
