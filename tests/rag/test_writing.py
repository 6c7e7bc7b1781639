"""Every file the tool writes: never over a file it did not write, atomic, keeping what it replaces."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.golden import GoldenQuestion, load_golden, write_golden_file
from rag.writing import TMP_MARK, OutputError, starts_with, write_file

MINE = starts_with(b"# mine")
ROOT = Path(__file__).resolve().parents[2]


def test_a_file_the_tool_did_not_write_is_never_replaced(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text("name: docs_agent\n")
    with pytest.raises(OutputError, match="agent.yaml: exists and is not a summary this tool wrote"):
        write_file(config, "# mine\n", "summary", MINE)
    assert config.read_text() == "name: docs_agent\n" and os.listdir(tmp_path) == ["agent.yaml"]


def test_its_own_output_and_an_empty_file_are_replaced_keeping_their_mode(tmp_path):
    out = tmp_path / "summary.md"
    out.write_text("")  # $GITHUB_STEP_SUMMARY exists, empty
    out.chmod(0o644)
    write_file(out, "# mine\none\n", "summary", MINE)
    write_file(out, "# mine\ntwo\n", "summary", MINE)
    assert out.read_text() == "# mine\ntwo\n" and stat.S_IMODE(out.stat().st_mode) == 0o644


def test_a_read_only_file_is_refused_not_forced(tmp_path):
    golden = tmp_path / "golden.jsonl"
    golden.write_text(json.dumps({"id": "a", "question": "How?", "reference_sources": ["x.md"]}) + "\n")
    golden.chmod(0o444)  # refused by its mode, as root too
    with pytest.raises(OutputError, match="is read-only"):
        write_golden_file(golden, golden.read_text())


def test_a_symlink_writes_its_target_and_says_where(tmp_path):
    outside = tmp_path / "elsewhere" / "golden.jsonl"
    outside.parent.mkdir()
    row = json.dumps({"id": "a", "question": "How?", "reference_sources": ["x.md"]}) + "\n"
    outside.write_text(row)
    link = tmp_path / "repo" / "golden.jsonl"
    link.parent.mkdir()
    link.symlink_to(outside)
    written = write_golden_file(link, row + row.replace('"a"', '"b"'))
    assert written == outside and link.is_symlink() and len(load_golden(link).questions) == 2


def test_an_invalid_golden_text_writes_nothing_and_names_the_line(tmp_path):
    golden = tmp_path / "golden.jsonl"
    row = json.dumps({"id": "a", "question": "How?", "reference_sources": ["x.md"]}) + "\n"
    golden.write_text(row)
    with pytest.raises(Exception, match=r"golden.jsonl:2: id: duplicate id 'a'"):
        write_golden_file(golden, row + row)
    assert golden.read_text() == row and os.listdir(tmp_path) == ["golden.jsonl"]


def test_a_killed_write_leaves_only_a_temp_file_nobody_takes_for_data(tmp_path):
    """kill -9 between writing and renaming: the target is untouched, the leftover is hidden and marked."""
    target = tmp_path / "golden.jsonl"
    target.write_text(json.dumps({"id": "a", "question": "How?", "reference_sources": ["x.md"]}) + "\n")
    code = ("import os, sys; from rag import writing; from pathlib import Path\n"
            "writing.os.replace = lambda *a: os.kill(os.getpid(), 9)\n"
            f"writing.write_file(Path({str(target)!r}), 'x', 'golden set', lambda p: True)\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert done.returncode == -9
    left = [p for p in os.listdir(tmp_path) if p != "golden.jsonl"]
    assert (
        len(left) == 1 and left[0].startswith(".golden.jsonl" + TMP_MARK) and not left[0].endswith(".jsonl")
    )
    assert len(load_golden(target).questions) == 1


TEXT = st.text(st.characters(blacklist_categories=["Cs"]), min_size=3, max_size=60).filter(
    lambda t: t.strip()
)


@settings(max_examples=60, deadline=None)
@given(questions=st.lists(TEXT, min_size=1, max_size=5))
def test_what_the_tool_writes_it_reads_back(tmp_path_factory, questions):
    """Generated text (U+2028, U+0085, CR, quotes...) survives a golden file written and read again."""
    path = tmp_path_factory.mktemp("golden") / "golden.jsonl"
    rows = [
        GoldenQuestion(id=f"q{i}", question=q, reference_sources=["x.md"]) for i, q in enumerate(questions)
    ]
    write_golden_file(path, "".join(r.model_dump_json(exclude_defaults=True) + "\n" for r in rows))
    assert [q.question for q in load_golden(path).questions] == [r.question for r in rows]
