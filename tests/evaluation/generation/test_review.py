"""`golden review` in a real pseudo-terminal (the `agent-factory` process, stdin and stdout a pty),
then `golden accept` of what the person decided; and the same through a hand-edited file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.generation.candidates import Candidate, read_candidates, write_candidates
from evaluation.golden import GoldenQuestion, load_golden
from rag.errors import AgentFactoryError
from tests.helpers import Terminal, run_cli, write_config, write_corpus

QUESTIONS = [
    ("q1", "How do I install the widget server?", "install.md"),
    ("q2", "What port does it use", "ports.md"),
    ("q3", "What is the meaning of life?", "install.md"),
    ("q4", "How do I change the theme?", "themes.md"),
    ("q5", "How do I back up dashboards?", "themes.md"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_corpus(tmp_path / "corpus", {"install.md": "# Install\n\nRun widgetctl setup.\n",
                                       "ports.md": "# Ports\n\nPort 7341.\n", "themes.md": "# Themes\n\nBlue.\n"})  # fmt: skip
    write_config(tmp_path / "agent.yaml", "sources:\n  - type: directory\n    path: corpus\n"
                                          "evaluation:\n  golden_set: golden.jsonl\n")  # fmt: skip
    candidates = [
        Candidate(question=GoldenQuestion(id=qid, question=text, reference_sources=[f"docs/{page}"],
                                          reference_contexts=[f"passage of {page}"], generated_by="offline/heading"))
        for qid, text, page in QUESTIONS
    ]  # fmt: skip
    write_candidates(tmp_path / "candidates.jsonl", candidates)
    return tmp_path


def test_a_review_session_in_a_terminal_then_accept(project: Path):
    term = Terminal("golden", "review", "candidates.jsonl", cwd=project)
    shown = term.expect("[a]ccept [e]dit [r]eject [s]kip [q]uit")
    assert "[1/5] offline/heading  docs/install.md" in shown and "passage of install.md" in shown
    term.type("a")
    term.expect("[2/5]")
    term.expect("[q]uit")
    term.type("x")  # not a choice: said, and asked again
    term.expect("is not one of")
    term.type("e")
    term.expect("question [What port does it use]")
    term.type("ab")  # too short for a golden question: said, and asked again
    term.expect("at least 3 characters")
    term.type("Which TCP port does the widget server listen on?")
    term.expect("[3/5]")
    term.expect("[q]uit")
    term.type("r")
    term.expect("[4/5]")
    term.expect("[q]uit")
    term.type("s")
    term.expect("[5/5]")
    term.expect("[q]uit")
    term.type("q")
    term.expect("accepted 1, edited 1, rejected 1, skipped 1; 2 still pending")
    assert term.close() == 0

    marks = {
        c.question.id: (c.review, c.question.question) for c in read_candidates(project / "candidates.jsonl")
    }
    assert marks == {"q1": ("accepted", QUESTIONS[0][1]), "q2": ("accepted", "Which TCP port does the widget server listen on?"),
                     "q3": ("rejected", QUESTIONS[2][1]), "q4": ("pending", QUESTIONS[3][1]),
                     "q5": ("pending", QUESTIONS[4][1])}  # fmt: skip

    term = Terminal("golden", "review", "candidates.jsonl", cwd=project)  # goes on where it stopped
    assert "[1/2] offline/heading  docs/themes.md" in term.expect("[q]uit") and QUESTIONS[3][1] in term.seen
    term.type("a")
    term.expect("[2/2]")
    term.expect("[q]uit")
    term.type("r")
    term.expect("0 still pending")
    assert term.close() == 0

    done = run_cli("golden", "accept", "candidates.jsonl", "--config", "agent.yaml", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (
        "golden.jsonl (0 already there, 0 pending, 2 rejected left out)" in done.stdout
        and "added 3 questions" in done.stdout
    )
    golden = load_golden(project / "golden.jsonl")
    assert [q.id for q in golden.questions] == ["q1", "q2", "q4"]
    assert {q.generated_by for q in golden.questions} == {"offline/heading"}
    again = run_cli("golden", "accept", "candidates.jsonl", "--config", "agent.yaml", cwd=project)
    assert "added 0 questions" in again.stdout and "3 already there" in again.stdout


def test_a_hand_edited_file_is_validated_before_anything_is_added(project: Path):
    path = project / "candidates.jsonl"
    lines = path.read_text().splitlines()
    edited = [json.loads(line) | {"review": "accepted"} for line in lines[:2]]
    edited[1]["reference_sources"] = ["docs/missing.md"]  # a person's typo
    path.write_text("\n".join(json.dumps(e) for e in edited) + "\n" + "\n".join(lines[2:]) + "\n")
    refused = run_cli("golden", "accept", "candidates.jsonl", "--config", "agent.yaml", cwd=project)
    assert (
        refused.returncode == 1
        and "docs/missing.md" in refused.stderr
        and "nothing was added" in refused.stderr
    )
    assert not (project / "golden.jsonl").exists()

    path.write_text(path.read_text().replace('"review": "accepted"', '"review": "yes"', 1))
    bad = run_cli("golden", "accept", "candidates.jsonl", "--config", "agent.yaml", cwd=project)
    assert (
        bad.returncode == 1
        and "candidates.jsonl:1: review: 'yes' is not one of pending, accepted, rejected" in bad.stderr
    )

    edited[1]["reference_sources"] = ["docs/ports.md"]
    path.write_text("\n".join(json.dumps(e) for e in edited) + "\n")
    done = run_cli("golden", "accept", "candidates.jsonl", "--config", "agent.yaml", cwd=project)
    assert done.returncode == 0 and "added 2 questions" in done.stdout
    with pytest.raises(AgentFactoryError, match="is not a candidates file this tool wrote"):
        write_candidates(
            project / "golden.jsonl", []
        )  # the golden set is never overwritten as a candidates file
