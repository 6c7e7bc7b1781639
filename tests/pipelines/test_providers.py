"""Remote providers through the real pipeline: a judge on a fake OpenAI-compatible server on 127.0.0.1.

A planted key must reach the server, yet appear nowhere in the ZenML store (database,
artifacts, step logs) nor in the console output. Calls and tokens land on the version.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from zenml.client import Client

from benchmarks.fake_openai import FakeOpenAI
from factory.artifacts import load_answers
from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from tests.helpers import make_config

pytestmark = pytest.mark.slow

PLANTED = "sk-af-PLANTED-7f3a9c2e51d84b60"
FROM_SECRET = "sk-af-SECRET-0b1c2d3e4f5a6b7c"
VERDICT = '```json\n{"reason": "useful", "verdict": 1}\n```'


def judge_settings(base_url: str, **key) -> dict:
    llm = {
        "provider": "openai_like",
        "model": "fake-judge",
        "api_base": base_url,
        "params": {"max_tokens": 64},
    }
    return {"llm": llm | key, "metrics": ["llm_context_precision_with_reference"], "max_workers": 2}


def files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_planted_key_is_sent_but_stored_nowhere(monkeypatch, capfd, pipeline_corpus, golden_path):
    monkeypatch.setenv("AF_PLANTED_KEY", PLANTED)
    with FakeOpenAI(lambda request: VERDICT, api_key=PLANTED) as server:
        judge = judge_settings(server.base_url, api_key_env="AF_PLANTED_KEY")
        config = make_config("keyed_agent", pipeline_corpus, golden_path,
                             evaluation={"golden_set": str(golden_path), "judge": judge})  # fmt: skip
        run = run_build(config)
    assert run.status == "completed"
    assert server.completions() and all(
        r.headers["Authorization"] == f"Bearer {PLANTED}" for r in server.requests
    )
    meta = get_version("keyed_agent", run.version).run_metadata
    usage = meta["evaluation"]["usage"]["judge"]
    assert (
        usage["calls"] == len(server.completions()) - 1
    )  # the preflight's one-token call is not the judge's
    assert usage["prompt_tokens"] > 1000 and usage["estimated"] is False
    assert sum(a["judge_calls"] for a in load_answers(get_version(run.model, run.version))) == usage["calls"]
    assert meta["decision"]["stage"] == "production"
    out, err = capfd.readouterr()
    assert PLANTED not in out + err
    assert files_containing(Path(os.environ["ZENML_CONFIG_PATH"]), PLANTED) == []


def test_key_from_a_zenml_secret(pipeline_corpus, golden_path):
    Client().create_secret("af_judge", values={"api_key": FROM_SECRET})
    with FakeOpenAI(lambda request: VERDICT, api_key=FROM_SECRET) as server:
        judge = judge_settings(server.base_url, api_key_secret="af_judge.api_key")
        config = make_config("secret_agent", pipeline_corpus, golden_path,
                             evaluation={"golden_set": str(golden_path), "judge": judge})  # fmt: skip
        run = run_build(config)
    assert run.status == "completed" and server.completions()
    assert all(r.headers["Authorization"] == f"Bearer {FROM_SECRET}" for r in server.requests)
    settings = get_version("secret_agent", run.version).run_metadata["settings"]
    assert settings["evaluation"]["judge"]["llm"]["api_key_secret"] == "af_judge.api_key"
    artifacts = Path(Client().active_stack.artifact_store.path)
    assert files_containing(artifacts, FROM_SECRET) == []


def test_build_with_a_missing_key_fails_in_seconds_and_creates_no_version(
    tmp_path, monkeypatch, pipeline_corpus, golden_path
):
    from cli.main import main

    monkeypatch.delenv("AF_UNSET_KEY", raising=False)
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"name: keyless_agent\nsources:\n  - type: directory\n    path: {pipeline_corpus}\n"
        f"evaluation:\n  golden_set: {golden_path}\n  judge:\n    llm:\n      provider: openai\n"
        "      model: gpt-4o-mini\n      api_key_env: AF_UNSET_KEY\n"
    )
    from zenml.client import Client

    runs = Client().list_pipeline_runs(size=1).total
    result = CliRunner().invoke(main, ["build", "--config", str(config)])
    assert Client().list_pipeline_runs(size=1).total == runs  # failed before any pipeline ran
    assert result.exit_code == 1
    assert "evaluation.judge.llm.api_key_env: environment variable AF_UNSET_KEY is not set" in result.output
    with pytest.raises(KeyError):
        Client().get_model("keyless_agent")
