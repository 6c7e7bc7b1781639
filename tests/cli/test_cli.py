import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from tests.helpers import screenshot, write_corpus, write_golden


def test_help_imports_nothing_heavy():
    heavy = "('torch', 'llama_index.core', 'zenml', 'ragas', 'sentence_transformers')"
    code = f"import sys, cli.main; print(json.dumps(sorted(m for m in sys.modules if m.startswith({heavy}))))"
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


def test_build_versions_promote_ask_through_the_cli(tmp_path: Path):
    write_corpus(tmp_path / "corpus")
    write_golden(tmp_path / "golden.jsonl")
    config = tmp_path / "agent.yaml"
    config.write_text(
        "name: cli_agent\nsources:\n  - type: directory\n    path: corpus\nevaluation:\n  golden_set: golden.jsonl\n"
    )
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--config", str(config)])
    assert built.exit_code == 0, built.output
    assert "built cli_agent version 1" in built.output
    assert "decision: production" in built.output and "no production version yet" in built.output
    table = runner.invoke(main, ["versions", "--model", "cli_agent"])
    assert table.exit_code == 0 and "cli_agent" in table.output
    asked = runner.invoke(
        main,
        ["ask", "Which TCP port does the server listen on?", "--model", "cli_agent", "--version", "latest"],
    )
    assert asked.exit_code == 0, asked.output
    assert "7341" in asked.output
    promoted = runner.invoke(
        main, ["promote", "1", "--stage", "production", "--model", "cli_agent", "--reason", "re-affirmed"]
    )
    assert promoted.exit_code == 0 and "version 1 is now production" in promoted.output
    again = runner.invoke(main, ["build", "--config", str(config)])
    assert again.exit_code == 0 and "not worse than production v1" in again.output
    compared = runner.invoke(main, ["compare", "1", "2", "--model", "cli_agent"])
    assert compared.exit_code == 0 and "rows equal; --all shows them" in compared.output
    assert "corpus against v1: 0 added, 0 removed, 0 changed, 0 moved" in compared.output
    assert "evaluation.headline.hit_rate" not in compared.output  # the same corpus scores the same
    everything = runner.invoke(main, ["compare", "1", "2", "--all", "--model", "cli_agent"])
    assert "evaluation.headline.hit_rate" in everything.output and "…" not in everything.output
    rescored = runner.invoke(
        main, ["eval", "--version", "1", "--model", "cli_agent", "--config", str(config)]
    )
    assert rescored.exit_code == 0, rescored.output
    assert "hit_rate" in rescored.output and "(9 questions)" in rescored.output
    missing = runner.invoke(main, ["ask", "hi", "--model", "cli_agent", "--version", "7"])
    assert missing.exit_code == 1 and "has no version '7'" in missing.output
    for name in ("history.png", "history.html"):
        plotted = runner.invoke(main, ["versions", "--config", str(config), "--plot", str(tmp_path / name)])
        assert plotted.exit_code == 0 and f"wrote {tmp_path / name}" in plotted.output, plotted.output
    assert (tmp_path / "history.png").read_bytes().startswith(b"\x89PNG")
    page = (tmp_path / "history.html").read_text()
    assert "data:image/png;base64," in page and "v1: production" in page and "v2: production" in page
    shot = screenshot(tmp_path / "history.html", "versions-plot.png")
    assert shot.stat().st_size > 10_000
    bad = runner.invoke(main, ["versions", "--config", str(config), "--plot", str(tmp_path / "h.gif")])
    assert bad.exit_code == 1 and "--plot writes .png or .html files" in bad.output


def test_schedule_on_local_stack_fails_clearly(tmp_path: Path):
    write_corpus(tmp_path / "corpus")
    write_golden(tmp_path / "golden.jsonl")
    config = tmp_path / "agent.yaml"
    config.write_text(
        "sources:\n  - type: directory\n    path: corpus\nevaluation:\n  golden_set: golden.jsonl\n"
    )
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


def test_a_bug_keeps_its_traceback(tmp_path: Path, monkeypatch):
    import rag.agent.local

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a real bug")

    monkeypatch.setattr(rag.agent.local, "open_local_agent", bug)
    result = CliRunner().invoke(main, ["ask", "anything", "--index", str(tmp_path)])
    assert isinstance(result.exception, ZeroDivisionError)  # not swallowed into "error: ..."


def test_commands_find_the_model_named_by_the_config(tmp_path: Path):
    """Built from a config named `named_agent`, every command finds it through --config alone."""
    write_corpus(tmp_path / "corpus")
    write_golden(tmp_path / "golden.jsonl")
    config = tmp_path / "named.yaml"
    config.write_text("name: named_agent\nsources:\n  - type: directory\n    path: corpus\n"
                      "evaluation:\n  golden_set: golden.jsonl\n  gate:\n    thresholds: {hit_rate: 1.01}\n")  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--config", str(config)]).exit_code == 1  # 1.01: a config error
    config.write_text(config.read_text().replace("hit_rate: 1.01", "hit_rate: 0.99, refusal_accuracy: 0.99"))
    built = runner.invoke(main, ["build", "--config", str(config)])
    assert built.exit_code in (0, 3), built.output
    listed = runner.invoke(main, ["versions", "--config", str(config)])
    assert listed.exit_code == 0 and "model named_agent" in listed.output
    asked = runner.invoke(main, ["ask", "Which port?", "--config", str(config), "--version", "latest"])
    assert asked.exit_code == 0 and "7341" in asked.output, asked.output


def test_ask_without_production_lists_the_versions(tmp_path: Path):
    from zenml.client import Client

    Client().create_model(name="unreleased_agent")
    Client().create_model_version(model_name_or_id="unreleased_agent")
    result = CliRunner().invoke(main, ["ask", "Which port?", "--model", "unreleased_agent"])
    assert result.exit_code == 1
    assert "its versions: 1 (no stage). Pick one with --version N" in result.output, result.output


def test_sources_lists_ids_and_sizes(tmp_path: Path):
    write_corpus(tmp_path / "corpus")
    config = tmp_path / "agent.yaml"
    config.write_text("sources:\n  - type: directory\n    path: corpus\n")
    result = CliRunner().invoke(main, ["sources", "--config", str(config), "--ids"])
    assert result.exit_code == 0 and "docs: 5 documents" in result.output
    assert "docs/ports.rst" in result.output


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
