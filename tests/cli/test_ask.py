"""`ask`: without an index or a production, and a cold ask that loads no torch."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from cli.main import main


def test_ask_without_an_index_explains(tmp_path: Path):
    result = CliRunner().invoke(main, ["ask", "hi", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "agent-factory index" in result.output


def test_ask_without_production_lists_the_versions(tmp_path: Path):
    from zenml.client import Client

    Client().create_model(name="unreleased_agent")
    Client().create_model_version(model_name_or_id="unreleased_agent")
    result = CliRunner().invoke(main, ["ask", "Which port?", "--model", "unreleased_agent"])
    assert result.exit_code == 1
    assert "its versions: 1 (no stage). Pick one with --version N" in result.output, result.output


def test_cold_ask_loads_no_torch_and_no_langchain_and_then_no_zenml(first_build):
    """Issue 13, point 11: a cold `ask` runs the exported ONNX encoder (no torch, ~5 s saved)
    and skips LlamaIndex's LangChain probe (0.7 s); tests/rag/test_onnx_encoder.py checks the vectors.
    Issue 46: the next one, the store unchanged, opens the same agent without importing ZenML."""
    from factory import resolved

    store = resolved._sqlite_file((resolved._config_dir() / "config.yaml").read_bytes())
    then = time.time() - 60
    os.utime(store, (then, then))  # last written a minute ago, not in the racy seconds after a write
    code = (
        "import json, sys; from cli.main import main\n"
        "try:\n    main(['ask', 'Which TCP port does the server listen on?', '--model', 'test_agent',"
        f" '--version', '{first_build.version}'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in ('torch', 'sentence_transformers', 'langchain_core', 'zenml')"
        " if m in sys.modules)))"
    )
    for imported in (["zenml"], []):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert "7341" in out.stdout, out.stdout + out.stderr
        assert json.loads(out.stdout.strip().splitlines()[-1]) == imported


def _traced_config(path: Path, corpus: Path, golden: Path, endpoint: str, capture: bool) -> Path:
    from tests.helpers import write_config

    return write_config(
        path,
        f"""name: test_agent
sources: [{{type: directory, name: docs, path: "{corpus}"}}]
evaluation: {{golden_set: "{golden}"}}
tracing: {{enabled: true, endpoint: "{endpoint}", capture_text: {str(capture).lower()}, export_timeout_s: 1,
          trace_url: "http://traces.example/trace/{{trace_id}}"}}
""",
    )


def test_a_traced_ask_prints_its_trace_link_and_a_dead_collector_changes_no_answer(
    first_build, tmp_path: Path, otlp, pipeline_corpus: Path, golden_path: Path
):
    """Issue 47 in a real process: the question's trace reaches the receiver before `ask` exits."""
    from tests.helpers import free_port, run_cli

    question = "Which TCP port does the server listen on?"
    config = _traced_config(
        tmp_path / "traced.yaml", pipeline_corpus, golden_path, otlp.endpoint, capture=True
    )
    out = run_cli("ask", question, "--config", config, "--version", first_build.version)
    assert out.returncode == 0 and "7341" in out.stdout, out.stdout + out.stderr
    (link,) = [line for line in out.stdout.splitlines() if line.startswith("trace: ")]
    trace_id = link.removeprefix("trace: http://traces.example/trace/")
    (root,) = [s for s in otlp.trace(trace_id) if s["name"] == "question"]  # sent before the process ended
    assert (
        root["attributes"]["agent_factory.channel"] == "cli" and root["attributes"]["input.value"] == question
    )
    dead = f"http://127.0.0.1:{free_port()}/v1/traces"
    config = _traced_config(tmp_path / "dead.yaml", pipeline_corpus, golden_path, dead, capture=False)
    quiet = run_cli("ask", question, "--config", config, "--version", first_build.version)
    said = (quiet.stdout + quiet.stderr).splitlines()
    lost = [line for line in said if line.startswith("tracing: ")]
    assert len(lost) == 1 and "could not be sent" in lost[0] and "Traceback" not in quiet.stderr  # said once
    answer = [line for line in said if line not in lost and not line.startswith("trace: ")]
    assert quiet.returncode == 0 and answer == out.stdout.split("trace: ")[0].splitlines()
