"""`ask`: without an index or a production, and a cold ask that loads no torch."""

import json
import subprocess
import sys
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


def test_cold_ask_loads_no_torch_and_no_langchain(first_build):
    """Issue 13, point 11: a cold `ask` runs the exported ONNX encoder (no torch, ~5 s saved)
    and skips LlamaIndex's LangChain probe (0.7 s); tests/rag/test_onnx_encoder.py checks the vectors."""
    code = (
        "import json, sys; from cli.main import main\n"
        "try:\n    main(['ask', 'Which TCP port does the server listen on?', '--model', 'test_agent',"
        f" '--version', '{first_build.version}'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in ('torch', 'sentence_transformers', 'langchain_core')"
        " if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "7341" in out.stdout, out.stdout + out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
