"""gate.require_approval through the real pipeline: a person answers during the wait, or after
the run paused on its timeout; production never moves without a yes."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_corpus, write_golden

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _cli(env: dict, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return run_cli(*args, env=env, timeout=timeout)


def _db(env: dict) -> Path:
    return Path(env["ZENML_CONFIG_PATH"]) / "local_stores" / "default_zen_store" / "zenml.db"


def _stage(env: dict, version: str) -> str:
    """The version's stage, read from the test's store (its SQLite file: a Python start per check
    would cost seconds)."""
    query = ("select v.stage from model_version v join model m on v.model_id = m.id "
             "where m.name = 'appr_agent' and v.number = ?")  # fmt: skip
    with contextlib.closing(sqlite3.connect(_db(env))) as conn:
        return str(conn.execute(query, (int(version),)).fetchone()[0])


def _pending(env: dict) -> bool:
    """A wait condition is pending in the test's store: read from its SQLite file, so polling
    costs no CLI start (the build registers the condition when it starts waiting)."""
    try:
        with contextlib.closing(sqlite3.connect(_db(env))) as conn:
            return (
                conn.execute("select count(*) from run_wait_condition where status = 'pending'").fetchone()[0]
                > 0
            )
    except sqlite3.Error:  # not created yet
        return False


@pytest.fixture()
def project(tmp_path):
    write_corpus(tmp_path / "corpus")
    write_golden(tmp_path / "golden.jsonl")

    def config(timeout_s: int) -> str:
        path = tmp_path / f"agent-{timeout_s}.yaml"
        path.write_text("name: appr_agent\nsources:\n  - {type: directory, path: corpus}\nevaluation:\n"
                        f"  golden_set: golden.jsonl\n  gate:\n    require_approval: true\n"
                        f"    approval_timeout_s: {timeout_s}\n")  # fmt: skip
        return str(path)

    return os.environ | {"ZENML_CONFIG_PATH": str(tmp_path / "zenml")}, config


def test_a_timeout_pauses_then_approve_resumes_and_an_answer_during_the_wait_continues_the_build(project):
    env, config = project
    built = _cli(env, "build", "--config", config(2))
    assert built.returncode == 3, built.stdout + built.stderr
    assert "production awaits a person's approval" in built.stdout and "waiting for a person" in built.stdout
    assert _stage(env, "1") == "staging"  # earned production, holds staging until someone says yes
    approved = _cli(env, "approve", "1", "--config", config(2))
    assert approved.returncode == 0 and "approved: production" in approved.stdout, (
        approved.stdout + approved.stderr
    )
    assert _stage(env, "1") == "production"
    again = _cli(env, "approve", "1", "--config", config(2))
    assert again.returncode == 1 and "not waiting for approval" in again.stderr

    # The next build waits longer: a person's "no" during the wait continues it, not promoted.
    build = subprocess.Popen([BIN / "agent-factory", "build", "--config", config(300)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not _pending(env):  # answer once the build asks
            time.sleep(1)
        rejected = _cli(env, "reject", "2", "--config", config(300))
        assert rejected.returncode == 0 and "rejected: staging" in rejected.stdout, rejected.stderr
        output, _ = build.communicate(timeout=300)
    finally:
        build.kill()
    assert build.returncode == 3, output  # built, not promoted: the person said no
    assert _stage(env, "2") == "staging" and _stage(env, "1") == "production"
