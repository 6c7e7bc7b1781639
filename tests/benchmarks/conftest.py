"""The benchmark's smoke run, a group of sections per test file so the suite's workers share them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import write_corpus, write_golden

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smoke(tmp_path) -> Callable[..., tuple[str, dict]]:
    """Run ``benchmarks.run --smoke --only SECTIONS`` in a fresh store; (RESULTS.md text, results)."""

    def run(*sections: str) -> tuple[str, dict]:
        out = tmp_path / "RESULTS.md"
        env = os.environ | {"ZENML_CONFIG_PATH": str(tmp_path / "zenml")}
        corpus, golden = write_corpus(tmp_path / "corpus"), write_golden(tmp_path / "golden.jsonl")
        config = (
            tmp_path / "agent.yaml"
        )  # the build section on the tests' five pages: its code, not its numbers
        config.write_text(f"name: smoke_agent\nsources:\n  - type: directory\n    name: docs\n    path: {corpus}\n"
                          f"evaluation:\n  golden_set: {golden}\n")  # fmt: skip
        command = [sys.executable, "-m", "benchmarks.run", "--smoke", "--out", str(out), "--config", str(config),
                   "--only", *sections]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        return out.read_text(), json.loads(out.with_suffix(".json").read_text())

    return run
