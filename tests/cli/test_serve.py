"""`agent-factory feedback` over a real feedback store (no server needed); `serve` itself is
tested against a live deployment in tests/serving/test_deployment.py."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import main
from tests.helpers import (
    feedback_setup,
    record_answer,
)


def test_feedback_lists_and_exports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config, _golden, store = feedback_setup(tmp_path)
    record_answer(store, "How do I rotate the key?", -1, "it is in security.md")
    record_answer(store, "What is the port?", 1)
    listed = CliRunner().invoke(main, ["feedback", "--config", str(config), "--rating", "down"])
    assert (
        listed.exit_code == 0
        and "How do I rotate the key?" in listed.output
        and "What is the port" not in listed.output
    )
    exported = CliRunner().invoke(main, ["feedback", "--config", str(config), "--export", "all.jsonl"])
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert {(r["question"], r["rating"]) for r in rows} == {
        ("How do I rotate the key?", -1),
        ("What is the port?", 1),
    }
