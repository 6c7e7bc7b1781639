"""The group: heavy imports stay lazy, user errors are one line, bugs keep their traceback,
commands find the model through --config."""

import json
import shlex
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from cli.main import main
from tests.helpers import (
    write_corpus,
    write_golden,
)


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
    return found


def test_every_command_shows_examples_that_use_its_own_options():
    for path, command in _commands(main):
        if isinstance(command, click.Group) and path != ("golden",):
            continue
        text = command.help or ""
        assert "Example" in text, f"`agent-factory {' '.join(path)} --help` has no example"
        examples = [line.strip() for line in text.split("Example", 1)[1].splitlines()[1:] if line.strip()]
        options = {o for p in command.params for o in p.opts}
        for example in examples:
            words = shlex.split(example)
            assert words[: len(path) + 1] == ["agent-factory", *path], example
            if not isinstance(command, click.Group):  # a group's examples use its commands' options
                assert {w.split("=")[0] for w in words if w.startswith("--")} <= options, example


def test_help_imports_nothing_heavy():
    heavy = "('torch', 'llama_index.core', 'zenml', 'ragas', 'sentence_transformers')"
    code = f"import sys, cli.main; print(json.dumps(sorted(m for m in sys.modules if m.startswith({heavy}))))"
    out = subprocess.run(
        [sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_bad_config_exits_non_zero_naming_the_key(tmp_path: Path):
    config = tmp_path / "agent.yaml"
    config.write_text("sources:\n  - type: directory\n    path: corpus\nretrieval:\n  topk: 3\n")
    result = CliRunner().invoke(main, ["index", "--config", str(config)])
    assert result.exit_code == 1
    assert "agent.yaml:5: retrieval.topk: unknown key" in result.output


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


def test_output_redirected_to_a_file_has_no_colour_codes(tmp_path):
    """ZenML colours its log lines; in a log file or a pipe they would be escape-code noise."""
    import os

    config = tmp_path / "agent.yaml"
    config.write_text("name: colourless\nsources:\n  - type: directory\n    path: docs\n")
    env = os.environ | {"ZENML_CONFIG_PATH": str(tmp_path / "zenml")}
    env.pop("ZENML_LOGGING_COLORS_DISABLED", None)
    done = subprocess.run([sys.executable, "-m", "cli.main", "versions", "--config", str(config)],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2], timeout=300)  # fmt: skip
    assert "global active stack" in done.stdout + done.stderr  # a line ZenML logs in colour
    assert "\x1b[" not in done.stdout + done.stderr
