"""docs/tutorial.md, run as written: every ```bash block, in order, in a project folder with
AGENT_FACTORY_DATASETS naming a subset of ZenML's docs and the questions about that subset."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import DATASETS, needs_datasets

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = 12  # questions kept, with their pages and as many other pages
pytestmark = [pytest.mark.slow, needs_datasets]


def blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", (ROOT / "docs" / "tutorial.md").read_text(), re.S)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """<tmp>/project (with the real .venv) and <tmp>/shared/datasets (a subset of the real one)."""
    top = tmp_path_factory.mktemp("tutorial")
    project, data = top / "project", top / "shared" / "datasets"
    project.mkdir()
    (project / ".venv").symlink_to(Path(sys.executable).parents[1])
    rows = [json.loads(line) for line in (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()]
    kept = rows[:QUESTIONS]
    pages = {r["file"] for r in kept}
    others = sorted(
        p.relative_to(DATASETS / "zenml-docs").as_posix() for p in (DATASETS / "zenml-docs").rglob("*.md")
    )
    pages |= set([p for p in others if p not in pages][:QUESTIONS])
    for page in pages:
        (data / "zenml-docs" / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATASETS / "zenml-docs" / page, data / "zenml-docs" / page)
    (data / "zenml-questions-dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in kept))
    return project


def test_every_command_of_the_tutorial_runs_as_written(workspace):
    outputs = []
    for block in blocks():
        env = os.environ | {"AGENT_FACTORY_DATASETS": str(workspace.parent / "shared" / "datasets")}
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=workspace, env=env,
                                capture_output=True, text=True, timeout=900)  # fmt: skip
        assert result.returncode == 0, f"{block}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        outputs.append(result.stdout + result.stderr)
    text = "\n".join(outputs)
    assert len(blocks()) >= 6 and "Traceback" not in text
    pages = len(list((workspace.parent / "shared" / "datasets" / "zenml-docs").rglob("*.md")))
    assert f"zenml: {pages} documents" in text
    assert f"wrote {QUESTIONS} questions to zenml-questions.jsonl" in text
    assert text.count("decision: ") == 2  # two builds, each gated
    decisions = [line for line in text.splitlines() if line.startswith(("decision: ", "  - "))]
    assert decisions[0] == "decision: production", decisions  # the first build earns production
    assert "model zenml_docs_agent" in text and "retrieved:" in text
    assert "retrieval.top_k" in text  # compare shows what changed between the versions
