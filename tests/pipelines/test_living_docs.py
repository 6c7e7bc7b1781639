"""Living documentation: a scripted docs history replayed night by night, a golden set written on
night 0 and never edited, one build a night (tests/history.py has the history and its truth)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from zenml.client import Client

from factory.artifacts import CORPUS_DIFF, GOLDEN, load_evaluation
from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from tests.helpers import GOLDEN as QUESTIONS
from tests.helpers import make_config, write_golden
from tests.history import FOLLOWS, NIGHTS, commit_night, write_night

pytestmark = pytest.mark.slow
GATE = {
    "thresholds": {"hit_rate": 0.85, "refusal_accuracy": 0.85}
}  # filler words around each fact are no answer
ROOT = Path(__file__).resolve().parents[2]


def replay(name: str, source: dict, apply_night, golden: Path) -> list[dict]:
    """One build per night; what each version recorded."""
    nights = []
    for night, pages in enumerate(NIGHTS):
        apply_night(pages, night)
        config = make_config(name, Path("."), golden, sources=[source],
                             evaluation={"golden_set": str(golden), "gate": GATE})  # fmt: skip
        run = run_build(config)
        mv = get_version(name, run.version)
        nights.append({
            "version": run.version, "run_id": run.run_id, "stage": mv.stage, "meta": mv.run_metadata,
            "golden": mv.get_artifact(GOLDEN).load(), "diff": mv.get_artifact(CORPUS_DIFF).load(),
            "evaluation": load_evaluation(mv),
        })  # fmt: skip
    return nights


def check_history(nights: list[dict]) -> None:
    truth = {f"docs/{old}": [f"docs/{n}" for n in new] if new else None for old, new in FOLLOWS.items()}
    refs = {q["id"]: q["reference_sources"] for q in QUESTIONS if q.get("reference_sources")}
    for number, night in enumerate(nights):
        decision = night["meta"]["decision"]
        assert decision["reasons"], f"night {number} ended in a decision"
        golden = {q.id: q for q in night["golden"].questions}
        result = night["evaluation"]
        for qid, written in refs.items():
            expected = [s for ref in written for s in (truth[ref] or [])] if number >= 2 else written
            if number >= 2 and not expected:
                assert golden[qid].stale == f"its page {written[0]} was deleted", (number, qid)
                assert qid in result.stale and qid not in result.metrics["hit_rate"].values
            else:  # followed exactly, never wrongly; and a moved page is found, not a miss
                assert (
                    golden[qid].reference_sources == sorted(expected)
                    or golden[qid].reference_sources == expected
                )
                assert golden[qid].stale is None
                assert result.metrics["hit_rate"].values[qid] == 1.0, (number, qid)
    restructure = nights[2]
    assert {m.old for m in restructure["diff"].moved} == {k for k, v in truth.items() if v}
    reasons = " ".join(restructure["meta"]["decision"]["reasons"])
    assert "followed to moved pages: 6 question(s)" in reasons and "stale golden questions" in reasons
    assert "n=" in reasons  # the comparison says on how many questions
    assert nights[3]["diff"].empty() and nights[1]["diff"].empty()
    assert restructure["stage"] == "production"  # the restructure was released, not refused


def test_a_directory_history_always_ends_in_a_decision(tmp_path):
    docs = tmp_path / "docs"
    golden = write_golden(tmp_path / "golden.jsonl")
    nights = replay("living_dir", {"type": "directory", "name": "docs", "path": str(docs)},
                    lambda pages, _: write_night(docs, pages), golden)  # fmt: skip
    check_history(nights)
    quiet = Client().get_pipeline_run(nights[3]["run_id"]).steps  # nothing changed on night 3: cheap
    assert {quiet[s].status.value for s in ("chunk", "build_index", "evaluate")} == {"cached"}


def test_a_git_history_always_ends_in_a_decision(tmp_path):
    repo = tmp_path / "repo"
    golden = write_golden(tmp_path / "golden.jsonl")
    nights = replay("living_git", {"type": "git", "name": "docs", "repo": str(repo), "include": ["**/*"]},
                    lambda pages, night: commit_night(repo, pages, night), golden)  # fmt: skip
    check_history(nights)


def test_golden_refresh_writes_what_the_builds_followed(tmp_path):
    """After the restructure, `golden refresh --apply` rewrites the file: the early check passes
    on its own and only the deleted page's question is left stale (reported, kept as written)."""
    docs = tmp_path / "docs"
    golden = write_golden(tmp_path / "golden.jsonl")
    config = tmp_path / "agent.yaml"
    config.write_text(f"name: living_refresh\nsources:\n  - type: directory\n    name: docs\n    path: {docs}\n"
                      f"evaluation:\n  golden_set: {golden}\n")  # fmt: skip
    for night in (0, 2):
        write_night(docs, NIGHTS[night])
        run_build(
            make_config("living_refresh", docs, golden, evaluation={"golden_set": str(golden), "gate": GATE})
        )
    diff = subprocess.run([sys.executable, "-m", "cli.main", "diff", "1", "2", "--config", str(config)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)  # fmt: skip
    assert diff.returncode == 0, diff.stderr
    assert "split    docs/install.md -> docs/install/requirements.md, docs/install/setup.md" in diff.stdout
    assert (
        "removed  docs/about.html" in diff.stdout
        and "founders (stale: its page docs/about.html" in diff.stdout
    )
    cli = [sys.executable, "-m", "cli.main", "golden", "refresh", "--config", str(config)]
    shown = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert (
        "-" in shown.stdout and "+" in shown.stdout and "founders" in shown.stdout
    )  # a diff, and the stale list
    assert golden.read_text() == "".join(
        json.dumps(q) + "\n" for q in QUESTIONS
    )  # nothing written without --apply
    applied = subprocess.run([*cli, "--apply"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert applied.returncode == 0, applied.stderr
    rows = {json.loads(line)["id"]: json.loads(line) for line in golden.read_text().splitlines()}
    assert rows["install"]["reference_sources"] == ["docs/install/requirements.md", "docs/install/setup.md"]
    assert rows["founders"]["reference_sources"] == ["docs/about.html"]  # stale: left for a person

    from factory.config import validate

    assert validate(make_config("living_refresh", docs, golden))  # the early check passes
