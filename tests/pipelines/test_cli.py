import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pipelines.cli import main
from tests.conftest import write_corpus


def test_help_imports_nothing_heavy():
    heavy = "('torch', 'llama_index.core', 'zenml', 'ragas', 'sentence_transformers')"
    code = f"import sys, pipelines.cli; print(json.dumps(sorted(m for m in sys.modules if m.startswith({heavy}))))"
    out = subprocess.run(
        [sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_index_then_ask_end_to_end(tmp_path: Path):
    write_corpus(tmp_path / "corpus")
    config = tmp_path / "agent.yaml"
    config.write_text("sources:\n  - type: directory\n    path: corpus\n")
    runner = CliRunner()
    built = runner.invoke(main, ["index", "--config", str(config), "--out", str(tmp_path / "agent")])
    assert built.exit_code == 0, built.output
    assert "indexed 5 documents" in built.output
    asked = runner.invoke(
        main, ["ask", "Which TCP port does the server listen on?", "--index", str(tmp_path / "agent")]
    )
    assert asked.exit_code == 0, asked.output
    assert "7341" in asked.output and "docs/ports.rst" in asked.output


def test_bad_config_exits_non_zero_naming_the_key(tmp_path: Path):
    config = tmp_path / "agent.yaml"
    config.write_text("sources:\n  - type: directory\n    path: corpus\nretrieval:\n  topk: 3\n")
    result = CliRunner().invoke(main, ["index", "--config", str(config)])
    assert result.exit_code == 1
    assert "agent.yaml:5: retrieval.topk: unknown key" in result.output


def test_ask_without_an_index_explains(tmp_path: Path):
    result = CliRunner().invoke(main, ["ask", "hi", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "agent-factory index" in result.output
