"""`build`, `eval`, `index` through the CLI."""

from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from tests.helpers import write_corpus, write_golden, write_project


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


def test_schedule_on_local_stack_fails_clearly(tmp_path: Path):
    config = write_project(tmp_path)
    result = CliRunner().invoke(main, ["build", "--config", str(config), "--schedule", "0 3 * * *"])
    assert result.exit_code == 1 and "cannot schedule runs" in result.output


def test_dry_run_on_a_version_without_evaluation_is_a_clean_error(tmp_path: Path):
    from zenml.client import Client

    Client().create_model(name="no_eval_agent")
    Client().create_model_version(model_name_or_id="no_eval_agent")  # a build that stopped early
    config = tmp_path / "agent.yaml"
    config.write_text(
        "sources:\n  - type: directory\n    path: corpus\nevaluation:\n  golden_set: golden.jsonl\n"
        "  judge:\n    llm: {provider: openai_like, model: j, api_base: 'http://127.0.0.1:9/v1'}\n"
    )
    write_golden(tmp_path / "golden.jsonl")
    args = ["eval", "--dry-run", "--version", "1", "--model", "no_eval_agent", "--config", str(config)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "version 1 has no evaluation" in result.output
