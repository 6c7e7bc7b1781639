"""`golden generate` and `golden accept` as a person runs them (real processes; `review` is driven in a
terminal in tests/evaluation/generation/test_review.py; import/suggest/refresh in test_sources.py)."""

from __future__ import annotations

from evaluation.generation.candidates import read_candidates
from tests.helpers import run_cli, write_config, write_project


def test_generate_writes_pending_candidates_and_says_what_next(tmp_path):
    write_project(tmp_path)
    dry = run_cli("golden", "generate", "--config", "agent.yaml", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and "offline: no LLM calls, nothing billed" in dry.stdout
    assert not (tmp_path / "golden-candidates.jsonl").exists()

    done = run_cli(
        "golden", "generate", "--config", "agent.yaml", "--max", "6", "--refusals", "0.2", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    candidates = read_candidates(tmp_path / "golden-candidates.jsonl")
    assert f"wrote golden-candidates.jsonl: {len(candidates)} candidates (" in done.stdout
    assert (
        "offline/refusal 1" in done.stdout
        and "agent-factory golden review golden-candidates.jsonl" in done.stdout
    )
    assert len(candidates) == 5 and "fewer than --max 6: these documents give no more" in done.stdout
    assert {c.review for c in candidates} == {"pending"}

    unreviewed = run_cli(
        "golden", "accept", "golden-candidates.jsonl", "--config", "agent.yaml", cwd=tmp_path
    )
    assert (
        "added 0 questions" in unreviewed.stdout and "5 pending" in unreviewed.stdout
    )  # nothing enters unreviewed

    clobber = run_cli("golden", "generate", "--config", "agent.yaml", "--out", "golden.jsonl", cwd=tmp_path)
    assert clobber.returncode == 1 and "golden.jsonl: exists and is not a candidates file" in clobber.stderr


def test_accept_needs_a_golden_set_to_append_to(tmp_path):
    write_project(tmp_path)
    write_config(tmp_path / "bare.yaml", "sources:\n  - type: directory\n    path: corpus\n")
    run_cli("golden", "generate", "--config", "agent.yaml", "--max", "2", cwd=tmp_path)
    missing = run_cli("golden", "accept", "golden-candidates.jsonl", "--config", "bare.yaml", cwd=tmp_path)
    assert (
        missing.returncode == 1
        and "evaluation.golden_set: not set" in missing.stderr
        and "--to" not in missing.stderr
    )
    to = run_cli(
        "golden",
        "accept",
        "golden-candidates.jsonl",
        "--config",
        "bare.yaml",
        "--to",
        "new.jsonl",
        cwd=tmp_path,
    )
    assert (
        to.returncode == 0
        and "added 0 questions to new.jsonl" in to.stdout
        and not (tmp_path / "new.jsonl").exists()
    )
